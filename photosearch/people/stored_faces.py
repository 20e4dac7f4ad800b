"""What the grouping reads of the store, in one query: every face one face model found, with
its content (its photo: copies share it), its detector score, descriptor and person."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from photosearch.store.concern import Concern
from photosearch.store.people import USER
from photosearch.store.schema import FaceRow

from .grouping import NO_PERSON, Faces


class StoredFaces(Concern):
    def for_grouping(self, version: str) -> tuple[Faces, np.ndarray, np.ndarray]:
        """The faces `version` found, by id; each one's person (NO_PERSON for none) and whether
        the user put it there."""
        query = (
            select(
                FaceRow.id,
                FaceRow.content_hash,
                FaceRow.score,
                FaceRow.descriptor,
                FaceRow.person_id,
                FaceRow.assigned_by,
            )
            .where(FaceRow.model_version == version)
            .order_by(FaceRow.id)
        )
        with self.reading() as session:
            rows = session.execute(query).all()
        contents = np.unique([row.content_hash for row in rows], return_inverse=True)[1]
        dimension = len(rows[0].descriptor) // 4 if rows else 0
        faces = Faces(
            np.array([row.id for row in rows], "int64"),
            np.frombuffer(b"".join(row.descriptor for row in rows), "float32").reshape(
                len(rows), dimension
            ),
            contents.astype("int64"),
            np.array([row.score for row in rows], "float32"),
        )
        people = np.array(
            [NO_PERSON if row.person_id is None else row.person_id for row in rows], "int64"
        )
        by_user = np.array([row.assigned_by == USER for row in rows], bool)
        return faces, people, by_user
