"""A client of the sandbox served over real HTTP (tests/integration/conftest.py serves it)."""

from collections.abc import Iterator

import pytest

from postpress_dashboard.sandbox.server import RunningSandbox
from tests.integration.sandbox.sandbox_http import SandboxClient


@pytest.fixture
def api(sandbox: RunningSandbox) -> Iterator[SandboxClient]:
    client = SandboxClient(sandbox)
    yield client
    client.close()
