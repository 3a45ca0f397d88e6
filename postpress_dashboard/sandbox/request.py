"""A parsed view of one WSGI request, and the input checks the endpoints share."""

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import parse_qs
from wsgiref.types import WSGIEnvironment

from django.core.handlers.wsgi import LimitedStream

from postpress_dashboard.sandbox.errors import ApiError, invalid_parameters, missing_parameters

MAX_JSON_BODY_BYTES = 1_000_000
_DISCARD_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class SandboxRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str
    # None for a body sent without a length (chunked): the server decodes it and says where it
    # ends (wsgi.input_terminated).
    content_length: int | None
    api_key: str
    # Bounded by Content-Length, or ending where the chunked body ends: the raw socket stream
    # would block reading past the body.
    body: "LimitedStream | BinaryIO"

    @classmethod
    def from_environ(cls, environ: WSGIEnvironment) -> "SandboxRequest":
        body: LimitedStream | BinaryIO
        if not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            content_length, body = None, environ["wsgi.input"]
        else:
            content_length = _content_length(environ)
            body = LimitedStream(environ["wsgi.input"], content_length)
        return cls(
            method=environ["REQUEST_METHOD"].upper(),
            # WSGI hands the path over as latin-1; clients percent-encode UTF-8.
            path=environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace"),
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            content_type=environ.get("CONTENT_TYPE", ""),
            content_length=content_length,
            api_key=environ.get("HTTP_X_API_KEY", ""),
            body=body,
        )

    @property
    def media_type(self) -> str:
        """The content type without its parameters, e.g. "multipart/form-data"."""
        return self.content_type.partition(";")[0].strip().lower()

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise invalid_parameters(f"The query parameter {name} must be given once.")
        return values[0]

    def required_query_value(self, name: str) -> str:
        value = self.query_value(name)
        if value is None:
            raise missing_parameters(f"The query parameter {name} is required.")
        if not value:
            raise invalid_parameters(f"The query parameter {name} must not be empty.")
        return value

    def json_object(self) -> dict[str, object]:
        if self.media_type != "application/json":
            raise ApiError(
                "errors/malformed_request",
                "Send the body as JSON with Content-Type: application/json.",
            )
        too_large = ApiError("errors/content_too_large", "The JSON body is larger than 1 MB.")
        if self.content_length is not None and self.content_length > MAX_JSON_BODY_BYTES:
            raise too_large
        text = self.body.read(MAX_JSON_BODY_BYTES + 1)  # the same bound for a chunked body
        if len(text) > MAX_JSON_BODY_BYTES:
            raise too_large
        try:
            body = json.loads(text)
        except ValueError as error:
            raise ApiError("errors/malformed_request", f"The body is not JSON: {error}") from error
        if not isinstance(body, dict):
            raise ApiError("errors/malformed_request", "The body must be a JSON object.")
        return body

    def discard_unread_body(self) -> None:
        """Read what the endpoint left unread, so the client gets our answer, not a reset."""
        while self.body.read(_DISCARD_CHUNK_BYTES):
            pass


def _content_length(environ: WSGIEnvironment) -> int:
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def reject_unknown_fields(body: Mapping[str, object], allowed: Collection[str]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise invalid_parameters(
            f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}."
        )


def required_string(body: Mapping[str, object], name: str) -> str:
    value = optional_string(body, name)
    if value is None:
        raise missing_parameters(f"{name} is required.")
    if not value:
        raise invalid_parameters(f"{name} must not be empty.")
    return value


def optional_string(body: Mapping[str, object], name: str) -> str | None:
    """The field's value; a JSON null counts as absent."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise invalid_parameters(f"{name} must be a string.")
    return value
