"""F1/F12: where the API key may go (postpress/base_url.py), and the client's own refusal.

The host that is checked must be the host urllib3 connects to. Every URL in REFUSED is one on
which parsers disagree, one that names a host in a spelling a resolver reads differently, or
one the key may not travel to; the client must refuse each before any connection.
"""

import pytest
import requests
import responses

from postpress_dashboard.postpress.base_url import (
    DEFAULT_HOST_POLICY,
    BaseUrlProblem,
    BaseUrlRefused,
    HostPolicy,
    check_base_url,
)
from postpress_dashboard.postpress.catalogue import CLIENT_FAILURES, FixableBy
from postpress_dashboard.postpress.client import PostpressClient
from postpress_dashboard.postpress.errors import NotSentError, PostpressError
from tests.unit.postpress.support import ACCOUNT_ID, API_KEY

POLICY = HostPolicy.of(
    ["api.postpress.ai", "127.0.0.1", "localhost", "::1"], allow_loopback_http=True
)
NO_LOOPBACK_HTTP = HostPolicy.of(["api.postpress.ai", "127.0.0.1"], allow_loopback_http=False)

ACCEPTED = [
    ("https://api.postpress.ai/api/v1", "https://api.postpress.ai/api/v1"),
    ("https://api.postpress.ai/v1/", "https://api.postpress.ai/v1"),
    ("https://API.PostPress.AI/api/v1", "https://API.PostPress.AI/api/v1"),  # case-insensitive
    ("HTTPS://api.postpress.ai/api/v1", "HTTPS://api.postpress.ai/api/v1"),
    ("https://api.postpress.ai:8443/api/v1", "https://api.postpress.ai:8443/api/v1"),  # ports
    ("https://api.postpress.ai", "https://api.postpress.ai"),
    ("http://127.0.0.1:8001/api/v1", "http://127.0.0.1:8001/api/v1"),  # the local sandbox
    ("http://localhost:8001/api/v1", "http://localhost:8001/api/v1"),
    ("http://LOCALHOST:8001/api/v1", "http://LOCALHOST:8001/api/v1"),
    ("http://[::1]:8001/api/v1", "http://[::1]:8001/api/v1"),
    ("http://[0:0:0:0:0:0:0:1]:8001/api/v1", "http://[0:0:0:0:0:0:0:1]:8001/api/v1"),
]

