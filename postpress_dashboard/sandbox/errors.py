"""The API's error envelope: every refusal the sandbox makes is one documented error type."""

import secrets
from collections.abc import Sequence

from postpress_dashboard.postpress.documented_errors import DOCUMENTED_ERROR_STATUSES

Header = tuple[str, str]


class ApiError(Exception):
    """A refusal answered with the documented envelope {title, detail, instance, type, status}."""

    def __init__(
        self,
        error_type: str,
        detail: str,
        *,
        status: int | None = None,
        headers: Sequence[Header] = (),
    ) -> None:
        super().__init__(f"{error_type}: {detail}")
        self.error_type = error_type
        self.detail = detail
        # Only the 405 for a wrong method has no documented type of its own, hence the override.
        self.status = DOCUMENTED_ERROR_STATUSES[error_type] if status is None else status
        self.headers = tuple(headers)

    def envelope(self) -> dict[str, object]:
        return {
            "title": title_for(self.error_type),
            "detail": self.detail,
            "instance": new_request_id(),
            "type": self.error_type,
            "status": self.status,
        }


def title_for(error_type: str) -> str:
    """Turn "errors/too_many_requests" into "Too many requests"."""
    return error_type.removeprefix("errors/").replace("_", " ").capitalize()


def new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


def invalid_parameters(detail: str) -> ApiError:
    return ApiError("errors/invalid_parameters", detail)


def missing_parameters(detail: str) -> ApiError:
    return ApiError("errors/missing_parameters", detail)


def not_found(detail: str) -> ApiError:
    return ApiError("errors/resource_not_found", detail)
