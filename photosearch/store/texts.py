"""The text recognised in photos, as the store keeps it: PhotoText to rows and back, and the
conditions of a search for written words on SQLite (FTS5, trigram) or PostgreSQL (pg_trgm)."""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, and_, column, literal_column, select, table, true

from ..text import fold
from .records import PhotoText, TextLine
from .schema import PhotoTextRow

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
