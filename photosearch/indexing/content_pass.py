"""A content pass: something read in every photo once it has its vector (the text written in it,
the faces in it), once per content. Its readings are stored by content hash and the version of
its model, so moved and copied photos share them and a new model reads again only when asked.

A pass says what it needs (`side_for`: the shortest side of the decoded photo it reads, told for
each photo from its header, or FILE_BYTES: the file's bytes, for a pass that decodes in a way of
its own; `memory`: what its model takes beside the photo), what it stores (its storage methods,
over the store's tables) and how it fails (PassError, recorded per content and listed by
`errors`; the photo and its vector are never touched). The indexer and both stages run the
enabled passes (passes.py) without knowing any of them, one read and at most one decode of each
photo for all of them (shared_decode.py), and at most one more at full size for those that need
all its pixels."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .problem import Problem
from .summary import CountNames, PassCounts

if TYPE_CHECKING:
    from collections.abc import Callable

    from PIL import Image

    from ..config import Config
    from ..imaging.decoder import Header
    from ..imaging.photo_file import Source
    from ..store import Failure, Store, Writer

FILE_BYTES = 0  # a pass's `side` when it wants the file's bytes, not a decoded photo
WHOLE = 1 << 30  # a side no photo reaches: the whole photo (as the decode budget allows)


class PassError(Exception):
    """A content that a pass could not read; `kind` says why, in a word (`errors` shows it)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class Content:
    """One photo as a pass reads it."""

    path: str
    # The file's bytes, held in the decode budget; its path (a str) when it is too large to
    # hold: decode() takes either, and a pass that reads the bytes itself opens it with
    # imaging.photo_file.open_source.
    data: Source
    # Upright RGB, its shortest side at least the pass's `side_for` (less where the decode
    # budget or the photo's own size says so); None for a FILE_BYTES pass.
    image: Image.Image | None = None
    # The upright photo's full width and height, whatever size `image` is.
    size: tuple[int, int] = (0, 0)
    # The photo at full resolution, decoded on the first call, once for every pass that calls
    # it; None when `image` is that already. What it raises is imaging.decoded.DecodeError.
    whole: Callable[[], Image.Image] | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a pass read in one content, for its storage: a reading, or why there is none."""

    content_hash: str
    reading: Any = None
    problem: Problem | None = None


class PassReader(Protocol):
    """A pass opened in a worker process, its model loaded: called from `at_once` threads."""

    at_once: int  # photos it reads well at once on this machine

    def __call__(self, content: Content) -> Any: ...


class ContentPass(ABC):
    """A pass, told by its attributes and methods; passes.register makes it run."""

    name: str  # "text": its status row and summary counts, its failures' prefix, --reread-NAME
    version: str  # of its model: stored with each reading; older ones are read again when asked
    side: int = FILE_BYTES  # the shortest side it needs the decoded photo at
    setting: str = ""  # the Config flag that turns it on and off (--SETTING/--no-SETTING)
    setting_help: str = ""
    reread_help: str = ""
    label: str = ""  # its progress bar's
    doing: str = ""  # what it does to a photo, for messages: "reading its text"
    purpose: str = ""  # what it does, as `index` says what is next: "reads the text in photos"
    runtime: str = ""  # what it runs on, as a Ray worker that runs it says
    batch: int = 16  # contents whose readings are committed together
    unexpected: str = "error"  # the failure kind of an exception it did not foresee
    counted: CountNames  # the names of its counts in the run summary

    def enabled(self, config: Config) -> bool:
        return not self.setting or bool(getattr(config, self.setting))

    def side_for(self, header: Header | None) -> int:
        """The shortest side this pass reads the photo at (WHOLE: all of it), from its header
        (None when it cannot be read); the photo is decoded once, at the largest that the
        passes reading it ask for."""
        return self.side

    def memory(self, size: tuple[int, int]) -> int:
        """Bytes its model takes, beside the photo, to read a decoded copy of this size: held
        in the decode budget with the decode, before it, so that a photo waits for its whole
        reading's memory rather than hold its pixels while it waits."""
        return 0

    def counts(self) -> PassCounts:
        return PassCounts(self.counted)

    @abstractmethod
    def open(self, config: Config) -> PassReader:
        """The pass ready to read in this process (a stage's worker), its model loaded now:
        before the photos' threads start, on one thread."""

    @abstractmethod
    def pending(self, store: Store, roots: list[str], reread: bool) -> list[tuple[str, str]]:
        """(content hash, a path with it) of the photos below roots that this pass has not
        read; with reread, also those an older version read or failed to read."""

    @abstractmethod
    def forget_unused(self, writer: Writer) -> None:
        """Drop the readings of contents that no photo has any more."""

    @abstractmethod
    def record(self, writer: Writer, outcomes: list[Outcome]) -> None:
        """Store these readings and failures, replacing what earlier ones left."""

    @abstractmethod
    def found(self, reading: Any) -> bool:
        """Whether a reading holds something (the summary counts those)."""

    @abstractmethod
    def failures(self, store: Store, limit: int | None) -> list[Failure]:
        """The photos this pass could not read, for `errors`."""

    @abstractmethod
    def status(self, store: Store, config: Config) -> dict:
        """Its counts and state, for `status` and the API."""

    @abstractmethod
    def status_line(self, status: dict) -> str:
        """Its `status` row, from what `status` gave."""

    @abstractmethod
    def summary_line(self, counts: PassCounts) -> str:
        """What `index` prints of its run."""