# (id, URL, why it is refused)
REFUSED = [
    # Parsers disagree: urlsplit reads the host after the "@", urllib3 the one before "\".
    ("backslash-userinfo", r"https://evil.example\@api.postpress.ai/api/v1", "characters"),
    ("backslash-http-loopback", r"http://attacker:8103\@127.0.0.1/api/v1", "characters"),
    ("backslash-in-path", r"https://api.postpress.ai\api\v1", "characters"),
    ("userinfo", "https://user:pass@api.postpress.ai/api/v1", "characters"),
    ("userinfo-to-evil", "https://api.postpress.ai@evil.example/api/v1", "characters"),
    ("percent-dot-in-host", "https://api%2epostpress.ai/api/v1", "characters"),
    ("percent-in-path", "https://api.postpress.ai/api%2fv1", "characters"),
    ("ipv6-zone", "http://[fe80::1%25eth0]/api/v1", "characters"),
    ("query", "https://api.postpress.ai/api/v1?x=evil.example", "characters"),
    ("fragment", "https://evil.example#@api.postpress.ai/api/v1", "characters"),
    ("space", "https://api.postpress.ai /api/v1", "characters"),
    ("tab", "https://api.postpress.ai\t/api/v1", "characters"),
    ("line-break", "https://api.postpress.ai/api/v1\nHost: evil", "characters"),
    ("nul", "https://api.postpress.ai\x00.evil.example/api/v1", "characters"),
    ("idn", "https://\u0430pi.postpress.ai/api/v1", "characters"),  # a Cyrillic a
    ("full-width-dot", "https://api\uff0epostpress\uff0eai/api/v1", "characters"),
    ("ideographic-dot", "https://api\u3002postpress\u3002ai/api/v1", "characters"),
    ("empty", "", "characters"),
    # Spellings a resolver reads as another host.
    ("trailing-dot", "https://api.postpress.ai./api/v1", "host"),
    ("decimal-ip", "http://2130706433/api/v1", "host"),
    ("hex-ip", "http://0x7f.0.0.1/api/v1", "host"),
    ("hex-whole-ip", "http://0x7f000001/api/v1", "host"),
    ("octal-ip", "http://0177.0.0.1/api/v1", "host"),
    ("short-ip", "http://127.1/api/v1", "host"),
    ("underscore", "https://api_postpress.ai/api/v1", "host"),
    ("bad-ipv6", "http://[::1::2]/api/v1", "not_a_url"),
    # Not a URL the client can use.
    ("no-scheme", "api.postpress.ai/api/v1", "scheme"),
    ("no-slashes", "https:api.postpress.ai/api/v1", "scheme"),
    ("ftp", "ftp://api.postpress.ai/api/v1", "scheme"),
    ("no-host", "https:///api/v1", "not_a_url"),
    ("port-zero", "https://api.postpress.ai:0/api/v1", "port"),
    ("port-too-high", "https://api.postpress.ai:99999/api/v1", "not_a_url"),
    ("quote-in-path", 'https://api.postpress.ai/api/"v1', "path"),
    # Well-formed, but not where the key may go.
    ("unlisted-host", "https://collector.attacker.test/api/v1", "host_not_allowed"),
    ("allowed-host-as-suffix", "https://api.postpress.ai.evil.example/api/v1", "host_not_allowed"),
    ("allowed-host-as-prefix", "https://evil-api.postpress.ai/api/v1", "host_not_allowed"),
    ("other-loopback-address", "http://127.0.0.2:8001/api/v1", "host_not_allowed"),
    ("ipv4-mapped-loopback", "http://[::ffff:127.0.0.1]/api/v1", "host_not_allowed"),
    ("plain-http-to-postpress", "http://api.postpress.ai/api/v1", "plain_http"),
]


@pytest.mark.parametrize(("base_url", "expected"), ACCEPTED, ids=[url for url, _ in ACCEPTED])
def test_f1_it_accepts_an_allowed_host_in_any_case_with_any_port(base_url, expected):
    assert check_base_url(base_url, POLICY) == expected


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_f1_it_refuses_every_tricky_base_url_for_its_reason(base_url, problem):
    with pytest.raises(BaseUrlRefused) as refused:
        check_base_url(base_url, POLICY)

    assert refused.value.problem == BaseUrlProblem(problem)
    assert refused.value.message  # words from the catalogue, never the URL itself
    assert base_url not in refused.value.message or not base_url


def test_f1_the_refusal_names_the_allowed_hosts_and_the_setting():
    with pytest.raises(BaseUrlRefused) as refused:
        check_base_url("https://collector.attacker.test/api/v1", POLICY)

    assert "allowed host" in refused.value.message
    assert "api.postpress.ai" in refused.value.message
    assert "POSTPRESS_ALLOWED_HOSTS" in refused.value.message


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8001/api/v1", "http://localhost:8001/api/v1", "http://[::1]:8001/api/v1"],
)
def test_f12_plain_http_to_loopback_needs_the_switch(base_url):
    policy = HostPolicy.of(["127.0.0.1", "localhost", "::1"], allow_loopback_http=False)

    with pytest.raises(BaseUrlRefused) as refused:
        check_base_url(base_url, policy)

    assert refused.value.problem == BaseUrlProblem.PLAIN_HTTP
    assert "Use https" in refused.value.message


def test_f12_https_to_an_allowed_loopback_host_needs_no_switch():
    assert check_base_url("https://127.0.0.1:8443/api/v1", NO_LOOPBACK_HTTP)


def test_f12_a_loopback_host_must_still_be_listed_even_with_the_switch_on():
    policy = HostPolicy.of(["api.postpress.ai"], allow_loopback_http=True)

    with pytest.raises(BaseUrlRefused) as refused:
        check_base_url("http://127.0.0.1:8001/api/v1", policy)

    assert refused.value.problem == BaseUrlProblem.HOST_NOT_ALLOWED


