"""PostpressClient: one method per endpoint of the postpress API, typed results.

Wire format, timeouts and retries follow the API documentation (docs/api-client.md):
- every call sends ``X-API-KEY`` and ``accept: application/json``;
- JSON bodies leave optional fields out rather than sending them empty;
- start-chat streams a multipart body from files on disk, its arrays spelled as
  ``multipart_arrays`` says (multipart.ArrayStyle: the docs leave the spelling open), or,
  with ``start_chat_streamed``, from files still arriving (a chunked body: whatever stops the
  files stops the request before its last chunk, and is raised as it is);
- GET and DELETE are retried on connection errors, timeouts, 429, 502, 503, 504 and a 500
  ``errors/provider_error``; a POST only when the connection was never established, so an
  action is never done twice;
- the key goes only to a base URL the host policy allows (base_url.py), checked before any
  connection whatever was stored;
- the whole answer, status line and headers included, is read within the call's time budget
  (transport.py, for the sessions it builds); its body in chunks up to
  ``max_response_bytes``; parsing.py validates what it holds.
"""

import functools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
import urllib3.exceptions

from postpress_dashboard.postpress import parsing, transport
from postpress_dashboard.postpress.base_url import (
    DEFAULT_HOST_POLICY,
    BaseUrlRefused,
    HostPolicy,
    check_base_url,
)
from postpress_dashboard.postpress.errors import (
    AuthenticationError,
    NotFoundError,
    NotSentError,
    PostpressConnectionError,
    PostpressError,
    ProtocolError,
)
from postpress_dashboard.postpress.multipart import (
    DEFAULT_ARRAY_STYLE,
    ArrayStyle,
    StreamedFile,
    new_chat_fields,
    streamed_new_chat_body,
    streaming_encoder,
)
from postpress_dashboard.postpress.schemas import (
    ChatStarted,
    InvitationAction,
    InvitationCanceled,
    InvitationHandled,
    InvitationPage,
    InvitationSent,
    NewChat,
    Provider,
)

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100
# No answer of the API comes near this; a larger one is refused rather than held in memory.
DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024
# Bytes asked of the socket at a time: each read returns what has arrived, up to this.
READ_CHUNK_BYTES = 64 * 1024
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
# No retry starts with less time than this left in the budget.
MIN_ATTEMPT_SECONDS = 0.5


@dataclass(frozen=True)
class Timeouts:
    connect: float = 3.05
    read: float = 10.0
    upload_read: float = 120.0  # start-chat may forward large files
    # No page waits longer on the API: connecting, sending, reading the answer (status line,
    # headers and body), retries and waits included. Uploads excepted: see
    # PostpressClient._attempt.
    total: float = 25.0


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    backoff_base: float = 0.5
    max_retry_after: float = 10.0  # a longer Retry-After fails at once, carrying the wait


_thread_local = threading.local()


def thread_session() -> requests.Session:
    """One pooled session per thread: requests.Session is not safe to share across threads.
    Its adapter reads every answer, headers included, by the current attempt's deadline, and
    leaves retries to our own loop, which decides what may be repeated."""
    session: requests.Session | None = getattr(_thread_local, "session", None)
    if session is None:
        session = transport.pooled_session()
        _thread_local.session = session
    return session


@dataclass
class _Call[T]:
    method: str
    path: str
    idempotent: bool
    parse: Callable[[Any], T]
    params: Mapping[str, str | int] | None = None
    json: Mapping[str, Any] | None = None
    multipart: NewChat | None = None
    # Files sent while they arrive (start_chat_streamed): the multipart chat's own are not.
    streamed: Iterable[StreamedFile] | None = None
    # What a retried call means when the thing is already gone (404): the earlier attempt,
    # whose answer was lost, did the job. Only for calls whose purpose is removal.
    done_when_gone: T | None = None


