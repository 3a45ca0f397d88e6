"""Clients built by the dashboard use the timeouts, host rule and bounds from settings."""

from pytest_django.fixtures import Settings

from postpress_dashboard.core.api import build_client
from postpress_dashboard.postpress.multipart import ArrayStyle


def test_it_builds_clients_with_the_configured_timeouts(settings: Settings) -> None:
    settings.POSTPRESS_CONNECT_TIMEOUT = 1.5
    settings.POSTPRESS_READ_TIMEOUT = 7
    settings.POSTPRESS_UPLOAD_READ_TIMEOUT = 90
    settings.POSTPRESS_TOTAL_BUDGET = 20
    client = build_client(base_url="https://api.example.test/v1/", api_key="k")
    assert client.base_url == "https://api.example.test/v1"
    assert (client.timeouts.connect, client.timeouts.read) == (1.5, 7)
    assert (client.timeouts.upload_read, client.timeouts.total) == (90, 20)


def test_f1_f12_it_builds_clients_with_the_host_rule_from_settings(settings: Settings) -> None:
    settings.POSTPRESS_ALLOWED_HOSTS = ["API.example.test", "127.0.0.1"]
    settings.POSTPRESS_ALLOW_LOOPBACK_HTTP = False
    client = build_client(base_url="https://api.example.test/v1/", api_key="k")
    assert client.host_policy.allowed_hosts == frozenset({"api.example.test", "127.0.0.1"})
    assert client.host_policy.allow_loopback_http is False


def test_f12_development_and_the_tests_allow_the_local_sandbox_over_http(
    settings: Settings,
) -> None:
    # The demo (make demo) points its teams at http://127.0.0.1:<port>/api/v1.
    assert settings.POSTPRESS_ALLOW_LOOPBACK_HTTP is True
    assert {"127.0.0.1", "localhost"} <= set(settings.POSTPRESS_ALLOWED_HOSTS)


def test_f9_it_builds_clients_with_the_answer_size_bound_from_settings(settings: Settings) -> None:
    settings.POSTPRESS_MAX_RESPONSE_BYTES = 12345
    client = build_client(base_url="https://api.example.test/v1/", api_key="k")
    assert client.max_response_bytes == 12345


def test_it_builds_clients_with_the_multipart_array_style_from_settings(
    settings: Settings,
) -> None:
    assert settings.POSTPRESS_MULTIPART_ARRAYS == "brackets-for-attendees"  # as before
    assert build_client(base_url="https://api.example.test/v1/", api_key="k").multipart_arrays == (
        ArrayStyle.BRACKETS_FOR_ATTENDEES
    )
    settings.POSTPRESS_MULTIPART_ARRAYS = "repeated"
    client = build_client(base_url="https://api.example.test/v1/", api_key="k")
    assert client.multipart_arrays is ArrayStyle.REPEATED
