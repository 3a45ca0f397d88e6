"""Errors raised by the postpress client.

One base class carries what the API said (status, type, title, detail, instance) and looks up
the words for a person in the catalogue. A handful of subclasses group errors by category, so
callers can catch "the key is wrong" or "slow down" without knowing 79 types.
"""

from postpress_dashboard.postpress.catalogue import (
    RECONNECT_THE_ACCOUNT,
    CatalogueEntry,
    FixableBy,
    entry_for,
    message_for,
    try_again_in,
)

# Failures raised before any byte of the request left: nothing can have been done.
NEVER_SENT_TYPES = frozenset(
    {
        "client/connection_refused",
        "client/invalid_base_url",
        "client/invalid_api_key",
        "client/host_not_allowed",
    }
)
# Envelopes in which postpress itself says the outcome is unknown: it timed out waiting for the
# provider, or failed unexpectedly on its side. A write answered so may have been done.
OUTCOME_UNKNOWN_TYPES = frozenset({"errors/request_timeout", "errors/unexpected_error"})


MAX_EXPLANATION = 200  # characters of the API's detail a page shows


class PostpressError(Exception):
    """An API call failed. ``user_message`` is what a person may read; nothing else is."""

    def __init__(
        self,
        *,
        error_type: str,
        status: int | None = None,
        title: str = "",
        detail: str = "",
        instance: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(error_type)
        self.error_type = error_type
        self.status = status
        self.title = title
        self.detail = detail
        self.instance = instance
        self.retry_after = retry_after

    def __str__(self) -> str:
        # The status and type only: never a URL, a header or a body.
        return f"{self.status or 'no response'} {self.error_type}"

    @property
    def unconfirmed(self) -> bool:
        """True when the request may have reached postpress and been acted on.

        Only two answers are definite refusals: an error envelope (postpress said no), or a
        failure before any byte was sent (no connection, a refused address or key). A timeout,
        a cut-off connection, an error page without an envelope, an unreadable answer, or an
        envelope saying the outcome is unknown (OUTCOME_UNKNOWN_TYPES) leaves a write
        unconfirmed: it must not be released or repeated as if nothing happened.
        """
        if self.error_type in NEVER_SENT_TYPES:
            return False
        if self.error_type in OUTCOME_UNKNOWN_TYPES:
            return True
        return not self.answered_with_envelope

    @property
    def answered_with_envelope(self) -> bool:
        return bool(self.error_type) and not self.error_type.startswith("client/")

    @property
    def entry(self) -> CatalogueEntry:
        return entry_for(self.error_type, self.status)

    @property
    def retryable(self) -> bool:
        return self.entry.retryable

    @property
    def fixable_by(self) -> FixableBy:
        return self.entry.fixable_by

    @property
    def user_message(self) -> str:
        return self._with_wait_and_request_id(self.entry.message)

    def message_for(self, action: str, *, account_label: str = "") -> str:
        """What a person reads when this answered `action` (list, decide, send, withdraw,
        chat): the catalogue's words for that action where they differ, naming the linked
        account when they ask to reconnect it, then the API's own explanation when it adds
        something (which parameter was refused, say)."""
        words = message_for(self.error_type, self.status, action)
        if account_label:
            words = words.replace(RECONNECT_THE_ACCOUNT, f"Reconnect {account_label} in postpress")
        if explanation := self.explanation:
            words += f" postpress said: “{explanation}”"
        return self._with_wait_and_request_id(words)

    @property
    def explanation(self) -> str:
        """The API's `detail` of a refusal (4xx), shortened, when it says more than its title;
        never a raw type. Already cleaned at the parsing boundary; templates escape it."""
        if self.status is None or self.status >= 500:
            return ""  # a server's detail is for its logs (a trace, a host), not for a person
        detail = " ".join(self.detail.split())
        if not detail or detail.casefold() == self.title.strip().casefold():
            return ""
        if "errors/" in detail or "client/" in detail:
            return ""
        if len(detail) > MAX_EXPLANATION:
            detail = detail[: MAX_EXPLANATION - 1].rstrip() + "…"
        return detail

    def _with_wait_and_request_id(self, words: str) -> str:
        parts = [words]
        if self.retry_after:
            parts.append(try_again_in(self.retry_after))
        # Support can only trace a failure on their side with the request id.
        if self.instance and self.fixable_by in (FixableBy.SERVICE, FixableBy.PROVIDER):
            parts.append(f"Request id: {self.instance}.")
        return " ".join(parts)


class InvalidRequestError(PostpressError):
    """400, 413, 415: what was sent was not accepted."""


class AuthenticationError(PostpressError):
    """401: the API key or the linked account's credentials."""


class ForbiddenError(PostpressError):
    """403: authenticated, but the account may not do this."""


class NotFoundError(PostpressError):
    """404: the invitation, account or recipient does not exist (any more)."""


class UnprocessableError(PostpressError):
    """422: well-formed, but the provider refused it for a domain reason."""


class RateLimitedError(PostpressError):
    """429: slow down; ``retry_after`` holds the wait in seconds when the API gave one."""


class UpstreamError(PostpressError):
    """5xx: postpress or the provider failed."""


class PostpressConnectionError(PostpressError):
    """No answer at all: refused, reset or timed out."""


class ProtocolError(PostpressError):
    """An answer that is not what the contract promises: HTML, broken JSON, missing fields."""


class NotSentError(PostpressError):
    """Refused before any connection, so nothing was sent: a base URL the API key may not go
    to (``client/host_not_allowed``) or that is not a usable URL (``client/invalid_base_url``).
    Both are NEVER_SENT_TYPES: a definite refusal, never unconfirmed."""


_CATEGORY_BY_STATUS: dict[int, type[PostpressError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    413: InvalidRequestError,
    415: InvalidRequestError,
    422: UnprocessableError,
    429: RateLimitedError,
}


def category_for_status(status: int) -> type[PostpressError]:
    if status in _CATEGORY_BY_STATUS:
        return _CATEGORY_BY_STATUS[status]
    if status >= 500:
        return UpstreamError
    return InvalidRequestError
