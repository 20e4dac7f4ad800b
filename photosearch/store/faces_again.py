"""A photo's faces found again, by the same face model or by a new one (`face_model` changed and
`index --reread-faces`), keep what was said of the faces found there before: each new face
matched to an earlier face at the same place takes its person (and with it the person's name,
hidden state and merges), who put it there (the grouping or the user) and the user's "not this
person". Once a new face model has looked at a photo, the older models' faces of it carry
nothing more and are forgotten: a photo has one face model's faces, so a person's faces are
counted once and the grouping compares descriptors of one model only.

Same place: the intersection of the two boxes is at least SAME_PLACE of the smaller box, and
the smaller box at least 1/SIZES of the larger; pairs are matched best intersection over union
first, each face once. Not intersection over union alone: two models draw a face's box
differently (dlib's tight from brows to chin, SCRFD's WIDER FACE boxes taking in the
forehead), so one face's two boxes lie one inside the other and their union can be twice the
smaller, while two faces of one photo hardly overlap at all. Measured with dlib at two
settings (two versions: side 640, and side 1280 with one upsample) on the suite's 15 real faces:
intersection over union 0.77-0.85, over the smaller box 0.94-1.0, areas within 0.8-1.15 of
each other, every face matched."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select

from .concern import chunks
from .schema import FaceRejectionRow, FaceRow, FaceScanRow

SAME_PLACE = 0.5
SIZES = 4

Box = tuple[float, float, float, float]  # left, top, width, height


@dataclass
class Earlier:
    """A face found before, with what was said of it."""

    box: Box
    person_id: int | None
    assigned_by: str | None
    rejected: list[int] = field(default_factory=list)


def overlap(one: Box, other: Box) -> tuple[float, float]:
    """(intersection over union, intersection over the smaller box) of two boxes."""
    width = min(one[0] + one[2], other[0] + other[2]) - max(one[0], other[0])
    height = min(one[1] + one[3], other[1] + other[3]) - max(one[1], other[1])
    if width <= 0 or height <= 0:
        return 0.0, 0.0
    shared, areas = width * height, (one[2] * one[3], other[2] * other[3])
    return shared / (sum(areas) - shared), shared / min(areas)


def matched(new: list[Box], earlier: list[Box]) -> dict[int, int]:
    """Each new box's earlier box at the same place, by their places in the lists."""
    pairs = []
    for at, box in enumerate(new):
        for was, old in enumerate(earlier):
            union, inside = overlap(box, old)
            areas = sorted((box[2] * box[3], old[2] * old[3]))
            if inside >= SAME_PLACE and areas[1] <= SIZES * areas[0]:
                pairs.append((union, at, was))
    found: dict[int, int] = {}
    taken = set()
    for _, at, was in sorted(pairs, reverse=True):
        if at not in found and was not in taken:
            found[at] = was
            taken.add(was)
    return found


def earlier_faces(session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[Earlier]]:
    """For each (content, face model version) about to be stored, the faces to carry from:
    those that model found there before, else those of the model that looked there last,
    when any of them has a person or a rejection."""
    contents = list({content for content, _ in keys})
    faces: dict[str, dict[str, list[tuple[int, Earlier]]]] = {}
    for chunk in chunks(contents):
        query = select(FaceRow).where(FaceRow.content_hash.in_(chunk)).order_by(FaceRow.number)
        for face in session.scalars(query):
            box = (face.left, face.top, face.width, face.height)
            found = faces.setdefault(face.content_hash, {}).setdefault(face.model_version, [])
            found.append((face.id, Earlier(box, face.person_id, face.assigned_by)))
    rejected = _rejections(
        session, [id_ for by in faces.values() for f in by.values() for id_, _ in f]
    )
    latest = _latest_scans(session, contents)
    carried: dict[tuple[str, str], list[Earlier]] = {}
    for content, version in keys:
        versions = faces.get(content, {})
        source = versions.get(version) or versions.get(latest.get(content), [])
        for face_id, face in source:
            face.rejected = rejected.get(face_id, [])
        if any(face.person_id is not None or face.rejected for _, face in source):
            carried[(content, version)] = [face for _, face in source]
    return carried


def forget_replaced(session, keys: list[tuple[str, str]]) -> None:
    """Forget the faces and scans other face models left in these contents, which the new
    model has looked at (their people and corrections carried over by then)."""
    by_version: dict[str, list[str]] = {}
    for content, version in keys:
        by_version.setdefault(version, []).append(content)
    for version, contents in by_version.items():
        for chunk in chunks(contents):
            older = (FaceRow.content_hash.in_(chunk), FaceRow.model_version != version)
            ids = select(FaceRow.id).where(*older)
            session.execute(delete(FaceRejectionRow).where(FaceRejectionRow.face_id.in_(ids)))
            session.execute(delete(FaceRow).where(*older))
            session.execute(
                delete(FaceScanRow).where(
                    FaceScanRow.content_hash.in_(chunk), FaceScanRow.model_version != version
                )
            )


def _latest_scans(session, contents: list[str]) -> dict[str, str]:
    """The face model version that looked at each content last and found faces."""
    latest: dict[str, str] = {}
    for chunk in chunks(contents):
        query = (
            select(FaceScanRow.content_hash, FaceScanRow.model_version)
            .where(FaceScanRow.content_hash.in_(chunk), FaceScanRow.faces > 0)
            .order_by(FaceScanRow.scanned_at, FaceScanRow.id)
        )
        latest.update(dict(session.execute(query).all()))
    return latest


def _rejections(session, face_ids: list[int]) -> dict[int, list[int]]:
    """The people each of these faces was said not to be."""
    found: dict[int, list[int]] = {}
    for chunk in chunks(face_ids):
        query = select(FaceRejectionRow.face_id, FaceRejectionRow.person_id).where(
            FaceRejectionRow.face_id.in_(chunk)
        )
        for face_id, person_id in session.execute(query):
            found.setdefault(face_id, []).append(person_id)
    return found
