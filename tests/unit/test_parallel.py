"""running_ahead: a producer on its own thread, a bounded number of items ahead; bounded_map:
Ctrl-C while it waits for an item; a WorkerPool left on Ctrl-C."""

from __future__ import annotations

import _thread
import threading
import time

import pytest

from photosearch.parallel import WorkerPool, bounded_map, running_ahead


def test_items_in_order_produced_on_another_thread():
    threads = []

    def produce():
        for number in range(50):
            threads.append(threading.current_thread())
            yield number

    with running_ahead(produce(), depth=2) as items:
        assert list(items) == list(range(50))
    assert threading.current_thread() not in threads


def test_the_producer_stays_at_most_depth_items_ahead():
    produced = []

    def produce():
        for number in range(10):
            produced.append(number)
            yield number

    with running_ahead(produce(), depth=1) as items:
        assert next(items) == 0
        time.sleep(0.3)  # let the producer run as far as it may
        assert len(produced) <= 3  # the one taken, one waiting, one being handed over


def test_an_error_arrives_after_the_items_before_it():
    def produce():
        yield 1
        yield 2
        raise KeyboardInterrupt  # even this one, from the model's thread

    got = []
    with pytest.raises(KeyboardInterrupt), running_ahead(produce()) as items:
        for item in items:
            got.append(item)
    assert got == [1, 2]


def test_leaving_early_stops_the_producer_and_closes_it():
    closed = threading.Event()

    def produce():
        try:
            number = 0
            while True:
                yield number
                number += 1
        finally:
            closed.set()

    with running_ahead(produce()) as items:
        for item in items:
            if item == 3:
                break
    assert closed.is_set()


def test_a_consumer_error_stops_the_producer():
    closed = threading.Event()

    def produce():
        try:
            yield from range(1000)
        finally:
            closed.set()

    with pytest.raises(ValueError), running_ahead(produce()) as items:
        for _ in items:
            raise ValueError("the store is full")
    assert closed.is_set()


def test_ctrl_c_stops_a_bounded_map_waiting_for_an_item_that_never_ends():
    started, never = threading.Event(), threading.Event()

    def stuck(item):  # a read that never returns: a stalled network drive
        started.set()
        never.wait(timeout=30)  # (were Ctrl-C swallowed, the map would end here)

    def interrupt():
        started.wait()
        _thread.interrupt_main()  # what Ctrl-C does to the main thread

    threading.Thread(target=interrupt, daemon=True).start()
    with WorkerPool(1) as pool, pytest.raises(KeyboardInterrupt):
        list(bounded_map(pool, stuck, [1], timeout=600))
    never.set()


def test_a_pool_left_on_ctrl_c_drops_the_queued_items_and_lets_the_running_one_end():
    started, release = threading.Event(), threading.Event()

    def work(item):
        if item == "running":
            started.set()
            release.wait(timeout=30)  # (were the queued item kept, it would still run here)
        return item

    with pytest.raises(KeyboardInterrupt), WorkerPool(1) as pool:
        running = pool.submit(work, "running")
        queued = pool.submit(work, "queued")
        queued.add_done_callback(lambda _: release.set())  # ends the running one once dropped
        started.wait()
        raise KeyboardInterrupt
    assert queued.cancelled() and running.done() and running.result() == "running"
