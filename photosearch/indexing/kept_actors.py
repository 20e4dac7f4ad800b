"""Ray actors made once and kept for every run of a stage (a `watch` makes many), so that each
loads its model once; a run's batches go to them as they free up. Ray restarts an actor whose
process or machine died and hands the new one the calls the dead one had not answered."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


class KeptActors:
    """Actors of one class as `shape` asks: (how many, calls each works on at once, on threads
    of its own, their Ray resources, and anything else they were made for). A run that needs
    another shape (a machine joined or left, other passes) closes these and makes new ones."""

    def __init__(self, ray, actor_class: type, args: tuple, shape: tuple):
        self.ray = ray
        self.shape = shape
        size, self.calls, options = shape[:3]
        remote = ray.remote(actor_class).options(
            max_restarts=-1, max_task_retries=-1, max_concurrency=self.calls, **options
        )
        self.actors = [remote.remote(*args) for _ in range(size)]

    def map(self, method: str, batches: Iterable[tuple]) -> Iterator[Any]:
        """Each batch's arguments to `method` of an actor with a call free, the answers as
        they come: at most size x calls batches are in flight, so memory stays bounded."""
        pending = iter(batches)
        busy = [0] * len(self.actors)
        waiting: dict[Any, int] = {}  # a call's answer to come, and the actor it went to

        def hand_out() -> None:
            for number, actor in enumerate(self.actors):
                while busy[number] < self.calls and (arguments := next(pending, None)):
                    waiting[getattr(actor, method).remote(*arguments)] = number
                    busy[number] += 1

        hand_out()
        while waiting:
            (done,), _ = self.ray.wait(list(waiting), num_returns=1)
            busy[waiting.pop(done)] -= 1
            hand_out()  # the freed actor's next batch first: it works while this one is used
            yield self.ray.get(done)

    def close(self) -> None:
        """End the actors (and free their memory and their machines' cores and GPUs)."""
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []
