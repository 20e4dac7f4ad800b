"""What the grouping reads of the store beside the descriptors, in one query: every face one
face model found, with its content (its photo: copies share it), its detector score and its
person."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from photosearch.store.concern import Concern
from photosearch.store.people import USER
from photosearch.store.schema import FaceRow

from .grouping import NO_PERSON


class StoredFaces(Concern):
    def facts(self, version: str) -> dict[str, np.ndarray]:
        """By face id: `ids`, `contents` (a number for each content hash), `scores`, `people`
        (NO_PERSON for none) and `by_user` (the user put it there)."""
        query = (
            select(
                FaceRow.id,
                FaceRow.content_hash,
                FaceRow.score,
                FaceRow.person_id,
                FaceRow.assigned_by,
            )
            .where(FaceRow.model_version == version)
            .order_by(FaceRow.id)
        )
        with self.reading() as session:
            rows = session.execute(query).all()
        ids, contents, scores, people, by = zip(*rows, strict=True) if rows else ([],) * 5
        return {
            "ids": np.array(ids, "int64"),
            "contents": np.unique(np.array(contents, str), return_inverse=True)[1].astype("int64"),
            "scores": np.array(scores, "float32"),
            "people": np.array([NO_PERSON if p is None else p for p in people], "int64"),
            "by_user": np.array([who == USER for who in by], bool),
        }
