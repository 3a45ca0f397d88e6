"""The sandbox served over real HTTP, as a contract-test backend."""

from collections.abc import Iterator
from contextlib import contextmanager

from postpress_dashboard.postpress.base_url import HostPolicy
from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.sandbox.server import RunningSandbox, running_sandbox


class LiveSandbox:
    """A freshly seeded sandbox on a free port of 127.0.0.1."""

    @classmethod
    @contextmanager
    def started(cls) -> Iterator["LiveSandbox"]:
        with running_sandbox() as sandbox:
            yield cls(sandbox)

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.sandbox = sandbox

    def client(self, *, api_key: str | None = None) -> PostpressClient:
        return PostpressClient(
            base_url=self.sandbox.base_url,
            api_key=api_key or self.sandbox.api_key,
            host_policy=HostPolicy.of(["127.0.0.1"], allow_loopback_http=True),
        )
