"""Clients built by the dashboard use the timeouts from settings."""

from pytest_django.fixtures import Settings

from postpress_dashboard.core.api import build_client


def test_it_builds_clients_with_the_configured_timeouts(settings: Settings) -> None:
    settings.POSTPRESS_CONNECT_TIMEOUT = 1.5
    settings.POSTPRESS_READ_TIMEOUT = 7
    settings.POSTPRESS_UPLOAD_READ_TIMEOUT = 90
    settings.POSTPRESS_TOTAL_BUDGET = 20
    client = build_client(base_url="https://api.example.test/v1/", api_key="k")
    assert client.base_url == "https://api.example.test/v1"
    assert (client.timeouts.connect, client.timeouts.read) == (1.5, 7)
    assert (client.timeouts.upload_read, client.timeouts.total) == (90, 20)
