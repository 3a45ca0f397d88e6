"""When PostpressClient asks again, how long it waits, and when it gives up.

GET and DELETE are repeated on connection errors, timeouts, 429, 502, 503, 504 and a 500
``errors/provider_error``; a POST only when its connection was never established, so an action
is never done twice. No test sleeps: the client gets ``sleep=recorded_sleeps.append`` or a fake
clock whose sleep moves time forward.
"""

import random
import re
import threading
from pathlib import Path

import pytest
import requests
import urllib3.exceptions

import postpress_dashboard.postpress.client as client_module
from postpress_dashboard.postpress.client import (
    PostpressClient,
    RetryPolicy,
    Timeouts,
    thread_session,
)
from postpress_dashboard.postpress.errors import (
    InvalidRequestError,
    NotFoundError,
    PostpressConnectionError,
    PostpressError,
    RateLimitedError,
    UpstreamError,
)
from postpress_dashboard.postpress.schemas import (
    ChatStarted,
    InvitationAction,
    InvitationCanceled,
    InvitationPage,
    InvitationSent,
    NewChat,
    Provider,
    Upload,
)
from tests.unit.postpress.support import ACCOUNT_ID, API_KEY, BASE_URL, HOST_POLICY, INVITATION_ID

LIST_URL = re.compile(re.escape(f"{BASE_URL}/users/invite/received") + r"(\?.*)?$")
CANCEL_URL = re.compile(re.escape(f"{BASE_URL}/users/invite/sent/{INVITATION_ID}") + r"(\?.*)?$")
SEND_URL = f"{BASE_URL}/users/invite"
HANDLE_URL = f"{BASE_URL}/users/invite/received/{INVITATION_ID}"
CHATS_URL = f"{BASE_URL}/chats"

EMPTY_PAGE = {"object": "InvitationList", "items": [], "cursor": None}
INVITATION_SENT = {"object": "UserInvitationSent", "invitation_id": "inv_sent_1"}
INVITATION_HANDLED = {"object": "UserInvitationHandled", "status": "ACCEPTED"}
INVITATION_CANCELED = {"object": "InvitationCanceled"}
CHAT_STARTED = {"object": "ChatStarted", "chat_id": "chat_1", "message_id": "msg_1"}


def envelope(error_type: str, status: int) -> dict[str, object]:
    return {"type": error_type, "status": status, "title": "Failed", "instance": "req_1"}


UNAVAILABLE = envelope("errors/service_unavailable", 503)


def list_page(postpress: PostpressClient) -> InvitationPage:
    return postpress.list_received_invitations(account_id=ACCOUNT_ID)


def cancel(postpress: PostpressClient) -> InvitationCanceled:
    return postpress.cancel_invitation(invitation_id=INVITATION_ID, account_id=ACCOUNT_ID)


def send(postpress: PostpressClient) -> InvitationSent:
    return postpress.send_invitation(account_id=ACCOUNT_ID, provider_id="ACoAACr-1eYBl")


def handle(postpress: PostpressClient) -> object:
    return postpress.handle_received_invitation(
        invitation_id=INVITATION_ID,
        account_id=ACCOUNT_ID,
        provider=Provider.LINKEDIN,
        action=InvitationAction.ACCEPT,
        shared_secret="AQH-secret",
    )


def failure_of(call) -> PostpressError:
    with pytest.raises(PostpressError) as caught:
        call()
    return caught.value


def never_connected() -> requests.ConnectionError:
    """What requests raises when nothing listens: a NewConnectionError as the reason."""
    reason = urllib3.exceptions.NewConnectionError(
        None, "Failed to establish a new connection: [Errno 111] Connection refused"
    )
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason=reason))


def reset() -> requests.ConnectionError:
    return requests.ConnectionError(
        urllib3.exceptions.ProtocolError(
            "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")
        )
    )


class FakeClock:
    """monotonic() and sleep() in one: sleeping moves the clock, nothing waits."""

    def __init__(self, start: float = 1000.0) -> None:
        self.start = start
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class UpperBoundRandom:
    """Stands in for the client's ``random`` module: jitter at its upper bound, bounds noted."""

    def __init__(self) -> None:
        self.bounds: list[tuple[float, float]] = []

    def uniform(self, low: float, high: float) -> float:
        self.bounds.append((low, high))
        return high


@pytest.fixture
def upper_bound_random(monkeypatch) -> UpperBoundRandom:
    fake = UpperBoundRandom()
    monkeypatch.setattr(client_module, "random", fake)
    return fake