class PostpressClient:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        host_policy: HostPolicy = DEFAULT_HOST_POLICY,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        multipart_arrays: ArrayStyle | str = DEFAULT_ARRAY_STYLE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.multipart_arrays = ArrayStyle(multipart_arrays)
        self.host_policy = host_policy
        self.max_response_bytes = max_response_bytes
        self._api_key = api_key
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self._session = session
        self._sleep = sleep
        self._clock = clock

    def __repr__(self) -> str:
        return f"PostpressClient(base_url={self.base_url!r})"  # never the key

    # --- endpoints ---------------------------------------------------------------------------

    def list_received_invitations(
        self, *, account_id: str, limit: int | None = None, cursor: str | None = None
    ) -> InvitationPage:
        if limit is not None and not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        params: dict[str, str | int] = {"account_id": account_id}
        if limit is not None:
            params["limit"] = limit
        if cursor:
            params["cursor"] = cursor
        # The API may answer with at most what was asked for (its own default is 10).
        parse = functools.partial(parsing.invitation_page, max_items=limit or MAX_PAGE_SIZE)
        return self._call(_Call("GET", "/users/invite/received", True, parse, params=params))

    def handle_received_invitation(
        self,
        *,
        invitation_id: str,
        account_id: str,
        provider: Provider,
        action: InvitationAction,
        shared_secret: str | None = None,
    ) -> InvitationHandled:
        body = _handle_body(provider, account_id, action, shared_secret)
        path = f"/users/invite/received/{_segment(invitation_id)}"
        return self._call(_Call("POST", path, False, parsing.invitation_handled, json=body))

    def send_invitation(
        self,
        *,
        account_id: str,
        provider_id: str,
        user_email: str | None = None,
        message: str | None = None,
    ) -> InvitationSent:
        body = {"provider_id": provider_id, "account_id": account_id}
        body |= {k: v for k, v in {"user_email": user_email, "message": message}.items() if v}
        return self._call(_Call("POST", "/users/invite", False, parsing.invitation_sent, json=body))

    def cancel_invitation(self, *, invitation_id: str, account_id: str) -> InvitationCanceled:
        path = f"/users/invite/sent/{_segment(invitation_id)}"
        call = _Call(
            "DELETE",
            path,
            True,
            parsing.invitation_canceled,
            params={"account_id": account_id},
            done_when_gone=InvitationCanceled(),
        )
        return self._call(call)

    def start_chat(self, chat: NewChat) -> ChatStarted:
        return self._call(_Call("POST", "/chats", False, parsing.chat_started, multipart=chat))

    def start_chat_streamed(self, chat: NewChat, files: Iterable[StreamedFile]) -> ChatStarted:
        """Start a chat whose files are sent while they arrive (`files`, in the order
        new_chat_fields puts them): the body goes chunked, its length unknown until its end.

        An exception raised by a file's chunks stops the request where it stands: its last
        chunk is never sent and the connection is closed, and the exception comes out of this
        call as it is (not a PostpressError). The API may or may not have acted on the part it
        got: docs/chats.md, "Uploads that stop part-way". Never retried once a byte has left,
        as every POST."""
        call = _Call("POST", "/chats", False, parsing.chat_started, multipart=chat, streamed=files)
        return self._call(call)

    # --- transport ---------------------------------------------------------------------------

    def _call[T](self, call: _Call[T]) -> T:
        try:
            return self._call_with_retries(call)
        except PostpressError as error:
            _log_failure(call, error)
            raise

    def _call_with_retries[T](self, call: _Call[T]) -> T:
        if not _usable_api_key(self._api_key):
            # requests would put the key in an exception message, or fail on encoding it.
            raise AuthenticationError(error_type="client/invalid_api_key")
        self._check_base_url()
        deadline = self._clock() + self.timeouts.total
        # The same deadline on the clock sockets wait by, whatever clock the client was given.
        socket_deadline = transport.monotonic() + self.timeouts.total
        for attempt in range(self.retry.max_retries + 1):
            last_attempt = attempt == self.retry.max_retries
            try:
                return self._attempt(call, deadline, socket_deadline)
            except _Retryable as retryable:
                wait = retryable.wait or self._backoff(attempt)
                if last_attempt or self._clock() + wait + MIN_ATTEMPT_SECONDS >= deadline:
                    raise retryable.error from None
                logger.info("postpress %s %s: retrying after %s", call.method, call.path, wait)
                self._sleep(wait)
            except NotFoundError:
                if attempt > 0 and call.done_when_gone is not None:
                    return call.done_when_gone
                raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _check_base_url(self) -> None:
        """Refuse, before any connection, a base URL the key may not go to: the form checks
        what is stored, but a row written another way (or before a rule was added) is not."""
        try:
            check_base_url(self.base_url, self.host_policy)
        except BaseUrlRefused as refused:
            error_type = "client/invalid_base_url" if refused.syntax else "client/host_not_allowed"
            raise NotSentError(error_type=error_type) from None

    def _attempt[T](self, call: _Call[T], deadline: float, socket_deadline: float) -> T:
        """One request and its answer, which must have arrived whole by the deadline.

        Uploads: sending the files may rightly outlast the budget, so the answer's headers may
        also take until the upload read timeout after the sending ended, and its body until
        the read timeout after its headers arrived, whichever is later. The sockets wait by
        ``answer_deadline`` (transport.py), the body reader also checks the client's clock.
        """
        upload_wait = self.timeouts.upload_read if call.multipart else None
        answer_deadline = transport.AnswerDeadline(socket_deadline, after_sending=upload_wait)
        with transport.answers_within(answer_deadline):
            try:
                response = self._send(call, deadline)
            except requests.RequestException as exc:
                error = _connection_error(exc)
                if _is_unusable_url(exc):
                    raise error from None  # no retry can fix a wrong base URL
                if call.idempotent or _never_connected(exc):
                    raise _Retryable(error) from None
                raise error from None
            if call.multipart:
                answer_deadline.allow_from_now(self.timeouts.read)
            answer = self._answer(call, response, self._body_deadline(call, deadline))
        if answer.status >= 400:
            raise self._response_error(call, answer)
        try:
            return call.parse(parsing.json_body(answer))
        except ProtocolError as error:
            error.status = answer.status
            raise

    def _body_deadline(self, call: _Call[Any], deadline: float) -> float:
        """When the answer's body must have arrived: within the call's budget; for an upload,
        whose sending may rightly outlast the budget, also until a read timeout after its
        headers arrived, whichever is later."""
        if call.multipart:
            return max(deadline, self._clock() + self.timeouts.read)
        return deadline

    def _answer(
        self, call: _Call[Any], response: requests.Response, deadline: float
    ) -> parsing.Answer:
        """The answer with its body, read in chunks up to the size bound and the deadline."""
        try:
            body = self._read_body(response, deadline)
        except PostpressConnectionError as error:
            response.close()  # what is left of the body is not wanted: drop the connection
            # The request arrived: only a GET or DELETE may be asked again.
            raise (_Retryable(error) if call.idempotent else error) from None
        except ProtocolError as error:
            response.close()
            error.status = response.status_code
            raise
        return parsing.Answer(response.status_code, response.headers, body)

    def _read_body(self, response: requests.Response, deadline: float) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            raise ProtocolError(error_type="client/response_too_large")
        chunks: list[bytes] = []
        size = 0
        while True:
            # A read waits at most the read timeout for the next bytes; an answer trickling
            # in byte by byte is stopped here, at the deadline.
            if self._clock() > deadline:
                raise PostpressConnectionError(error_type="client/timeout")
            try:
                # read1: whatever has arrived (up to a chunk), rather than waiting for a full one.
                chunk = response.raw.read1(READ_CHUNK_BYTES, decode_content=True)
            except urllib3.exceptions.ReadTimeoutError:
                raise PostpressConnectionError(error_type="client/timeout") from None
            except (urllib3.exceptions.HTTPError, OSError):
                # Cut off, reset, or a body that does not decode (gzip): the answer is lost.
                raise PostpressConnectionError(error_type="client/connection_reset") from None
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_response_bytes:
                raise ProtocolError(error_type="client/response_too_large")
            chunks.append(chunk)

    def _send(self, call: _Call[Any], deadline: float) -> requests.Response:
        headers = {"X-API-KEY": self._api_key, "accept": "application/json"}
        connect_timeout = self.timeouts.connect
        read_timeout = self.timeouts.upload_read if call.multipart else self.timeouts.read
        if not call.multipart:
            # Shorten the last attempts so the whole call stays within the total budget.
            remaining = max(MIN_ATTEMPT_SECONDS, deadline - self._clock())
            connect_timeout = min(connect_timeout, remaining)
            read_timeout = min(read_timeout, remaining)
        with self._body(call) as body:
            if body is not None:
                headers["content-type"] = body.content_type  # carries the boundary
            return self._http().request(
                call.method,
                self.base_url + call.path,
                params=call.params,
                json=call.json,
                data=body,
                headers=headers,
                timeout=(connect_timeout, read_timeout),
                allow_redirects=False,
                stream=True,  # the body is read by _read_body, within its bounds
            )

    def _body(self, call: _Call[Any]) -> AbstractContextManager[Any]:
        if call.multipart is None:
            return nullcontext(None)
        if call.streamed is not None:
            content_type, blocks = streamed_new_chat_body(
                call.multipart, call.streamed, self.multipart_arrays
            )
            return nullcontext(_StreamedBody(content_type, blocks))
        return streaming_encoder(new_chat_fields(call.multipart, self.multipart_arrays))

    def _http(self) -> requests.Session:
        return self._session or thread_session()

    def _response_error(self, call: _Call[Any], answer: parsing.Answer) -> Exception:
        error = parsing.error_from_answer(answer)
        _redact(error, self._api_key)
        if error.retry_after is not None and error.retry_after > self.retry.max_retry_after:
            return error  # waiting that long would hold the page: fail now and say how long
        if call.idempotent and _is_retryable_status(error):
            return _Retryable(error, wait=error.retry_after)
        return error

    def _backoff(self, attempt: int) -> float:
        # Exponential backoff with full jitter.
        return random.uniform(0, self.retry.backoff_base * 2**attempt)  # noqa: S311


