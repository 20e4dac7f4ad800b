"""The decode budget: one per process, a ceiling on the bytes that decoded images may take at
once. Every decode reserves its estimated peak (the image at the size it is decoded at, plus the
copies that conversion and orientation make) before it starts, and waits while that does not
fit beside what is in flight. The indexer's workers, the web's uploads, thumbnails and previews,
the text pass and the audit all draw on it, so four giant uploads, or eight decode workers on a
folder of panoramas, take turns instead of taking all the memory.

It never deadlocks. Requests are served in order of arrival, so a large one is not starved by a
stream of small ones, and anything proceeds when nothing else is in flight, however large (the
decoder refuses, or decodes at reduced scale, what exceeds the whole budget before asking). A
thread that holds part of the budget (an image it has not let go of: the text pass keeps its
detection copy while it decodes the photo whole) is not queued behind the others, which may be
waiting for it, and when everything in flight is held by threads waiting like it, the oldest of
them goes: the budget is then exceeded by that one request, rather than wait forever.

A decoded image handed back to a caller keeps its own bytes reserved, held by the thread that
decoded it, until it is garbage collected (its transient copies are given back at once), or
until the `with` block around it ends.

The C heap is made one for all threads (glibc's malloc arenas limited to one, when this module is
imported): with an arena per thread, memory that one decode thread frees is not reused by the
next, and the process's peak grows by about a budget per thread although the budget holds.
When the budget goes idle after large decodes, the freed heap is handed back to the system."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import threading
import time
from collections import deque
from pathlib import Path

log = logging.getLogger(__name__)
MB = 1 << 20
# The automatic budget: this share of the machine's memory (or of the container's limit), within
# these bounds. 1/12 leaves the rest to the model, the vector index, the database and the other
# programs; 2 GB holds a 200 MP image (max_image_pixels) decoded at full size with room for
# another, and past it more memory buys nothing but more giants decoded at once.
AUTO_SHARE = 12
AUTO_MIN_MB = 256
AUTO_MAX_MB = 2048
# After this many bytes of large decodes have been freed, and nothing is in flight, the C heap is
# handed back to the system (glibc keeps freed blocks for reuse: an idle server would otherwise
# stay at its peak).
TRIM_AFTER = 64 * MB
NO_THREAD = 0  # the holder of bytes handed over to a queue (no thread's ident is 0)
COLLECT_EVERY = 2.0  # seconds: at most this often, a waiting decode runs the garbage collector


def machine_memory() -> int:
    """Bytes of memory this process may use: the machine's, or its container's limit if lower."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 << 30  # not a POSIX system that says: assume a modest machine
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total


