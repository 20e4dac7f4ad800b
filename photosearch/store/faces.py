"""Faces: what each face model found in each content (keyed by content hash and the model's
version, so moved and copied photos share it and a new model looks again only when asked),
the contents still to look at, the failures, and forgetting faces no photo has any more."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

import numpy as np
from sqlalchemy import Row, delete, func, insert, select, tuple_

from .concern import Concern, chunks, content_failures, now
from .contents import contents_below, in_use, not_read, photos_only
from .faces_again import earlier_faces, forget_replaced, matched
from .records import DetectedFace, FaceScan, Failure, PhotoFace
from .schema import FaceRejectionRow, FaceRow, FaceScanRow, PersonRow, PhotoRow


def face_values(content_hash: str, version: str, number: int, face: DetectedFace) -> dict:
    left, top, width, height = (float(value) for value in face.box)
    return {
        "content_hash": content_hash,
        "model_version": version,
        "number": number,
        "left": left,
        "top": top,
        "width": width,
        "height": height,
        "landmarks": json.dumps([[float(x), float(y)] for x, y in face.landmarks]),
        "score": float(face.score),
        "descriptor": np.asarray(face.descriptor, dtype=np.float32).tobytes(),
    }


class Faces(Concern):
    def unscanned(self, roots: Iterable[str], version: str | None) -> list[tuple[str, str]]:
        """(content key, a path with it) of the photos below roots, and of the scenes of the
        videos below them, that no face model has looked at; with `version`, none that model
        version looked at successfully."""
        unscanned = not_read(FaceScanRow, FaceScanRow.model_version, version)
        with self.reading() as session:
            return contents_below(session, roots, unscanned)

    def photo_faces(self, content_hash: str, version: str | None = None) -> list[PhotoFace]:
        """The faces of a content with their people: those `version` found, or, without it,
        those of the face model that looked at it last and did not fail."""
        if version is None:
            latest = (
                select(FaceScanRow.model_version)
                .where(FaceScanRow.content_hash == content_hash, FaceScanRow.failure_kind.is_(None))
                .order_by(FaceScanRow.scanned_at.desc(), FaceScanRow.id.desc())
                .limit(1)
            )
            with self.reading() as session:
                version = session.scalar(latest)
        query = (
            select(FaceRow, PersonRow.name)
            .outerjoin(PersonRow, PersonRow.id == FaceRow.person_id)
            .where(FaceRow.content_hash == content_hash, FaceRow.model_version == version)
            .order_by(FaceRow.number)
        )
        with self.reading() as session:
            return [_photo_face(face, name) for face, name in session.execute(query)]

    def descriptors(
        self, version: str, ids: Iterable[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(face ids, their descriptors: one row each) of the faces `version` found, or of
        those of `ids` among them, by id: what the grouping builds its FAISS index from. Faces
        whose descriptor is broken (`check` finds them) are left out."""
        query = (
            select(FaceRow.id, FaceRow.descriptor)
            .where(FaceRow.model_version == version)
            .order_by(FaceRow.id)
        )
        rows: list[Row] = []
        with self.reading() as session:
            if ids is None:
                rows = list(session.execute(query))
            else:
                for chunk in chunks(sorted(set(ids))):
                    rows += session.execute(query.where(FaceRow.id.in_(chunk)))
        sizes = Counter(len(row.descriptor) for row in rows)
        size = sizes.most_common(1)[0][0] if rows else 0
        rows = [row for row in rows if len(row.descriptor) == size]  # not the broken (check)
        found = np.array([row.id for row in rows], dtype=np.int64)
        joined = b"".join(row.descriptor for row in rows)
        return found, np.frombuffer(joined, dtype=np.float32).reshape(len(rows), size // 4)

    def face_failures(self, limit: int | None = None) -> list[Failure]:
        """Photos whose faces could not be looked for (each keeps its vector and text), kind
        `faces:<why>`."""
        with self.reading() as session:
            return content_failures(session, FaceScanRow, "scanned_at", "faces", limit)

    def face_counts(self) -> dict[str, int]:
        """Faces kept; photos looked at (failures too), with faces, whose look failed, and
        not looked at yet (videos aside: their scenes are looked at instead)."""
        scans = select(FaceScanRow.id).where(FaceScanRow.content_hash == PhotoRow.content_hash)
        count = select(func.count()).select_from(PhotoRow).where(photos_only())
        with self.reading() as session:
            return {
                "faces": session.scalar(select(func.count()).select_from(FaceRow)),
                "faces_scanned": session.scalar(count.where(scans.exists())),
                "with_faces": session.scalar(
                    count.where(scans.where(FaceScanRow.faces > 0).exists())
                ),
                "faces_failed": session.scalar(
                    count.where(scans.where(FaceScanRow.failure_kind.is_not(None)).exists())
                ),
                "faces_unscanned": session.scalar(count.where(~scans.exists())),
            }

    def photos_by_model(self) -> dict[str, int]:
        """How many photos each face model version has looked at (failures aside): whose
        faces, in them, are that model's."""
        query = (
            select(FaceScanRow.model_version, func.count(PhotoRow.id))
            .join(PhotoRow, PhotoRow.content_hash == FaceScanRow.content_hash)
            .where(FaceScanRow.failure_kind.is_(None))
            .group_by(FaceScanRow.model_version)
        )
        with self.reading() as session:
            return dict(session.execute(query).all())

    def faces_found_since(self, version: str, moment: datetime) -> list[int]:
        """The ids of the faces `version` found in the scans recorded at `moment` or later (an
        index run's). Not by id: SQLite gives the next face the id of a deleted last one, and
        a new face model's faces replace the older model's."""
        scanned = select(FaceScanRow.content_hash).where(
            FaceScanRow.model_version == version, FaceScanRow.scanned_at >= moment
        )
        query = select(FaceRow.id).where(
            FaceRow.model_version == version, FaceRow.content_hash.in_(scanned)
        )
        with self.reading() as session:
            return list(session.scalars(query.order_by(FaceRow.id)))

    def unused_faces(self) -> int:
        """Faces whose content no photo nor video scene has any more (forgotten at the next
        index run)."""
        unused = ~in_use(FaceRow.content_hash)
        with self.reading() as session:
            return session.scalar(select(func.count()).select_from(FaceRow).where(unused))

    def broken_faces(self) -> list[int]:
        """Faces whose descriptor is not as long as those of most faces of their face-model
        version (a write cut short, or bytes changed by hand): they cannot be compared."""
        length = func.length(FaceRow.descriptor)
        query = select(FaceRow.model_version, length, func.count()).group_by(
            FaceRow.model_version, length
        )
        usual: dict[str, tuple[int, int]] = {}
        with self.reading() as session:
            for version, size, count in session.execute(query):
                if count > usual.get(version, (0, -1))[1]:
                    usual[version] = (size, count)
            broken = []
            for version, (size, _) in usual.items():
                odd = select(FaceRow.id).where(FaceRow.model_version == version, length != size)
                broken += session.scalars(odd)
        return sorted(broken)

    def forget_faces(self, face_ids: list[int]) -> None:
        """Forget these faces, and the scans of their contents by their model version, so
        that the next index run looks at those contents again."""
        for chunk in chunks(face_ids):
            rows = select(FaceRow.content_hash, FaceRow.model_version).where(FaceRow.id.in_(chunk))
            scanned = list(self.session.execute(rows))
            if scanned:
                pairs = tuple_(FaceScanRow.content_hash, FaceScanRow.model_version)
                self.session.execute(delete(FaceScanRow).where(pairs.in_(scanned)))
            self.session.execute(
                delete(FaceRejectionRow).where(FaceRejectionRow.face_id.in_(chunk))
            )
            self.session.execute(delete(FaceRow).where(FaceRow.id.in_(chunk)))

    def set_faces(self, scans: list[FaceScan]) -> None:
        """What these scans found, replacing what an earlier scan by the same model version
        left, and, where the scan succeeded, the faces of other face models: a face found
        again at the same place keeps that face's person and rejections (faces_again)."""
        scans = list({(scan.content_hash, scan.model_version): scan for scan in scans}.values())
        if not scans:
            return
        keys = [(scan.content_hash, scan.model_version) for scan in scans]
        earlier = earlier_faces(self.session, keys)
        for chunk in chunks(keys):
            pairs = tuple_(FaceScanRow.content_hash, FaceScanRow.model_version).in_(chunk)
            self.session.execute(delete(FaceScanRow).where(pairs))
            faces = tuple_(FaceRow.content_hash, FaceRow.model_version).in_(chunk)
            self.session.execute(
                delete(FaceRejectionRow).where(
                    FaceRejectionRow.face_id.in_(select(FaceRow.id).where(faces))
                )
            )
            self.session.execute(delete(FaceRow).where(faces))
        succeeded = [scan.failure_kind is None for scan in scans]
        forget_replaced(self.session, [key for key, ok in zip(keys, succeeded, strict=True) if ok])
        scanned_at = now()
        self.session.execute(
            insert(FaceScanRow),
            [
                {
                    "content_hash": scan.content_hash,
                    "model_version": scan.model_version,
                    "faces": len(scan.faces),
                    "failure_kind": scan.failure_kind,
                    "failure_message": (scan.failure_message or "")[:2000] or None,
                    "scanned_at": scanned_at,
                }
                for scan in scans
            ],
        )
        rows, rejections = [], {}
        for scan, key in zip(scans, keys, strict=True):
            old = earlier.get(key, [])
            found = matched(
                [tuple(map(float, face.box)) for face in scan.faces], [o.box for o in old]
            )
            for number, face in enumerate(scan.faces):
                values = face_values(scan.content_hash, scan.model_version, number, face)
                if number in found:
                    was = old[found[number]]
                    values.update(person_id=was.person_id, assigned_by=was.assigned_by)
                    if was.rejected:
                        rejections[(*key, number)] = was.rejected
                rows.append(values)
        if rows:
            self.session.execute(insert(FaceRow), rows)
        self._reject_again(rejections)

    def _reject_again(self, rejections: dict[tuple[str, str, int], list[int]]) -> None:
        """The user's "not this person", said again of the faces now at those places."""
        numbered = tuple_(FaceRow.content_hash, FaceRow.model_version, FaceRow.number)
        rows = []
        for chunk in chunks(rejections):
            query = select(FaceRow.id, FaceRow.content_hash, FaceRow.model_version, FaceRow.number)
            for face_id, *key in self.session.execute(query.where(numbered.in_(chunk))):
                rows += [{"face_id": face_id, "person_id": p} for p in rejections[tuple(key)]]
        if rows:
            self.session.execute(insert(FaceRejectionRow), rows)

    def prune_faces(self) -> int:
        """Forget the faces (and scans) of contents that no photo nor video scene has any
        more; how many."""
        self.session.execute(delete(FaceScanRow).where(~in_use(FaceScanRow.content_hash)))
        unused = select(FaceRow.id).where(~in_use(FaceRow.content_hash))
        self.session.execute(delete(FaceRejectionRow).where(FaceRejectionRow.face_id.in_(unused)))
        return self.session.execute(delete(FaceRow).where(~in_use(FaceRow.content_hash))).rowcount


def _photo_face(face: FaceRow, name: str | None) -> PhotoFace:
    return PhotoFace(
        face.id,
        face.model_version,
        face.number,
        (face.left, face.top, face.width, face.height),
        tuple((x, y) for x, y in json.loads(face.landmarks)),
        face.score,
        face.person_id,
        name,
        face.assigned_by,
    )
