"""Parallel work for the pipeline: daemon worker threads, an ordered map over them with bounded
memory and a per-item time limit (a hung decode is given up on, not waited for), and an
iterator run ahead on its own thread (one stage of the pipeline overlapping the next)."""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as futures_wait
from contextlib import contextmanager

WIND_DOWN_SECONDS = 10  # how long a pool left on an error waits for the items it is running


class WorkerPool:
    """Like a ThreadPoolExecutor, but its threads are daemons: one stuck in a system call or a
    decoder never blocks the process from exiting, and can be replaced by a fresh thread."""

    def __init__(self, workers: int):
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._unfinished: set[Future] = set()
        self._workers = 0
        for _ in range(max(1, workers)):
            self.add_worker()

    def add_worker(self) -> None:
        self._workers += 1
        threading.Thread(target=self._work, name="photosearch-worker", daemon=True).start()

    def submit(self, function: Callable, item) -> Future:
        future: Future = Future()
        future.started_at = None
        self._unfinished.add(future)
        future.add_done_callback(self._unfinished.discard)
        self._tasks.put((future, function, item))
        return future

    def _work(self) -> None:
        while (task := self._tasks.get()) is not None:
            future, function, item = task
            if not future.set_running_or_notify_cancel():
                continue
            future.started_at = time.monotonic()
            try:
                future.set_result(function(item))
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for it
                future.set_exception(exc)

    def close(self) -> None:
        for _ in range(self._workers):
            self._tasks.put(None)

    def wind_down(self, grace: float = WIND_DOWN_SECONDS) -> None:
        """Drop the items not started and give those running `grace` seconds to end: a daemon
        thread still inside a native library (an ONNX Runtime session) as the interpreter
        exits aborts the process ("terminate called without an active exception")."""
        unfinished = list(self._unfinished)
        for future in unfinished:
            future.cancel()
        futures_wait(unfinished, timeout=grace)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is not None:  # Ctrl-C, or an error: the rest of the work is not wanted
            self.wind_down()
        self.close()


def bounded_map(
    pool,
    function: Callable,
    items: Iterable,
    in_flight: int = 64,
    timeout: float | None = None,
    on_timeout: Callable | None = None,
) -> Iterator:
    """Like pool.map, in order, with at most `in_flight` results waiting in memory. With a
    WorkerPool and a timeout, an item running longer than `timeout` seconds yields
    on_timeout(item) instead, and a fresh worker takes the stuck one's place."""
    pending: deque = deque()
    iterator = iter(items)

    def refill() -> None:
        for item in iterator:
            pending.append((item, pool.submit(function, item)))
            if len(pending) >= in_flight:
                break

    refill()
    while pending:
        item, future = pending.popleft()
        if timeout is None or _finished_in_time(future, timeout):
            yield future.result()
        else:
            pool.add_worker()
            yield on_timeout(item)
        refill()


def _finished_in_time(future: Future, timeout: float) -> bool:
    """Wait for the future; False once it has *run* (not queued) longer than timeout."""
    while True:
        try:
            future.result(timeout=min(0.5, timeout))
            return True
        except FutureTimeout:
            started = getattr(future, "started_at", None)
            if started is not None and time.monotonic() - started > timeout:
                return False
        except BaseException:
            if future.done():
                return True  # the item's own error, raised again by the caller's result()
            raise  # Ctrl-C while waiting: the run stops, however long the item would take


_END = object()


@contextmanager
def running_ahead(items: Iterable, depth: int = 1) -> Iterator[Iterator]:
    """Iterate `items` on a daemon thread, at most `depth` items ahead of the consumer, so
    that producing the next item overlaps with using this one. What the producer raises is
    raised to the consumer after the items before it. Leaving the block early stops the
    producer at its next item (its generator is closed there) and waits for that."""
    handoff: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                if not put((item, None)):
                    return
        except BaseException as exc:  # noqa: BLE001 - raised again in the consumer's thread
            put((_END, exc))
            return
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
        put((_END, None))

    def consume() -> Iterator:
        while True:
            try:
                item, error = handoff.get(timeout=0.5)  # a timeout keeps Ctrl-C responsive
            except queue.Empty:
                continue
            if error is not None:
                raise error
            if item is _END:
                return
            yield item

    thread = threading.Thread(target=produce, name="photosearch-ahead", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        thread.join()
