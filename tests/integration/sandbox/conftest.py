"""A sandbox served over real HTTP for the whole session, re-seeded before every test."""

from collections.abc import Iterator

import pytest

from postpress_dashboard.sandbox.server import RunningSandbox, running_sandbox
from tests.integration.sandbox.sandbox_http import SandboxClient


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[RunningSandbox]:
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_server: RunningSandbox) -> RunningSandbox:
    sandbox_server.state.reset()
    return sandbox_server


@pytest.fixture
def api(sandbox: RunningSandbox) -> Iterator[SandboxClient]:
    client = SandboxClient(sandbox)
    yield client
    client.close()
