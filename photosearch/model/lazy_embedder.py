"""An embedder loaded on first use. Light on purpose (no torch): an index run that needs no
model imports none of it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .embedder import Embedder


class LazyEmbedder:
    """Stands for an Embedder that is loaded on first use, from any thread: an index run that
    only finds unchanged, moved, copied or deleted files never loads the model."""

    def __init__(self, load: Callable[[], Embedder]):
        self._load = load
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def is_loaded(self) -> bool:
        return self._embedder is not None

    def get(self) -> Embedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = self._load()
        return self._embedder

    def __getattr__(self, name: str):
        return getattr(self.get(), name)
