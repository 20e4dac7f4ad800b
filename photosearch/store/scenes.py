"""Scenes: a video's kept scenes as the content passes and search see them, by the key each
scene's readings are filed under (text, faces), as a photo's are under its content hash."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from .concern import Concern, chunks
from .schema import VideoFrameRow


class Scenes(Concern):
    def scene_times(self, keys: Iterable[str]) -> dict[str, float]:
        """Which of these content keys are scenes of a video, and where each is (seconds)."""
        found = {}
        query = select(VideoFrameRow.content_key, VideoFrameRow.seconds)
        with self.reading() as session:
            for chunk in chunks(set(keys)):
                rows = session.execute(query.where(VideoFrameRow.content_key.in_(chunk)))
                found.update((key, seconds) for key, seconds in rows)
        return found

    def scene_keys(self, items: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
        """(scene number, content key) of each scene of these videos, in order."""
        found: dict[int, list[tuple[int, str]]] = {}
        query = select(VideoFrameRow.photo_id, VideoFrameRow.number, VideoFrameRow.content_key)
        with self.reading() as session:
            for chunk in chunks(set(items)):
                rows = session.execute(
                    query.where(VideoFrameRow.photo_id.in_(chunk)).order_by(
                        VideoFrameRow.photo_id, VideoFrameRow.number
                    )
                )
                for item, number, key in rows:
                    found.setdefault(item, []).append((number, key))
        return found