def test_f1_configured_hosts_compare_like_urls_hosts():
    policy = HostPolicy.of([" API.Postpress.AI ", "[::1]", "", "0:0::1"], allow_loopback_http=True)

    assert policy.allowed_hosts == frozenset({"api.postpress.ai", "::1"})
    assert check_base_url("http://[::1]/v1", policy)


def test_f1_f12_the_clients_default_policy_is_postpress_over_https_only():
    assert DEFAULT_HOST_POLICY.allowed_hosts == frozenset({"api.postpress.ai"})
    assert DEFAULT_HOST_POLICY.allow_loopback_http is False


# --- the client refuses before any connection ------------------------------------------------


class RecordingSession(requests.Session):
    """A session that notes every request instead of sending it."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        self.sent.append((method, url))
        raise AssertionError(f"no request may be sent, yet {method} {url} was")


CLIENT_REFUSED = [
    (r"https://evil.example\@api.postpress.ai/api/v1", "client/invalid_base_url"),
    (r"http://attacker:8103\@127.0.0.1/api/v1", "client/invalid_base_url"),
    ("http://2130706433/api/v1", "client/invalid_base_url"),
    ("http://0x7f.0.0.1/api/v1", "client/invalid_base_url"),
    ("https://collector.attacker.test/api/v1", "client/host_not_allowed"),
    ("http://api.postpress.ai/api/v1", "client/host_not_allowed"),
    ("http://127.0.0.1:8001/api/v1", "client/host_not_allowed"),  # loopback http is off
]


def calls(postpress: PostpressClient) -> list:
    return [
        lambda: postpress.list_received_invitations(account_id=ACCOUNT_ID),
        lambda: postpress.send_invitation(account_id=ACCOUNT_ID, provider_id="ACo1"),
        lambda: postpress.cancel_invitation(invitation_id="inv_1", account_id=ACCOUNT_ID),
    ]


@pytest.mark.parametrize(("base_url", "error_type"), CLIENT_REFUSED)
def test_f1_the_client_refuses_a_stored_base_url_the_key_may_not_go_to(base_url, error_type):
    session = RecordingSession()
    sleeps: list[float] = []
    postpress = PostpressClient(
        base_url=base_url,
        api_key=API_KEY,
        session=session,
        sleep=sleeps.append,
        host_policy=NO_LOOPBACK_HTTP,
    )

    for call in calls(postpress):
        with pytest.raises(NotSentError) as caught:
            call()
        error = caught.value
        assert error.error_type == error_type
        assert error.status is None
        assert error.unconfirmed is False  # nothing was sent: a definite refusal
        assert error.user_message == CLIENT_FAILURES[error_type].message
        assert error.fixable_by == FixableBy.ADMIN
        assert API_KEY not in str(error) + repr(error) + error.user_message

    assert session.sent == []
    assert sleeps == []  # never retried


def test_f1_a_client_without_a_policy_sends_the_key_only_to_postpress():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.add(responses.GET, "https://api.example.test/api/v1/users/invite/received", json={})
        postpress = PostpressClient(base_url="https://api.example.test/api/v1", api_key=API_KEY)

        with pytest.raises(PostpressError) as caught:
            postpress.list_received_invitations(account_id=ACCOUNT_ID)

        assert caught.value.error_type == "client/host_not_allowed"
        assert len(api.calls) == 0


def test_f1_the_client_refuses_the_backslash_url_although_responses_would_answer_it():
    # Were the request sent, urllib3 would connect to evil.example: a mock there sees nothing.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.add(responses.GET, "https://evil.example/", json={"items": []})
        api.add(responses.GET, "https://api.postpress.ai/", json={"items": []})
        postpress = PostpressClient(
            base_url=r"https://evil.example\@api.postpress.ai/api/v1",
            api_key=API_KEY,
            host_policy=POLICY,
        )

        with pytest.raises(NotSentError):
            postpress.list_received_invitations(account_id=ACCOUNT_ID)

        assert len(api.calls) == 0
