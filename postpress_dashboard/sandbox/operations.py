"""What every endpoint reads a request into: an operation that names its identifiers, then runs."""

from typing import Protocol

from postpress_dashboard.sandbox.errors import not_found
from postpress_dashboard.sandbox.models import Account
from postpress_dashboard.sandbox.state import SandboxState

JsonObject = dict[str, object]


class Operation(Protocol):
    def identifiers(self) -> list[str]:
        """The ids the request carries, checked for error triggers before the operation runs."""
        ...

    def perform(self, state: SandboxState) -> JsonObject:
        """Apply the operation to the state and return the response body."""
        ...


def account_or_404(state: SandboxState, account_id: str) -> Account:
    account = state.find_account(account_id)
    if account is None:
        raise not_found(f"No linked account {account_id!r}.")
    return account