# --- GET and DELETE ------------------------------------------------------------------------


def test_it_gives_up_on_a_get_after_three_503s(api, postpress, recorded_sleeps):
    api.add("GET", LIST_URL, json=UNAVAILABLE, status=503)

    error = failure_of(lambda: list_page(postpress))

    assert type(error) is UpstreamError
    assert error.status == 503
    assert error.error_type == "errors/service_unavailable"
    assert len(api.calls) == 3
    assert len(recorded_sleeps) == 2


def test_it_returns_the_page_when_a_503_is_followed_by_a_200(api, postpress, recorded_sleeps):
    api.add("GET", LIST_URL, json=UNAVAILABLE, status=503)
    api.add("GET", LIST_URL, json=EMPTY_PAGE)

    page = list_page(postpress)

    assert page == InvitationPage(items=[], cursor=None)
    assert len(api.calls) == 2
    assert len(recorded_sleeps) == 1
    first, second = (call.request for call in api.calls)
    assert (first.method, first.url) == (second.method, second.url)
    assert second.headers["X-API-KEY"] == API_KEY


@pytest.mark.parametrize(
    "failure",
    [reset(), never_connected(), requests.ReadTimeout(), requests.ConnectTimeout()],
    ids=["reset", "refused", "read-timeout", "connect-timeout"],
)
def test_it_retries_a_get_after_a_connection_error(api, postpress, recorded_sleeps, failure):
    api.add("GET", LIST_URL, body=failure)
    api.add("GET", LIST_URL, json=EMPTY_PAGE)

    page = list_page(postpress)

    assert page.items == []
    assert len(api.calls) == 2
    assert len(recorded_sleeps) == 1


def test_it_gives_up_on_a_get_after_three_connection_errors(api, postpress, recorded_sleeps):
    api.add("GET", LIST_URL, body=reset())

    error = failure_of(lambda: list_page(postpress))

    assert type(error) is PostpressConnectionError
    assert error.error_type == "client/connection_reset"
    assert len(api.calls) == 3


@pytest.mark.parametrize("status", [502, 503, 504])
def test_it_retries_a_delete_on_a_gateway_or_availability_error(
    api, postpress, recorded_sleeps, status
):
    api.add("DELETE", CANCEL_URL, body="", status=status)
    api.add("DELETE", CANCEL_URL, json=INVITATION_CANCELED)

    result = cancel(postpress)

    assert isinstance(result, InvitationCanceled)
    assert [call.request.method for call in api.calls] == ["DELETE", "DELETE"]
    assert len(recorded_sleeps) == 1


def test_it_retries_a_delete_after_a_read_timeout(api, postpress, recorded_sleeps):
    # Cancelling twice is harmless: the second answer is the same or a 404.
    api.add("DELETE", CANCEL_URL, body=requests.ReadTimeout())
    api.add("DELETE", CANCEL_URL, json=INVITATION_CANCELED)

    cancel(postpress)

    assert len(api.calls) == 2


@pytest.mark.parametrize(
    ("call", "url", "method", "answer"),
    [
        (list_page, LIST_URL, "GET", EMPTY_PAGE),
        (cancel, CANCEL_URL, "DELETE", INVITATION_CANCELED),
    ],
    ids=["get", "delete"],
)
def test_it_retries_a_500_provider_error(api, postpress, call, url, method, answer):
    api.add(method, url, json=envelope("errors/provider_error", 500), status=500)
    api.add(method, url, json=answer)

    call(postpress)

    assert len(api.calls) == 2


@pytest.mark.parametrize(
    "answer",
    [
        {"json": envelope("errors/unexpected_error", 500)},
        {"json": envelope("errors/authentication_intent_error", 500)},
        {"body": "Internal Server Error", "content_type": "text/plain"},
    ],
    ids=["unexpected_error", "authentication_intent_error", "no-envelope"],
)
def test_it_does_not_retry_any_other_500(api, postpress, recorded_sleeps, answer):
    api.add("GET", LIST_URL, status=500, **answer)

    error = failure_of(lambda: list_page(postpress))

    assert type(error) is UpstreamError
    assert len(api.calls) == 1
    assert recorded_sleeps == []


