"""Ordered parallel map with bounded memory: workers run ahead of the consumer, but not far."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor


def bounded_map(
    pool: Executor, function: Callable, items: Iterable, in_flight: int = 64
) -> Iterator:
    """Like pool.map, in order, but with at most `in_flight` results waiting in memory."""
    pending: deque = deque()
    iterator = iter(items)
    for item in iterator:
        pending.append(pool.submit(function, item))
        if len(pending) >= in_flight:
            break
    while pending:
        yield pending.popleft().result()
        for item in iterator:
            pending.append(pool.submit(function, item))
            break
