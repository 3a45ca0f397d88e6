"""Medians and percentiles of repeated samples, and counting what reaches the API."""

import math
import statistics
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests.adapters
import urllib3.connection


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of the samples."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(share * len(ordered)))  # 1-based
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


@dataclass
class WireCount:
    """HTTP requests sent and TCP connections opened by this process's `requests` sessions."""

    requests: int = 0
    connections: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def counting_the_wire() -> Iterator[WireCount]:
    """Counts every request the process sends through `requests` and every connection urllib3
    opens (a pooled connection reused is not counted again)."""
    count = WireCount()
    send, connect = requests.adapters.HTTPAdapter.send, urllib3.connection.HTTPConnection.connect

    def counted_send(adapter, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        with count._lock:
            count.requests += 1
        return send(adapter, request, *args, **kwargs)

    def counted_connect(connection):  # type: ignore[no-untyped-def]
        with count._lock:
            count.connections += 1
        return connect(connection)

    requests.adapters.HTTPAdapter.send = counted_send  # type: ignore[method-assign]
    urllib3.connection.HTTPConnection.connect = counted_connect  # type: ignore[method-assign]
    try:
        yield count
    finally:
        requests.adapters.HTTPAdapter.send = send  # type: ignore[method-assign]
        urllib3.connection.HTTPConnection.connect = connect  # type: ignore[method-assign]