@pytest.mark.parametrize(
    ("status", "error_type", "category"),
    [
        (400, "errors/invalid_parameters", InvalidRequestError),
        (401, "errors/invalid_credentials", PostpressError),
        (403, "errors/account_restricted", PostpressError),
        (404, "errors/resource_not_found", NotFoundError),
        (422, "errors/invalid_account", PostpressError),
        (501, "errors/feature_not_implemented", UpstreamError),
    ],
)
def test_it_does_not_retry_a_get_the_api_refused(
    api, postpress, recorded_sleeps, status, error_type, category
):
    api.add("GET", LIST_URL, json=envelope(error_type, status), status=status)

    error = failure_of(lambda: list_page(postpress))

    assert isinstance(error, category)
    assert error.status == status
    assert len(api.calls) == 1
    assert recorded_sleeps == []


def test_it_does_not_retry_a_get_whose_2xx_cannot_be_read(api, postpress, recorded_sleeps):
    api.add("GET", LIST_URL, body="<html>maintenance</html>", content_type="text/html")

    error = failure_of(lambda: list_page(postpress))

    assert error.error_type == "client/html_response"
    assert len(api.calls) == 1


def test_it_retries_an_html_502_from_a_proxy_on_a_get(api, postpress):
    api.add(
        "GET", LIST_URL, body="<html>502 Bad Gateway</html>", status=502, content_type="text/html"
    )
    api.add("GET", LIST_URL, json=EMPTY_PAGE)

    list_page(postpress)

    assert len(api.calls) == 2


# --- Retry-After ---------------------------------------------------------------------------


def rate_limited(retry_after: str | None) -> dict[str, object]:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return {
        "json": envelope("errors/too_many_requests", 429),
        "status": 429,
        "headers": headers,
    }


def test_it_waits_as_long_as_retry_after_says_then_retries(api, postpress, recorded_sleeps):
    api.add("GET", LIST_URL, **rate_limited("2"))
    api.add("GET", LIST_URL, json=EMPTY_PAGE)

    list_page(postpress)

    assert recorded_sleeps == [2.0]
    assert len(api.calls) == 2


def test_it_honours_retry_after_on_a_503_too(api, postpress, recorded_sleeps):
    api.add("DELETE", CANCEL_URL, json=UNAVAILABLE, status=503, headers={"Retry-After": "3"})
    api.add("DELETE", CANCEL_URL, json=INVITATION_CANCELED)

    cancel(postpress)

    assert recorded_sleeps == [3.0]


def test_it_fails_at_once_when_retry_after_is_longer_than_it_may_wait(
    api, postpress, recorded_sleeps
):
    api.add("GET", LIST_URL, **rate_limited("30"))
    api.add("GET", LIST_URL, json=EMPTY_PAGE)

    error = failure_of(lambda: list_page(postpress))

    assert type(error) is RateLimitedError
    assert error.retry_after == 30
    assert len(api.calls) == 1
    assert recorded_sleeps == []


def test_it_still_waits_for_a_retry_after_of_exactly_the_longest_wait(
    api, postpress, recorded_sleeps
):
    api.add("GET", LIST_URL, **rate_limited("10"))
    api.add("GET", LIST_URL, json=EMPTY_PAGE)

    list_page(postpress)

    assert recorded_sleeps == [10.0]
    assert len(api.calls) == 2


def test_it_fails_at_once_when_retry_after_exceeds_a_custom_longest_wait(api, recorded_sleeps):
    postpress = PostpressClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        retry=RetryPolicy(max_retry_after=1.5),
        sleep=recorded_sleeps.append,
        host_policy=HOST_POLICY,
    )
    api.add("GET", LIST_URL, **rate_limited("2"))

    error = failure_of(lambda: list_page(postpress))

    assert error.retry_after == 2
    assert len(api.calls) == 1


def test_it_backs_off_on_a_429_without_retry_after(
    api, postpress, recorded_sleeps, upper_bound_random
):
    api.add("GET", LIST_URL, **rate_limited(None))
    api.add("GET", LIST_URL, json=EMPTY_PAGE)

    list_page(postpress)

    assert recorded_sleeps == [0.5]
    assert upper_bound_random.bounds == [(0, 0.5)]


def test_it_does_not_wait_for_retry_after_beyond_the_total_budget(api, recorded_sleeps):
    postpress = PostpressClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        timeouts=Timeouts(total=5.0),
        sleep=recorded_sleeps.append,
        clock=lambda: 0.0,
        host_policy=HOST_POLICY,
    )
    api.add("GET", LIST_URL, **rate_limited("8"))

    error = failure_of(lambda: list_page(postpress))

    assert type(error) is RateLimitedError
    assert error.retry_after == 8
    assert len(api.calls) == 1
    assert recorded_sleeps == []


