"""outcome_transaction: what is written after an API call commits without waiting for the
disk, all or nothing, and leaves the connection as it found it."""

import pytest
from django.db import connection

from postpress_dashboard.core.commits import outcome_transaction
from postpress_dashboard.teams.models import Team


def _safety_level() -> object:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
        else:
            cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_it_commits_without_waiting_for_the_disk_and_restores_the_connection() -> None:
    before = _safety_level()
    with outcome_transaction():
        Team.objects.create(name="Written after a call", slug="after-a-call")
        inside = _safety_level()
    assert inside in (1, "off")  # SQLite NORMAL, or PostgreSQL's asynchronous commit
    assert before in (2, "on")  # FULL, or PostgreSQL's default
    assert _safety_level() == before
    assert Team.objects.filter(slug="after-a-call").exists()


@pytest.mark.django_db(transaction=True)
def test_what_fails_inside_is_rolled_back_whole_and_the_connection_restored() -> None:
    before = _safety_level()
    with pytest.raises(RuntimeError), outcome_transaction():
        Team.objects.create(name="Half an outcome", slug="half")
        raise RuntimeError("the Activity entry failed")
    assert not Team.objects.filter(slug="half").exists()
    assert _safety_level() == before


@pytest.mark.django_db
def test_inside_another_transaction_it_is_a_savepoint_of_that_one() -> None:
    before = _safety_level()
    with pytest.raises(RuntimeError), outcome_transaction():
        Team.objects.create(name="Nested", slug="nested")
        raise RuntimeError("rolled back to the savepoint")
    assert not Team.objects.filter(slug="nested").exists()
    assert _safety_level() == before
