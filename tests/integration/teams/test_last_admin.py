"""Two admins demoting (or removing) each other at the same instant, each in its own thread and
database connection, as two workers would serve them: one admin always remains.

On PostgreSQL the test holds each change at its write until the other has either reached its
own write or is blocked waiting for a lock (pg_blocking_pids): without a real lock both reach
their writes having each counted the other as the remaining admin, so the interleaving that
lost the last admin happens every time. On SQLite the transaction takes the write lock when it
begins (IMMEDIATE), so the two changes start together and run one after the other. CI runs this
file on both backends (.ci/run).
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from postpress_dashboard.teams import services
from postpress_dashboard.teams.models import Membership, Role, Team

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 3
# A safety net for a broken test, not a timing: how many times a held write looks again
# whether the other change has reached its write or is waiting for a lock.
MAX_LOOKS = 2000


class Rendezvous:
    """Holds each of two changes at its first write (UPDATE or DELETE of a membership) until
    the other has reached its own or is blocked on a lock (PostgreSQL); on SQLite, holds both
    before their first statement until both are there."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.start = threading.Barrier(2)
        self.at_write = [threading.Event(), threading.Event()]
        self.backend_pids: list[int | None] = [None, None]

    def wrapper(self, me: int) -> Callable[..., Any]:
        other = 1 - me
        state = {"started": False, "written": False, "looking": False}

        def hold(
            execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
        ) -> Any:
            if state["looking"]:
                return execute(sql, params, many, context)
            if not state["started"]:
                state["started"] = True
                if not self.postgres:
                    self.start.wait()
            if self.postgres and not state["written"] and _writes_a_membership(sql):
                state["written"] = True
                self.at_write[me].set()
                state["looking"] = True
                try:
                    self._wait_for(other)
                finally:
                    state["looking"] = False
            return execute(sql, params, many, context)

        return hold

    def _wait_for(self, other: int) -> None:
        for _ in range(MAX_LOOKS):
            if self.at_write[other].wait(timeout=0.005) or self._blocked(other):
                return
        raise AssertionError("the other change neither reached its write nor waited for a lock")

    def _blocked(self, other: int) -> bool:
        pid = self.backend_pids[other]
        if pid is None:
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [pid])
            return bool(cursor.fetchone()[0])


def _writes_a_membership(sql: str) -> bool:
    statement = sql.lstrip().upper()
    return statement.startswith(("UPDATE", "DELETE")) and "TEAMS_MEMBERSHIP" in statement


def two_admins(trial: int) -> tuple[Team, Membership, Membership]:
    team = services.team_create(
        name=f"Race {trial}", base_url="https://api.example.test", api_key=""
    )
    first = User.objects.create_user(f"ann{trial}", password="x")
    second = User.objects.create_user(f"ben{trial}", password="x")
    return (
        team,
        services.member_add(team=team, user=first, role=Role.ADMIN, actor=None),
        services.member_add(team=team, user=second, role=Role.ADMIN, actor=None),
    )


def change_at_once(
    change: Callable[[Membership, User], None], pairs: list[tuple[Membership, User]]
) -> list[str]:
    rendezvous = Rendezvous()

    def act(me: int) -> str:
        membership, actor = pairs[me]
        try:
            target = Membership.objects.select_related("team", "user").get(pk=membership.pk)
            if rendezvous.postgres:
                rendezvous.backend_pids[me] = connection.connection.info.backend_pid
            with connection.execute_wrapper(rendezvous.wrapper(me)):
                change(target, actor)
        except services.TeamRuleError as refusal:
            return str(refusal)
        finally:
            connection.close()
        return "done"

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(act, range(2)))


CHANGES: dict[str, Callable[[Membership, User], None]] = {
    "demote": lambda target, actor: services.member_set_role(
        membership=target, role=Role.MEMBER, actor=actor
    ),
    "remove": lambda target, actor: services.member_remove(membership=target, actor=actor),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_two_admins_changing_each_other_at_once_leave_the_team_an_admin(change: str) -> None:
    """F2: each admin demotes (removes) the other at the same instant; one change goes
    through, the other is refused as the last admin's, and the team keeps an admin."""
    for trial in range(TRIALS):
        team, first, second = two_admins(trial)

        outcomes = change_at_once(CHANGES[change], [(first, second.user), (second, first.user)])

        admins = Membership.objects.filter(team=team, role=Role.ADMIN).count()
        assert admins == 1, (trial, outcomes)
        [refusal] = [outcome for outcome in outcomes if outcome != "done"]
        assert refusal.startswith(f"You cannot {change} the last admin of {team.name}")