# --- POST: never twice, unless nothing was sent ----------------------------------------------


@pytest.mark.parametrize(
    ("call", "url", "answer"),
    [
        (send, SEND_URL, {"body": requests.ReadTimeout("read timed out")}),
        (handle, HANDLE_URL, {"body": requests.ReadTimeout("read timed out")}),
        (send, SEND_URL, {"body": reset()}),
        (send, SEND_URL, {"json": UNAVAILABLE, "status": 503}),
        (handle, HANDLE_URL, {"json": UNAVAILABLE, "status": 503}),
        (send, SEND_URL, {"body": "<html>bad gateway</html>", "status": 502}),
        (send, SEND_URL, {"json": envelope("errors/request_timeout", 504), "status": 504}),
        (send, SEND_URL, {"json": envelope("errors/provider_error", 500), "status": 500}),
        (send, SEND_URL, rate_limited("1")),
    ],
    ids=[
        "send-read-timeout",
        "handle-read-timeout",
        "send-reset",
        "send-503",
        "handle-503",
        "send-502",
        "send-504",
        "send-500-provider-error",
        "send-429",
    ],
)
def test_it_sends_a_post_only_once_when_it_may_have_reached_the_server(
    api, postpress, recorded_sleeps, call, url, answer
):
    api.add("POST", url, **answer)
    api.add("POST", url, json=INVITATION_SENT | INVITATION_HANDLED)

    failure_of(lambda: call(postpress))

    assert len(api.calls) == 1
    assert recorded_sleeps == []


def test_it_reports_a_post_read_timeout_as_a_timeout(api, postpress):
    api.add("POST", SEND_URL, body=requests.ReadTimeout("read timed out"))

    error = failure_of(lambda: send(postpress))

    assert type(error) is PostpressConnectionError
    assert error.error_type == "client/timeout"
    assert len(api.calls) == 1


def test_it_starts_a_chat_only_once_on_a_503(api, postpress, recorded_sleeps):
    api.add("POST", CHATS_URL, json=UNAVAILABLE, status=503)
    api.add("POST", CHATS_URL, json=CHAT_STARTED, status=201)

    error = failure_of(
        lambda: postpress.start_chat(NewChat(account_id=ACCOUNT_ID, attendees_ids=("ACo1",)))
    )

    assert error.status == 503
    assert len(api.calls) == 1


@pytest.mark.parametrize(
    "failure",
    [requests.ConnectTimeout("connect timed out"), never_connected()],
    ids=["connect-timeout", "new-connection-error"],
)
@pytest.mark.parametrize(
    ("call", "url", "answer"),
    [(send, SEND_URL, INVITATION_SENT), (handle, HANDLE_URL, INVITATION_HANDLED)],
    ids=["send", "handle"],
)
def test_it_retries_a_post_whose_connection_was_never_established(
    api, postpress, recorded_sleeps, failure, call, url, answer
):
    api.add("POST", url, body=failure)
    api.add("POST", url, json=answer)

    call(postpress)

    assert len(api.calls) == 2
    assert len(recorded_sleeps) == 1
    assert api.calls[0].request.body == api.calls[1].request.body


def test_it_gives_up_on_a_post_that_never_connects_after_its_retries(
    api, postpress, recorded_sleeps
):
    api.add("POST", SEND_URL, body=never_connected())

    error = failure_of(lambda: send(postpress))

    assert type(error) is PostpressConnectionError
    assert error.error_type == "client/connection_refused"
    assert len(api.calls) == 3
    assert len(recorded_sleeps) == 2


def test_it_resends_the_whole_multipart_body_when_a_chat_never_connected(
    api, postpress, tmp_path: Path
):
    attachment = tmp_path / "cv.pdf"
    attachment.write_bytes(b"%PDF-1.7 \x00\xff cv")
    api.add("POST", CHATS_URL, body=requests.ConnectTimeout("connect timed out"))
    api.add("POST", CHATS_URL, json=CHAT_STARTED, status=201)

    started = postpress.start_chat(
        NewChat(
            account_id=ACCOUNT_ID,
            attendees_ids=("ACo1",),
            text="Hello",
            attachments=(Upload(attachment, "cv.pdf", "application/pdf"),),
        )
    )

    assert started == ChatStarted(chat_id="chat_1", message_id="msg_1")
    assert len(api.calls) == 2
    first, second = (call.request for call in api.calls)
    assert b"%PDF-1.7 \x00\xff cv" in second.body
    # Same fields in the same order; only the boundary may differ between attempts.
    first_boundary = first.headers["Content-Type"].partition("boundary=")[2].encode()
    second_boundary = second.headers["Content-Type"].partition("boundary=")[2].encode()
    assert first.body.replace(first_boundary, b"B") == second.body.replace(second_boundary, b"B")
    assert int(second.headers["Content-Length"]) == len(second.body)


