"""The sandbox's in-memory state, shared by the server's request threads."""

import secrets
import threading

from postpress_dashboard.sandbox.models import Account, ReceivedChat
from postpress_dashboard.sandbox.seed import LINKEDIN_INVITATION_COUNT, seed_accounts

DEFAULT_INVITATION_LIMIT = 100


class SandboxState:
    """Accounts and the chats received, guarded by `lock`.

    Operations that read then change an account hold `lock` for the whole step, so two
    concurrent requests cannot both accept the same invitation or both pass the send limit.
    """

    def __init__(
        self,
        *,
        invitation_limit: int = DEFAULT_INVITATION_LIMIT,
        linkedin_invitations: int = LINKEDIN_INVITATION_COUNT,
    ) -> None:
        self.lock = threading.Lock()
        self.invitation_limit = invitation_limit
        self.linkedin_invitations = linkedin_invitations
        self.accounts: dict[str, Account] = {}
        self.chats: list[ReceivedChat] = []
        self.reset()

    def reset(self, *, invitation_limit: int | None = None) -> None:
        """Restore the seeded data; `invitation_limit` overrides the limit until the next reset."""
        limit = self.invitation_limit if invitation_limit is None else invitation_limit
        with self.lock:
            self.accounts = seed_accounts(
                invitation_limit=limit, linkedin_invitations=self.linkedin_invitations
            )
            self.chats = []

    def find_account(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"
