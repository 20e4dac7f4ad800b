"""The text pass: the words written in photos (signs, labels, pages), read by rapidocr's networks
(ocr.reader) from the decode the passes share, cheaply when a photo shows no text (reading.py),
stored by the store's texts concern for search to find."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from ....ocr.reader import MODEL_VERSION, OcrError
from ....store import PhotoText, TextLine
from ...content_pass import WHOLE, Content, ContentPass, Outcome, PassError
from ...summary import CountNames, PassCounts

if TYPE_CHECKING:
    from ....config import Config
    from ....imaging.decoder import Header
    from ....store import Failure, Store, Writer
    from .reading import PhotoReading


class TextPass(ContentPass):
    """A JPEG is detected on its reduced draft, and decoded whole only when lines were found."""

    name = "text"
    version = MODEL_VERSION
    side = WHOLE
    setting = "ocr"
    setting_help = (
        "Read the text in photos after embedding them (the `ocr` setting; on by default)."
    )
    reread_help = "Read again the text an older recogniser read, and what failed to read."
    label = "Reading text"
    doing = "reading its text"
    purpose = "reads the text in photos"
    runtime = "onnxruntime (text)"
    batch = 16  # about a second a photo on few cores: a crash loses little
    unexpected = "ocr"
    counted = CountNames(
        "texts_read", "with_text", "text_failed", "text_seconds", "texts_per_second"
    )

    def side_for(self, header: Header | None) -> int:
        from .reading import detection_side

        return detection_side(header)

    def memory(self, size: tuple[int, int]) -> int:
        from .reading import detection_memory

        return detection_memory(size)

    def open(self, config: Config) -> _Reading:
        return _Reading()

    def pending(self, store: Store, roots: list[str], reread: bool) -> list[tuple[str, str]]:
        return store.unread_texts(roots, self.version if reread else None)

    def forget_unused(self, writer: Writer) -> None:
        writer.prune_texts()

    def record(self, writer: Writer, outcomes: list[Outcome]) -> None:
        writer.set_texts([self._stored(outcome) for outcome in outcomes])

    def _stored(self, outcome: Outcome) -> PhotoText:
        if outcome.problem is not None:
            kind, message = outcome.problem
            return PhotoText(outcome.content_hash, self.version, (), None, None, kind, message)
        reading = outcome.reading
        lines = tuple(TextLine(line.text, line.confidence, line.box) for line in reading.lines)
        return PhotoText(outcome.content_hash, self.version, lines, reading.width, reading.height)

    def found(self, reading: PhotoReading) -> bool:
        return bool(reading.lines)

    def failures(self, store: Store, limit: int | None) -> list[Failure]:
        return store.text_failures(limit)

    def status(self, store: Store, config: Config) -> dict:
        return {**store.text_counts(), "ocr": self.enabled(config), "reader": self.version}

    def status_line(self, status: dict) -> str:
        read, unread = status["text_read"], status["text_unread"]
        line = f"{read:,} of {read + unread:,} photos read"
        if unread and status["ocr"]:
            line += f" ({unread:,} to go)"
        if status["text_failed"]:
            line += f", {status['text_failed']:,} unreadable (photosearch errors)"
        line += f"; {status['with_text']:,} with text"
        if not status["ocr"]:
            line += "; reading text is off (ocr = false)"
        return line

    def summary_line(self, counts: PassCounts) -> str:
        failed = f", {counts.failed} failed" if counts.failed else ""
        return (
            f"read the text of {counts.read} photos ({counts.found} with text{failed}) in "
            f"{counts.seconds:.1f} s, {counts.per_second:.1f} photos/s"
        )


class _Reading:
    """The networks loaded once for this process, a photo read on each core (reading_plan)."""

    def __init__(self):
        from ....ocr.reader import shared_reader, usable_cores
        from .reading import reading_plan

        self.at_once, threads = reading_plan(usable_cores())
        self.reader = shared_reader(threads)
        with contextlib.suppress(OcrError):  # each photo's reading says why, recorded as failed
            self.reader.load()

    def __call__(self, content: Content) -> PhotoReading:
        from . import reading  # looked up at each call: tests replace read_text

        try:
            return reading.read_text(content, self.reader)
        except OcrError as exc:
            raise PassError("ocr", str(exc)) from None