# --- backoff and budget --------------------------------------------------------------------


def test_it_backs_off_exponentially_with_full_jitter(api, recorded_sleeps, upper_bound_random):
    postpress = PostpressClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        retry=RetryPolicy(max_retries=4, backoff_base=0.25),
        timeouts=Timeouts(total=1000.0),
        sleep=recorded_sleeps.append,
        host_policy=HOST_POLICY,
    )
    api.add("GET", LIST_URL, json=UNAVAILABLE, status=503)

    failure_of(lambda: list_page(postpress))

    # Each wait is drawn from [0, base * 2**attempt]; the fake draws the upper bound.
    assert recorded_sleeps == [0.25, 0.5, 1.0, 2.0]
    assert upper_bound_random.bounds[:4] == [(0, 0.25), (0, 0.5), (0, 1.0), (0, 2.0)]
    assert len(api.calls) == 5


def test_its_default_backoff_is_at_most_half_a_second_then_one_second(
    api, postpress, recorded_sleeps, upper_bound_random
):
    api.add("GET", LIST_URL, json=UNAVAILABLE, status=503)

    failure_of(lambda: list_page(postpress))

    assert recorded_sleeps == [0.5, 1.0]
    assert upper_bound_random.bounds[:2] == [(0, 0.5), (0, 1.0)]


@pytest.mark.parametrize("seed", range(5))
def test_its_real_jittered_backoff_stays_within_the_exponential_bounds(api, seed, monkeypatch):
    # A seeded generator of its own: the global random state stays untouched.
    monkeypatch.setattr(client_module.random, "uniform", random.Random(seed).uniform)
    sleeps: list[float] = []
    postpress = PostpressClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        retry=RetryPolicy(max_retries=6, backoff_base=0.5),
        timeouts=Timeouts(total=1000.0),
        sleep=sleeps.append,
        host_policy=HOST_POLICY,
    )
    api.add("GET", LIST_URL, json=UNAVAILABLE, status=503)

    failure_of(lambda: list_page(postpress))

    assert len(sleeps) == 6
    for attempt, wait in enumerate(sleeps):
        assert 0 <= wait <= 0.5 * 2**attempt
    assert len(set(sleeps)) == len(sleeps), "jitter makes every wait different"


@pytest.mark.parametrize("max_retries", [0, 1, 2, 4])
def test_it_retries_at_most_max_retries_times(api, recorded_sleeps, max_retries):
    postpress = PostpressClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        retry=RetryPolicy(max_retries=max_retries),
        timeouts=Timeouts(total=1000.0),
        sleep=recorded_sleeps.append,
        host_policy=HOST_POLICY,
    )
    api.add("GET", LIST_URL, json=UNAVAILABLE, status=503)

    failure_of(lambda: list_page(postpress))

    assert len(api.calls) == max_retries + 1
    assert len(recorded_sleeps) == max_retries


def slow_api(api, clock: FakeClock, seconds: float, starts: list[float]) -> None:
    """A GET that answers 503 after ``seconds`` of fake time, noting when each attempt began."""

    def answer(request):
        starts.append(clock.now)
        clock.now += seconds
        return 503, {}, '{"type": "errors/service_unavailable", "status": 503, "title": "x"}'

    api.add_callback("GET", LIST_URL, callback=answer, content_type="application/json")


def test_it_starts_no_retry_past_the_total_budget(api, upper_bound_random):
    clock = FakeClock()
    starts: list[float] = []
    slow_api(api, clock, seconds=2.0, starts=starts)
    postpress = PostpressClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        timeouts=Timeouts(total=10.0),
        retry=RetryPolicy(max_retries=10, backoff_base=1.0),
        sleep=clock.sleep,
        clock=clock,
        host_policy=HOST_POLICY,
    )

    error = failure_of(lambda: list_page(postpress))

    assert error.status == 503
    # 0: try (2s), wait 1; 3: try (2s), wait 2; 7: try (2s), a wait of 4 would end at 13 > 10.
    assert [start - clock.start for start in starts] == [0.0, 3.0, 7.0]
    assert clock.sleeps == [1.0, 2.0]
    assert clock.now - clock.start <= 10.0


