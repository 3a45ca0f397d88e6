"""Bulk work with a few API calls in flight at once (bulk accept, decline and withdraw).

The request's own thread does every database step, one item after another, exactly as a single
decision or withdraw does them: the claim that makes an item at most once (a decision's unique
row, a sent invitation's WITHDRAWING status), then, once the call has answered, the outcome and
its Activity entry. Only the API calls run in a small pool of threads, at most
POSTPRESS_BULK_IN_FLIGHT at a time: those threads never touch the ORM (Django's connections are
per thread), and each uses the client's pooled session for its thread, so the calls of one bulk
request hold at most that many connections, closed when the request's work ends.

An item is claimed only when a call can start for it at once, so an item not tried was never
claimed. No call starts once the deadline has passed (as one after another did), nor after an
answer that asks to slow down (a rate limit): the rest are not tried, and say why.
"""

import contextvars
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import requests
from django.conf import settings
from django.db import connections

from postpress_dashboard.core.api import Deadline
from postpress_dashboard.postpress.client import thread_session
from postpress_dashboard.postpress.errors import PostpressError, RateLimitedError

logger = logging.getLogger(__name__)

# Answers that ask to slow down: a 429 whatever its type, and the types the catalogue files
# under "429: slow down" (an unknown status's fallback included).
SLOW_DOWN_TYPES = frozenset({"errors/too_many_requests", "client/rate_limit_wait"})


def asks_to_slow_down(error: BaseException | None) -> bool:
    """Whether an answer is a rate limit: no more calls should start for now."""
    if not isinstance(error, PostpressError):
        return False
    return isinstance(error, RateLimitedError) or error.error_type in SLOW_DOWN_TYPES


class Stopped(StrEnum):
    """Why a bulk run left the rest of its items untried."""

    DEADLINE = "deadline"
    RATE_LIMITED = "rate_limited"


class PendingCall[A, R](ABC):
    """One claimed item: its API call, and what its answer makes of the item.

    ``call`` is the only part run in a pool thread: the API call, nothing else (no ORM).
    ``finish`` runs in the request's thread with a function that returns the call's answer
    or raises its error: a single decision or withdraw passes ``call`` itself, a bulk run the
    finished call's ``Future.result``.
    """

    @abstractmethod
    def call(self) -> A: ...

    @abstractmethod
    def finish(self, answer: Callable[[], A]) -> R: ...

    def now(self) -> R:
        """Make the call in this thread and record its outcome: the one-at-a-time path."""
        return self.finish(self.call)


@dataclass(frozen=True)
class BulkRun[R]:
    outcomes: list[R]  # the items tried (or refused without a call), in the order asked
    not_tried: int  # the rest, never claimed
    stopped: Stopped | None = None  # why the rest were not tried


def bulk_in_flight() -> int:
    """How many calls one bulk request may have in flight (POSTPRESS_BULK_IN_FLIGHT)."""
    return max(1, int(settings.POSTPRESS_BULK_IN_FLIGHT))


def run_bounded[T, R](
    items: Sequence[T],
    *,
    claim: Callable[[T], "R | PendingCall[Any, R]"],
    deadline: Deadline,
    slows_down: Callable[[BaseException | None], bool] = asks_to_slow_down,
    in_flight: int | None = None,
) -> BulkRun[R]:
    """Claim each item in turn and run its call with at most `in_flight` calls at once.

    `claim` runs in this thread and returns either the item's outcome (nothing to call: it
    was handled already, or refused before any call) or a PendingCall. The next item is
    claimed only when a call may start at once: fewer than `in_flight` in flight, the deadline
    not passed, and no answer so far that `slows_down` (it is given the call's error, or None).
    Each answer is looked at as soon as it is in; the next calls start, then the answers are
    recorded (``finish``) in this thread while those calls are in flight.
    """
    limit = in_flight or bulk_in_flight()
    outcomes: dict[int, R] = {}
    flying: dict[Future[Any], tuple[int, PendingCall[Any, R]]] = {}
    answered: list[tuple[int, PendingCall[Any, R], Future[Any]]] = []
    stopped: Stopped | None = None
    sessions: list[requests.Session] = []
    pool = ThreadPoolExecutor(
        max_workers=limit,
        thread_name_prefix="postpress-bulk",
        initializer=lambda: sessions.append(thread_session()),
    )

    def landed(done: Iterable[Future[Any]]) -> None:
        """Answers in: a rate limit among them stops the next claim."""
        nonlocal stopped
        for future in done:
            index, pending = flying.pop(future)
            answered.append((index, pending, future))
            if stopped is None and slows_down(future.exception()):
                stopped = Stopped.RATE_LIMITED

    def record() -> None:
        answered.sort(key=lambda landed: landed[0])
        while answered:
            index, pending, future = answered.pop(0)
            outcomes[index] = pending.finish(future.result)

    next_item = 0
    try:
        while True:
            while stopped is None and next_item < len(items) and len(flying) < limit:
                if deadline.passed:
                    stopped = Stopped.DEADLINE
                    break
                index, next_item = next_item, next_item + 1
                claimed = claim(items[index])
                if isinstance(claimed, PendingCall):
                    # The request's context (its request id in the logs) goes with the call.
                    context = contextvars.copy_context()
                    flying[pool.submit(context.run, _api_call_only, claimed)] = (index, claimed)
                else:
                    outcomes[index] = claimed
                landed([future for future in flying if future.done()])
            record()
            if not flying:
                break
            done, _ = wait(flying, return_when=FIRST_COMPLETED)
            landed(done)
    except BaseException:
        # A bug in one item's steps: the calls already started still get their outcome.
        landed(list(flying))
        _record_the_rest(answered, outcomes)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for session in sessions:
            session.close()  # its connections end with the request's work
    tried = [outcomes[index] for index in sorted(outcomes)]
    return BulkRun(tried, not_tried=len(items) - len(tried), stopped=stopped)


def _api_call_only[A](pending: PendingCall[A, object]) -> A:
    try:
        return pending.call()
    finally:
        # A call must not use the ORM; if one ever did, its connection is not left open.
        connections.close_all()


def _record_the_rest[R](
    answered: list[tuple[int, PendingCall[Any, R], Future[Any]]], outcomes: dict[int, R]
) -> None:
    for index, pending, future in answered:
        if index in outcomes:
            continue
        try:
            outcomes[index] = pending.finish(future.result)  # waits for a call still in flight
        except Exception:  # the first error is the one raised; this one is logged
            logger.exception("a bulk item's outcome could not be recorded")
