"""A video's kept scenes as its page lists them: where each is, and how well each matches the
search the page was opened from. Scored on the stored frame vectors against the search's own
query vector, so no second vector search runs for one video's dozen scenes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from ..store import Store


@dataclass(frozen=True)
class Scene:
    frame: int  # its number in the video (its thumbnail's)
    seconds: float  # where it is in the video
    score: float | None = None  # against the query, where there is one


def video_scenes(store: Store, model_id: int, photo_id: int, query: np.ndarray | None) -> list:
    """The scenes of a video in order, scored against `query` (a unit vector) when given; []
    for a photo or a video without vectors for the model."""
    frames = store.frames(photo_id, model_id)
    if frames is None or not frames.video:
        return []
    scores = np.atleast_2d(frames.vectors) @ query if query is not None else None
    return [
        Scene(number, seconds, None if scores is None else round(float(scores[number]), 4))
        for number, seconds in enumerate(frames.seconds)
    ]


def query_vector(library, text: str | None, like: int | None, frame: int = 0):
    """The vector a search by `text` (read as `search` reads it: its places, dates and people
    are filters, not words to see) or by the item `like` (scene `frame` of a video) searched
    with; None without one, or for a text that is all filters."""
    from ..search.interpret import interpret
    from ..search.terms import parse

    searcher = library.searcher
    if text:
        reading = interpret(
            parse(text).without_phrases(),
            places=library.known_places(),
            today=date.today(),
            people=library.known_people(),
        )
        return searcher.query_vector(reading.rest) if reading.text else None
    if like is not None and library.photo(like) is not None:
        return searcher.photo_vector(str(like), frame)
    return None