@pytest.mark.parametrize("seed", range(5))
def test_no_attempt_begins_after_the_total_budget_whatever_the_jitter(api, seed, monkeypatch):
    monkeypatch.setattr(client_module.random, "uniform", random.Random(seed).uniform)
    clock = FakeClock()
    starts: list[float] = []
    slow_api(api, clock, seconds=3.0, starts=starts)
    postpress = PostpressClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        timeouts=Timeouts(total=12.0),
        retry=RetryPolicy(max_retries=50, backoff_base=1.0),
        sleep=clock.sleep,
        clock=clock,
        host_policy=HOST_POLICY,
    )

    failure_of(lambda: list_page(postpress))

    assert len(starts) < 51, "the budget, not max_retries, must have stopped it"
    assert all(start - clock.start < 12.0 for start in starts)
    assert all(wait <= 1.0 * 2**attempt for attempt, wait in enumerate(clock.sleeps))


def test_it_shortens_the_read_timeout_to_what_is_left_of_the_budget(api, upper_bound_random):
    clock = FakeClock()
    starts: list[float] = []
    slow_api(api, clock, seconds=8.0, starts=starts)
    postpress = PostpressClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        timeouts=Timeouts(connect=3.05, read=10.0, total=25.0),
        sleep=clock.sleep,
        clock=clock,
        host_policy=HOST_POLICY,
    )

    failure_of(lambda: list_page(postpress))

    # 0: 8s, wait 0.5; 8.5: 8s, wait 1; 17.5: 7.5s of the budget are left.
    assert [call.request.req_kwargs["timeout"] for call in api.calls] == [
        (3.05, 10.0),
        (3.05, 10.0),
        (3.05, 7.5),
    ]


# --- sessions ------------------------------------------------------------------------------


def test_thread_session_is_one_session_per_thread():
    mine = thread_session()
    again = thread_session()
    theirs: list[requests.Session] = []
    worker = threading.Thread(target=lambda: theirs.append(thread_session()))
    worker.start()
    worker.join()

    assert isinstance(mine, requests.Session)
    assert again is mine
    assert len(theirs) == 1
    assert theirs[0] is not mine
    assert isinstance(theirs[0], requests.Session)


def test_thread_session_leaves_retries_to_the_client():
    session = thread_session()

    for prefix in ("https://", "http://"):
        assert session.get_adapter(prefix + "api.example.test").max_retries.total == 0


def test_it_sends_through_the_session_it_was_given(api):
    session = requests.Session()
    session.headers["X-Trace"] = "given-session"
    postpress = PostpressClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        session=session,
        sleep=lambda _: None,
        host_policy=HOST_POLICY,
    )
    api.add("GET", LIST_URL, json=EMPTY_PAGE)

    list_page(postpress)

    assert api.calls[0].request.headers["X-Trace"] == "given-session"


def test_a_retried_cancel_that_finds_the_invitation_gone_counts_as_done(api, postpress):
    # The first DELETE went through but its answer was lost: the retry's 404 means success.
    api.add("DELETE", CANCEL_URL, body=requests.ReadTimeout())
    api.add("DELETE", CANCEL_URL, json=envelope("errors/resource_not_found", 404), status=404)

    assert isinstance(cancel(postpress), InvitationCanceled)
    assert len(api.calls) == 2


def test_a_first_cancel_of_an_unknown_invitation_is_still_not_found(api, postpress):
    api.add("DELETE", CANCEL_URL, json=envelope("errors/resource_not_found", 404), status=404)

    error = failure_of(lambda: cancel(postpress))

    assert error.status == 404
    assert len(api.calls) == 1


def test_the_connect_timeout_of_a_late_attempt_is_shortened_to_the_budget(api):
    clock = FakeClock()
    timeouts_seen: list[object] = []

    def answer(request):
        timeouts_seen.append(request.req_kwargs["timeout"])
        clock.now += 9.0
        return (503, {}, "")

    api.add_callback("GET", LIST_URL, callback=answer)
    postpress = PostpressClient(
        base_url=BASE_URL,
        api_key=API_KEY,
        timeouts=Timeouts(connect=5.0, read=10.0, total=20.0),
        sleep=clock.sleep,
        clock=clock,
        host_policy=HOST_POLICY,
    )

    failure_of(lambda: list_page(postpress))

    assert len(timeouts_seen) >= 2
    last_connect, last_read = timeouts_seen[-1]
    assert last_connect < 5.0 and last_read < 10.0
