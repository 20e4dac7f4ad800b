"""Why a file, or a content pass's reading of it, failed: what a stage hands back, and the
store records with the file (as a store.Failure)."""

from __future__ import annotations

from typing import NamedTuple


class Problem(NamedTuple):
    kind: str  # empty, corrupt, unsupported, too_large, unreadable, timeout, vanished, ...
    message: str
