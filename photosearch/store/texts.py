"""Texts: what the text recogniser read in each content (keyed by content hash, so moved and
copied photos share it), the photos still to read, and searches for written words on SQLite
(FTS5, trigram) or PostgreSQL (pg_trgm)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import (
    ColumnElement,
    and_,
    column,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    table,
    true,
    union_all,
)

from ..text import fold
from .concern import Concern, chunks, content_failures, now
from .contents import contents_below, in_use, not_read, photos_only
from .filters import conditions
from .records import Failure, Filters, PhotoText, TextLine
from .schema import PhotoRow, PhotoTextRow, VideoFrameRow

# Substrings of fewer characters are not in the trigram index: they are matched by scanning.
TRIGRAM = 3
_FULL_TEXT = table("photo_text_fts", column("rowid"))


def text_values(text: PhotoText, read_at) -> dict:
    """The row of a PhotoText."""
    joined = " ".join(line.text for line in text.lines)
    return {
        "content_hash": text.content_hash,
        "ocr_version": text.ocr_version,
        "lines": json.dumps(
            [
                [line.text, line.confidence, [list(point) for point in line.box]]
                for line in text.lines
            ],
            ensure_ascii=False,
        ),
        "text": "\n".join(line.text for line in text.lines),
        "search_text": fold(joined),
        "width": text.width,
        "height": text.height,
        "failure_kind": text.failure_kind,
        "failure_message": (text.failure_message or "")[:2000] or None,
        "read_at": read_at,
    }


def photo_text(row: PhotoTextRow) -> PhotoText:
    lines = tuple(
        TextLine(text, confidence, tuple((x, y) for x, y in box))
        for text, confidence, box in json.loads(row.lines)
    )
    return PhotoText(
        row.content_hash,
        row.ocr_version,
        lines,
        row.width,
        row.height,
        row.failure_kind,
        row.failure_message,
    )


def containing(needles: list[str], dialect: str) -> ColumnElement[bool]:
    """Rows whose folded text holds every needle (folded words or phrases) as a substring.
    On SQLite, needles of three characters or more go through the FTS5 trigram index; on
    PostgreSQL, LIKE patterns use the pg_trgm index."""
    conditions = []
    indexed = [needle for needle in needles if len(needle) >= TRIGRAM]
    if dialect == "sqlite" and indexed:
        expression = " AND ".join('"' + needle.replace('"', '""') + '"' for needle in indexed)
        found = select(_FULL_TEXT.c.rowid).where(
            literal_column("photo_text_fts").op("MATCH")(expression)
        )
        conditions.append(PhotoTextRow.id.in_(found))
        needles = [needle for needle in needles if len(needle) < TRIGRAM]
    for needle in needles:
        pattern = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(PhotoTextRow.search_text.like(f"%{pattern}%", escape="\\"))
    return and_(true(), *conditions)


class Texts(Concern):
    def unread_texts(self, roots: Iterable[str], version: str | None) -> list[tuple[str, str]]:
        """(content key, a path with it) of the photos below roots, and of the scenes of the
        videos below them, with no recognised text yet; with `version`, none read by that
        recogniser version (those whose reading failed count as none)."""
        unread = not_read(PhotoTextRow, PhotoTextRow.ocr_version, version)
        with self.reading() as session:
            return contents_below(session, roots, unread)

    def texts(self, hashes: Iterable[str]) -> dict[str, PhotoText]:
        """The recognised text of these contents, those that have some."""
        found = {}
        with self.reading() as session:
            for chunk in chunks(set(hashes)):
                query = select(PhotoTextRow).where(PhotoTextRow.content_hash.in_(chunk))
                found.update({row.content_hash: photo_text(row) for row in session.scalars(query)})
        return found

    def text_matches(self, needles: list[str], filters: Filters) -> list[tuple[int, str, int]]:
        """(item id, folded text, frame) of the items that meet the filters and whose
        recognised text holds every needle (folded words or phrases): a photo's text (frame
        0), and the text of each scene of a video that holds them (that scene's number)."""
        # The texts that hold the needles first, then their photos by content hash: joined
        # the other way round, SQLite walked every photo (14 ms at 100k, against 1 ms).
        holding = select(PhotoTextRow.content_hash).where(containing(needles, self.dialect))
        photos = (
            select(PhotoRow.id.label("item"), PhotoTextRow.search_text, literal(0).label("frame"))
            .join(PhotoTextRow, PhotoTextRow.content_hash == PhotoRow.content_hash)
            .where(PhotoRow.content_hash.in_(holding), *conditions(filters))
        )
        scenes = (
            select(PhotoRow.id, PhotoTextRow.search_text, VideoFrameRow.number)
            .join(VideoFrameRow, VideoFrameRow.photo_id == PhotoRow.id)
            .join(PhotoTextRow, PhotoTextRow.content_hash == VideoFrameRow.content_key)
            .where(VideoFrameRow.content_key.in_(holding), *conditions(filters))
        )
        query = union_all(photos, scenes).order_by("item", "frame")
        with self.reading() as session:
            return [tuple(row) for row in session.execute(query)]

    def text_failures(self, limit: int | None = None) -> list[Failure]:
        """Photos whose text could not be read (each keeps its vector), kind `text:<why>`."""
        with self.reading() as session:
            return content_failures(session, PhotoTextRow, "read_at", "text", limit)

    def text_counts(self) -> dict[str, int]:
        """Photos whose content has been read (its failures too), has recognised lines, whose
        reading failed, and not read yet (videos aside: their scenes are read instead)."""
        rows = select(PhotoTextRow.id).where(PhotoTextRow.content_hash == PhotoRow.content_hash)
        count = select(func.count()).select_from(PhotoRow).where(photos_only())
        with self.reading() as session:
            return {
                "text_read": session.scalar(count.where(rows.exists())),
                "with_text": session.scalar(
                    count.where(rows.where(PhotoTextRow.text != "").exists())
                ),
                "text_failed": session.scalar(
                    count.where(rows.where(PhotoTextRow.failure_kind.is_not(None)).exists())
                ),
                "text_unread": session.scalar(count.where(~rows.exists())),
            }

    def set_texts(self, texts: list[PhotoText]) -> None:
        """The text read in these contents, replacing what an earlier reading left."""
        texts = list({text.content_hash: text for text in texts}.values())
        if not texts:
            return
        for chunk in chunks([text.content_hash for text in texts]):
            self.session.execute(delete(PhotoTextRow).where(PhotoTextRow.content_hash.in_(chunk)))
        read_at = now()
        self.session.execute(insert(PhotoTextRow), [text_values(t, read_at) for t in texts])

    def prune_texts(self) -> int:
        """Forget the text of contents that no photo nor video scene has any more; how many."""
        unused = ~in_use(PhotoTextRow.content_hash)
        return self.session.execute(delete(PhotoTextRow).where(unused)).rowcount
