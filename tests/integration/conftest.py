"""A sandbox served over real HTTP, started once for the whole run and re-seeded before every
test that asks for it (the sandbox's own tests, the streamed uploads, the campaigns)."""

from collections.abc import Iterator

import pytest

from postpress_dashboard.sandbox.server import RunningSandbox, running_sandbox


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[RunningSandbox]:
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_server: RunningSandbox) -> RunningSandbox:
    sandbox_server.state.reset()
    return sandbox_server