class _StreamedBody:
    """A body of unknown length: requests sends it chunked, a block per chunk, and a block
    that raises ends the request without its last chunk (urllib3 then closes the connection)."""

    def __init__(self, content_type: str, blocks: Iterator[bytes]) -> None:
        self.content_type = content_type
        self._blocks = blocks

    def __iter__(self) -> Iterator[bytes]:
        return self._blocks


class _Retryable(Exception):
    def __init__(self, error: PostpressError, wait: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.wait = wait


def _is_retryable_status(error: PostpressError) -> bool:
    if error.status in RETRYABLE_STATUSES:
        return True
    return error.status == 500 and error.error_type == "errors/provider_error"


def _handle_body(
    provider: Provider, account_id: str, action: InvitationAction, shared_secret: str | None
) -> dict[str, str]:
    if provider == Provider.LINKEDIN:
        if not shared_secret:
            raise ValueError("a LinkedIn invitation needs the shared_secret it was listed with")
        return {
            "provider": "LINKEDIN",
            "shared_secret": shared_secret,
            "account_id": account_id,
            "action": action.value,
        }
    if provider == Provider.INSTAGRAM:
        return {"provider": "INSTAGRAM", "account_id": account_id, "action": action.value}
    raise ValueError(f"{provider} invitations cannot be handled through the API")


def _usable_api_key(api_key: str) -> bool:
    """Non-empty printable ASCII without spaces: what an HTTP header can carry as it is."""
    return bool(api_key) and all("!" <= character <= "~" for character in api_key)


def _segment(value: str) -> str:
    return quote(value, safe="")


def _is_unusable_url(exc: requests.RequestException) -> bool:
    return isinstance(
        exc,
        requests.exceptions.InvalidURL
        | requests.exceptions.MissingSchema
        | requests.exceptions.InvalidSchema,
    )


def _never_connected(exc: requests.RequestException) -> bool:
    """True when no byte of the request can have reached the server."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(
        reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
    )


def _redact(error: PostpressError, api_key: str) -> None:
    """An answer that echoes the key never carries it further: pages show the detail, logs
    keep the title and detail."""
    for name in ("title", "detail", "instance"):
        value = getattr(error, name)
        if api_key and api_key in value:
            setattr(error, name, value.replace(api_key, "[the team's API key]"))


def _log_failure(call: _Call[Any], error: PostpressError) -> None:
    # The instance id is what postpress support asks for; the key is never part of a call's
    # method, path or error.
    logger.warning(
        # %r: what comes from the API could carry a line break.
        "postpress %s %s failed: %s %r (instance %r): %r %r",
        call.method,
        call.path,
        error.status,
        error.error_type,
        error.instance or "-",
        error.title,
        error.detail,
        extra={
            "postpress_status": error.status,
            "postpress_type": error.error_type,
            "postpress_instance": error.instance,
            "postpress_title": error.title,
            "postpress_detail": error.detail,
        },
    )


def _connection_error(exc: requests.RequestException) -> PostpressError:
    if _is_unusable_url(exc):
        error_type = "client/invalid_base_url"
    elif _never_connected(exc):
        error_type = "client/connection_refused"
    elif isinstance(exc, requests.Timeout):
        error_type = "client/timeout"
    else:
        error_type = "client/connection_reset"  # reset, or the answer was cut off
    return PostpressConnectionError(error_type=error_type)
