"""Talking to a running sandbox with plain `requests`, and reading its error envelopes."""

import re
from typing import Any

import requests

from postpress_dashboard.sandbox.server import RunningSandbox

ENVELOPE_KEYS = {"title", "detail", "instance", "type", "status"}


class SandboxClient:
    """`requests` calls with the sandbox's API key, relative to its base URL."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.base_url = sandbox.base_url
        self.session = requests.Session()
        self.session.trust_env = False  # a proxy from the environment must not see 127.0.0.1
        self.session.headers["X-API-KEY"] = sandbox.api_key

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        self.session.close()


def error_of(response: requests.Response) -> tuple[int, str]:
    """Check the response is the documented error envelope; return its (status, type)."""
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["status"] == response.status_code
    assert re.fullmatch(r"req_[0-9a-f]+", body["instance"])
    assert body["title"]
    assert body["detail"]
    return response.status_code, body["type"]
