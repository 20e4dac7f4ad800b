"""HTTP clients for the concurrency figures, in a process of their own: clients on other
devices do not share the server's interpreter lock, so neither do these."""

from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request


def run_clients(base: str, texts: list[str], clients: int) -> tuple[list[float], int, float]:
    """`clients` threads send the texts as searches; (each latency in ms, errors, seconds)."""
    lock = threading.Lock()
    times: list[float] = []
    errors = 0

    def client(number: int) -> None:
        nonlocal errors
        for query in texts[number::clients]:
            started = time.perf_counter()
            try:
                url = f"{base}?{urllib.parse.urlencode({'q': query, 'limit': 40})}"
                with urllib.request.urlopen(url, timeout=30) as response:
                    ok = response.status == 200
            except OSError:
                ok = False
            with lock:
                times.append((time.perf_counter() - started) * 1000)
                errors += not ok

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, errors, time.perf_counter() - started
