"""Transactions for what is written after an API call, committed without waiting for the disk.

A write is sent, refused or unconfirmed, and the dashboard never sends one twice: so the claim
made before a call (the decision, the send's cap slot) is committed the usual way, on disk
before the call starts. What is written after the call (its outcome and its Activity entry)
need not wait for the disk: if the machine loses power before it reaches the disk, the claim
is still there, still "in progress", and two minutes on it reads as "may have gone through"
for a person to check, as after a worker killed mid-call. A dashboard process that crashes
loses nothing either way; a power cut, an operating system crash or (on PostgreSQL) a crash
of the database server itself can lose the last such commits, never a claim. Waiting for the disk
cost each decision a millisecond or more (an fsync), the larger part of what the dashboard
added to an accept.

SQLite: `PRAGMA synchronous = NORMAL` for the transaction (in WAL mode, the commit is not
synced; the next synced commit or checkpoint writes it). PostgreSQL: `SET LOCAL
synchronous_commit = off` (an asynchronous commit). Inside an enclosing transaction the
outer one decides, and this is a plain savepoint.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def outcome_transaction() -> Iterator[None]:
    """One transaction for an API call's outcome, committed without waiting for the disk."""
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    if connection.vendor == "sqlite":
        with _sqlite_synchronous("NORMAL"), transaction.atomic():
            yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        yield


@contextmanager
def _sqlite_synchronous(level: str) -> Iterator[None]:
    """SQLite's safety level for what runs inside, the connection's own restored after (it may
    only change outside a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA synchronous = {level}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous = {int(before)}")
