"""What the content passes read, as the concerns that keep their readings (texts, faces) see it:
a photo's content hash, and the key of each kept scene of a video (video_frames.content_key).
A video's own content hash is no content of theirs: its pixels are its scenes'. Shared here so
that every such concern lists, keeps and forgets the same contents."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from .filters import at_or_below
from .schema import PhotoRow, VideoFrameRow

# Given the column that holds a content's key, whether that content is still to read.
Unread = Callable[[ColumnElement], ColumnElement[bool]]


def contents_below(session: Session, roots: Iterable[str], unread: Unread) -> list[tuple[str, str]]:
    """(content key, a path with it) of the photos below roots and of the scenes of the videos
    below them that `unread` holds for; a scene's path is its video's. In the order of their
    paths, a video's scenes in theirs."""
    photos = select(PhotoRow.content_hash, PhotoRow.path).where(
        photos_only(), unread(PhotoRow.content_hash)
    )
    scenes = (
        select(VideoFrameRow.content_key, PhotoRow.path)
        .join(PhotoRow, PhotoRow.id == VideoFrameRow.photo_id)
        .where(unread(VideoFrameRow.content_key))
        .order_by(VideoFrameRow.photo_id, VideoFrameRow.number)
    )
    found: dict[str, str] = {}
    for root in roots:
        for query in (photos, scenes):
            for key, path in session.execute(query.where(at_or_below(PhotoRow.path, root))):
                found[key] = min(path, found.get(key, path))
    return sorted(found.items(), key=lambda item: os.fsencode(item[1]))


def not_read(row: type, version_column, version: str | None) -> Unread:
    """Contents with no reading in `row` (a concern's table of readings by content key, with
    failure_kind); with `version` (of `version_column`), none by that version that did not
    fail."""

    def unread(key: ColumnElement) -> ColumnElement[bool]:
        read = select(row.id).where(row.content_hash == key)
        if version is not None:
            read = read.where(version_column == version, row.failure_kind.is_(None))
        return ~read.exists()

    return unread


def in_use(key: ColumnElement) -> ColumnElement[bool]:
    """Whether a photo has this content, or a video this scene: its readings are kept."""
    return or_(
        select(PhotoRow.id).where(PhotoRow.content_hash == key).exists(),
        select(VideoFrameRow.photo_id).where(VideoFrameRow.content_key == key).exists(),
    )


def photos_only() -> ColumnElement[bool]:
    """The photos rows that are a content of their own (not a video)."""
    return PhotoRow.media != "video"
