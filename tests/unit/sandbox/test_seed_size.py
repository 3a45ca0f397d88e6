"""The LinkedIn account's pending invitations can be more than the demo's 125 (for load runs)."""

from postpress_dashboard.sandbox.seed import LINKEDIN_INVITATION_COUNT
from postpress_dashboard.sandbox.state import SandboxState


def test_the_linkedin_account_starts_with_the_asked_number_of_invitations() -> None:
    state = SandboxState(linkedin_invitations=1000)
    received = state.accounts["acc_linkedin_demo"].received
    assert len(received) == 1000
    assert len({invitation.id for invitation in received}) == 1000


def test_a_reset_keeps_that_number_and_the_default_stays_the_demos() -> None:
    state = SandboxState(linkedin_invitations=300)
    state.reset()
    assert len(state.accounts["acc_linkedin_demo"].received) == 300
    default = SandboxState().accounts["acc_linkedin_demo"].received
    assert len(default) == LINKEDIN_INVITATION_COUNT == 125