def auto_budget_mb(total: int | None = None) -> int:
    """decode_memory_mb = 0 (auto): 1/12 of the memory, at least 256 MB and at most 2048 MB."""
    total = machine_memory() if total is None else total
    return max(AUTO_MIN_MB, min(AUTO_MAX_MB, total // AUTO_SHARE // MB))


class Reservation:
    """Bytes held in a budget, by a thread, until released: by `release`, by leaving a `with`
    block (whose thread becomes their holder), or, kept for a decoded image handed back, when
    the image is garbage collected."""

    __slots__ = ("_budget", "nbytes", "owner", "kept", "__weakref__")

    def __init__(self, budget: DecodeBudget, nbytes: int, owner: int):
        self._budget = budget
        self.nbytes = nbytes
        self.owner = owner  # the thread holding them
        self.kept = False  # kept for an image handed back (its collection releases them)

    def shrink(self, nbytes: int) -> None:
        """Keep only `nbytes` (what is left once a decode's transient copies are gone)."""
        self._budget._give_back(self, self.nbytes - max(0, min(nbytes, self.nbytes)))

    def release(self) -> None:
        self._budget._give_back(self, self.nbytes)

    def keep(self) -> None:
        """Mark as kept for an image handed back to a caller."""
        self._budget._keep(self)

    def adopt(self) -> None:
        """Held by the calling thread from now on."""
        self._budget._move(self, threading.get_ident())

    def hand_over(self) -> None:
        """Held by no thread from now on (bytes queued for another thread to use and
        release): the thread that reserved them then queues for its next reservation as usual,
        and a thread waiting nested waits for these to be released."""
        self._budget._move(self, NO_THREAD)

    def __enter__(self) -> Reservation:
        self.adopt()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class DecodeBudget:
    """A number of bytes shared by threads: `reserve(n)` blocks until n fit beside the bytes in
    flight, first come first served, and returns the Reservation that gives them back."""

    def __init__(self, limit: int):
        self._cond = threading.Condition()
        self._limit = max(1, int(limit))
        self._in_use = 0
        self._kept = 0  # of which kept for images handed back
        self._peak = 0
        self._queue: deque[int] = deque()  # tickets of the requests waiting, in order
        self._tickets = 0
        self._held: dict[int, int] = {}  # bytes held, by thread id
        self._nested: dict[int, int] = {}  # waiting threads that hold bytes: ticket -> thread
        self._freed_since_trim = 0
        self._collected_at = -COLLECT_EVERY
        self.waits = 0  # requests that had to wait
        self.refused = 0  # images refused as larger than the whole budget (note_refused)
        self._wait_logged = False

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def in_use(self) -> int:
        """Bytes reserved now."""
        return self._in_use

    def set_limit(self, limit: int) -> None:
        with self._cond:
            self._limit = max(1, int(limit))
            self._cond.notify_all()

    def reserve(self, nbytes: int, name: str = "") -> Reservation:
        """Wait until `nbytes` fit, then hold them. A request larger than the whole budget
        waits until nothing else is in flight, then proceeds alone. A thread that already holds
        bytes is not queued behind others (they may be waiting for it); it waits only while
        threads that are not waiting hold what it needs."""
        nbytes = max(0, int(nbytes))
        me = threading.get_ident()
        with self._cond:
            self._tickets += 1
            ticket = self._tickets
            nested = bool(self._held.get(me))
            if nested:
                self._nested[ticket] = me
                self._cond.notify_all()  # the others waiting like it may be stuck now
            else:
                self._queue.append(ticket)
            waited = collected = False
            try:
                while not self._may_go(ticket, nested, nbytes):
                    if not waited:
                        waited = True
                        self.waits += 1
                        self._log_wait(nbytes, name)
                    if not collected and self._collect_may_help(nbytes):
                        collected = True  # an image handed back and dropped in a reference
                        self._cond.release()  # cycle holds its bytes until the collector runs
                        try:
                            gc.collect()
                        finally:
                            self._cond.acquire()
                        continue
                    self._cond.wait()
            finally:
                if nested:
                    del self._nested[ticket]
                else:
                    self._queue.remove(ticket)
                self._cond.notify_all()  # the next in line may fit too (or now be first)
            return self._grant(me, nbytes)

    def _may_go(self, ticket: int, nested: bool, nbytes: int) -> bool:
        if nested:
            if self._in_use + nbytes <= self._limit:
                return True
            # Everything in flight is held by threads waiting like this one: none of them will
            # let go first, so the oldest goes (over the budget, by this one request).
            stuck = sum(self._held.get(thread, 0) for thread in set(self._nested.values()))
            return self._in_use <= stuck and ticket == min(self._nested)
        return self._queue[0] == ticket and (
            self._in_use == 0 or self._in_use + nbytes <= self._limit
        )

    def _collect_may_help(self, nbytes: int) -> bool:
        """Whether the bytes kept for images handed back would make room, and the collector has
        not run for that in the last COLLECT_EVERY seconds (it takes a while in a large
        process)."""
        if not self._kept or self._in_use - self._kept + nbytes > self._limit:
            return False
        now = time.monotonic()
        if now - self._collected_at < COLLECT_EVERY:
            return False
        self._collected_at = now
        return True

    def _grant(self, me: int, nbytes: int) -> Reservation:
        self._in_use += nbytes
        self._peak = max(self._peak, self._in_use)
        self._held[me] = self._held.get(me, 0) + nbytes
        return Reservation(self, nbytes, me)

    def _owned(self, owner: int, change: int) -> None:
        left = self._held.get(owner, 0) + change
        if left > 0:
            self._held[owner] = left
        else:
            self._held.pop(owner, None)

    def _move(self, reservation: Reservation, owner: int) -> None:
        with self._cond:
            self._owned(reservation.owner, -reservation.nbytes)
            reservation.owner = owner
            self._owned(owner, reservation.nbytes)
            self._cond.notify_all()

    def _keep(self, reservation: Reservation) -> None:
        with self._cond:
            if not reservation.kept:
                reservation.kept = True
                self._kept += reservation.nbytes

    def _give_back(self, reservation: Reservation, nbytes: int) -> None:
        with self._cond:
            nbytes = max(0, min(nbytes, reservation.nbytes))
            if not nbytes:
                return
            reservation.nbytes -= nbytes
            if reservation.kept:
                self._kept -= nbytes
            self._owned(reservation.owner, -nbytes)
            self._in_use -= nbytes
            self._freed_since_trim += nbytes
            trim = self._in_use == 0 and self._freed_since_trim >= TRIM_AFTER
            if trim:
                self._freed_since_trim = 0
            self._cond.notify_all()
        if trim:
            _trim_heap()

    def _log_wait(self, nbytes: int, name: str) -> None:
        if self._wait_logged:
            return
        self._wait_logged = True
        log.warning(
            "Decoding %s waits for memory: it needs about %d MB and %d MB of the %d MB decode "
            "budget (decode_memory_mb) are in use. Large images take turns like this; this "
            "message is not repeated in this run (status counts the waits).",
            name or "an image",
            -(-nbytes // MB),
            -(-self._in_use // MB),
            self._limit // MB,
        )

    def log_next_wait(self) -> None:
        """Log the next wait again (an index run calls this as it starts: once a run)."""
        with self._cond:
            self._wait_logged = False

    def note_refused(self) -> None:
        """Count an image refused as larger than the whole budget (decoders call this)."""
        with self._cond:
            self.refused += 1

    def reset_peak(self) -> None:
        """Count the peak afresh from what is in flight now (for a measurement)."""
        with self._cond:
            self._peak = self._in_use

    def stats(self) -> dict:
        with self._cond:
            return {
                "budget_mb": round(self._limit / MB, 1),
                "in_use_mb": round(self._in_use / MB, 1),
                "peak_mb": round(self._peak / MB, 1),
                "waiting": len(self._queue),
                "waits": self.waits,
                "refused": self.refused,
            }


_shared: DecodeBudget | None = None
_shared_lock = threading.Lock()


def shared_budget() -> DecodeBudget:
    """This process's budget; sized automatically until `configure` says otherwise."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                _shared = DecodeBudget(auto_budget_mb() * MB)
    return _shared


def configure(decode_memory_mb: int) -> DecodeBudget:
    """Size this process's budget (0: automatic); what is in flight keeps its reservations."""
    budget = shared_budget()
    budget.set_limit((decode_memory_mb or auto_budget_mb()) * MB)
    return budget


M_ARENA_MAX = -8  # glibc's mallopt parameter


def _load_libc():
    """glibc, when this is glibc (malloc_trim and mallopt); else None."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if libc is None or not hasattr(libc, "malloc_trim") or not hasattr(libc, "mallopt"):
        return None
    return libc


_libc = _load_libc()
if _libc is not None:  # before the decode threads start: they share one heap (see above)
    _libc.mallopt(M_ARENA_MAX, 1)


def _trim_heap() -> None:
    """Return the freed C heap to the system (glibc's malloc_trim; elsewhere nothing)."""
    if _libc is not None:
        _libc.malloc_trim(0)
