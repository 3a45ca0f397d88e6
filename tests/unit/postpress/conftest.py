"""Fixtures shared by the client's unit tests: a `responses` mock and a client that never sleeps."""

from collections.abc import Iterator

import pytest
import responses

from postpress_dashboard.postpress.client import PostpressClient
from tests.unit.postpress.support import API_KEY, BASE_URL, HOST_POLICY


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def recorded_sleeps() -> list[float]:
    return []


@pytest.fixture
def postpress(recorded_sleeps: list[float]) -> PostpressClient:
    return PostpressClient(
        base_url=BASE_URL, api_key=API_KEY, sleep=recorded_sleeps.append, host_policy=HOST_POLICY
    )
