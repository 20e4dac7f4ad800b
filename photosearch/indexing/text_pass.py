"""The second pass of an index run: the words written in photos. It runs after every photo has
its vector, so a library is searchable by picture first, and reads each content once: moved
and copied photos share what was read, and a new recogniser re-reads only when asked."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from ..ocr.reader import MODEL_VERSION
from ..progress import Progress
from ..store import PhotoText, Store, TextLine
from .stage import Stage, TextJob, TextResult
from .summary import IndexSummary

log = logging.getLogger(__name__)


def read_texts(
    store: Store,
    stage: Stage,
    targets: Iterable[str],
    summary: IndexSummary,
    progress: Progress,
    reread: bool = False,
) -> None:
    """Read the text of every photo below targets whose content has none yet (with reread,
    none read by this recogniser, or whose reading failed); each batch committed as it comes,
    so a stopped run goes on from there. Text that no photo has any more is forgotten first."""
    started = time.perf_counter()
    with store.writer() as writer:
        writer.prune_texts()
    unread = store.unread_texts(list(targets), MODEL_VERSION if reread else None)
    if not unread:
        return
    jobs = [TextJob(number, path, digest) for number, (digest, path) in enumerate(unread)]
    progress.start(len(jobs), "Reading text")
    for results in stage.read_texts(jobs):
        texts = [_recorded(jobs[result.number], result) for result in results]
        with store.writer() as writer:
            writer.set_texts([text for text in texts if text is not None])
        for text in texts:
            if text is not None:
                summary.texts_read += 1
                summary.with_text += bool(text.lines)
                summary.text_failed += text.failure_kind is not None
        progress.advance(len(results))
    progress.close()
    summary.text_seconds = time.perf_counter() - started


def _recorded(job: TextJob, result: TextResult) -> PhotoText | None:
    """What the store keeps of a reading; None for a file that was not there to read (the
    next run sees it gone, or reads it again)."""
    if result.unreadable:
        log.info("Cannot read the text of %s: %s", job.path, result.error.message)
        return None
    if result.error is not None:
        log.info("Cannot read the text of %s: %s", job.path, result.error.message)
        return PhotoText(
            result.content_hash or job.content_hash,
            MODEL_VERSION,
            (),
            None,
            None,
            result.error.kind,
            result.error.message,
        )
    lines = tuple(TextLine(text, confidence, tuple(box)) for text, confidence, box in result.lines)
    return PhotoText(result.content_hash, MODEL_VERSION, lines, result.width, result.height)
