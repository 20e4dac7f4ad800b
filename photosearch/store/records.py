"""Plain value objects the store hands out, so callers never hold ORM rows or sessions."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np


def display_path(path: str) -> str:
    """The path as printable text: undecodable bytes of a name become U+FFFD."""
    return os.fsencode(path).decode("utf-8", "replace")


@dataclass(frozen=True)
class ModelInfo:
    id: int
    key: str
    arch: str
    tag: str | None
    checkpoint_sha256: str | None
    dim: int
    vectors_version: int
    created_at: datetime
    name: str | None = None  # as the user named it, when an index run has used it
    indexed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class KnownFile:
    """What incremental indexing needs to know about an indexed file."""

    id: int
    path: str
    size: int
    mtime_ns: int
    content_hash: str
    has_vector: bool  # for the model being indexed


@dataclass(frozen=True)
class Frames:
    """An item's vectors for one model: one row for a photo; for a video, one per kept scene,
    with where each is in it (seconds), in order."""

    vectors: np.ndarray  # (frames, dim), or (dim,) for a photo's one
    seconds: tuple[float, ...] = ()  # () for a photo

    @property
    def video(self) -> bool:
        return bool(self.seconds)


@dataclass(frozen=True)
class Photo:
    id: int
    path: str
    size: int
    mtime_ns: int
    content_hash: str
    format: str | None
    width: int | None
    height: int | None
    taken_at: datetime | None
    camera_make: str | None
    camera_model: str | None
    latitude: float | None
    longitude: float | None
    indexed_at: datetime
    place_city: str | None = None
    place_region: str | None = None
    place_country: str | None = None
    media: str = "photo"
    duration: float | None = None  # a video's, in seconds

    @property
    def place(self) -> str | None:
        """ "Lisbon, Portugal": the town and country, or whichever of them is known."""
        parts = [part for part in (self.place_city, self.place_country) if part]
        return ", ".join(parts) or None

    def to_dict(self) -> dict:
        # Every field is immutable: a shallow copy is enough, and dataclasses.asdict's deep
        # one cost a search page of 40 photos some 5 ms.
        data = {field.name: getattr(self, field.name) for field in fields(self)}
        data["place"] = self.place
        data["path"] = display_path(self.path)
        for key in ("taken_at", "indexed_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass(frozen=True)
class Failure:
    path: str
    kind: str
    message: str
    size: int | None
    mtime_ns: int | None
    seen_at: datetime

    def to_dict(self) -> dict:
        data = asdict(self)
        data["path"] = display_path(self.path)
        data["seen_at"] = self.seen_at.isoformat()
        return data


Corners = tuple[tuple[float, float], ...]  # four (x, y), clockwise from the text's top left


@dataclass(frozen=True)
class TextLine:
    text: str
    confidence: float
    box: Corners


@dataclass(frozen=True)
class PhotoText:
    """What the text recogniser read in one content (every photo with those bytes)."""

    content_hash: str
    ocr_version: str
    lines: tuple[TextLine, ...]
    width: int | None  # of the upright photo the boxes are in
    height: int | None
    failure_kind: str | None = None  # the text could not be read: why
    failure_message: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_dict(self) -> dict:
        return {
            "lines": [
                {"text": line.text, "confidence": line.confidence, "box": line.box}
                for line in self.lines
            ],
            "width": self.width,
            "height": self.height,
            "ocr_version": self.ocr_version,
            "failure": (
                {"kind": self.failure_kind, "message": self.failure_message}
                if self.failure_kind
                else None
            ),
        }


Box = tuple[float, float, float, float]  # left, top, width, height: fractions of the photo


class DetectedFace(Protocol):
    """A face as a face model found it (faces.model.FoundFace): what the store keeps of it."""

    box: Box
    landmarks: tuple[tuple[float, float], ...]
    score: float
    descriptor: np.ndarray  # float32, unit length


@dataclass(frozen=True)
class FaceScan:
    """The faces one face model (`model_version`) found in one content, or why it could not."""

    content_hash: str
    model_version: str
    faces: tuple[DetectedFace, ...] = ()
    failure_kind: str | None = None
    failure_message: str | None = None


@dataclass(frozen=True)
class PhotoFace:
    """A face of a photo, with its person (None: not grouped yet) and who put it there."""

    id: int
    model_version: str
    number: int
    box: Box
    landmarks: tuple[tuple[float, float], ...]
    score: float
    person_id: int | None
    person_name: str | None
    assigned_by: str | None  # "auto", "user"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "number": self.number,
            "box": list(self.box),
            "landmarks": [list(point) for point in self.landmarks],
            "score": self.score,
            "person": self.person_id,
            "person_name": self.person_name,
            "assigned_by": self.assigned_by,
            "model_version": self.model_version,
        }


@dataclass(frozen=True)
class Person:
    """A person as listed: their faces and the photos those are in."""

    id: int
    name: str | None
    hidden: bool
    created_at: datetime
    faces: int
    photos: int

    def to_dict(self) -> dict:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data


class Period(Protocol):
    """When photos were taken, as a query says it (search.interpret.DateSpan): a range of days,
    months of any year, or both. A season is two: its months differ across the equator."""

    date_from: date | None
    date_to: date | None  # inclusive
    months: tuple[int, ...]  # 1-12, of any year


@dataclass(frozen=True)
class PlaceTerm:
    """One place a photo may be in: a country by its code; a region by its name in that
    country; a city by its name in that region, so that Lisbon, Portugal is not Lisbon, Ohio."""

    kind: str  # "city", "region" or "country"
    name: str
    country_code: str
    region: str | None = None  # a city's


@dataclass(frozen=True)
class Filters:
    """Metadata conditions a search result must meet; None means no condition."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive
    camera: str | None = None  # matches make or model, case-insensitive substring
    folder: str | None = None  # absolute path; photos anywhere below it
    formats: tuple[str, ...] = ()  # Pillow format names: JPEG, PNG, HEIF, ...
    has_location: bool | None = None
    places: tuple[PlaceTerm, ...] = ()  # in any one of them
    taken_north: Period | None = None  # photos north of the equator, or without GPS
    taken_south: Period | None = None  # photos south of it (a season's months differ there)
    # Photos with every one of these people: a person id, or the ids of several people that
    # one name stands for (a photo with any of them).
    people: tuple[int | tuple[int, ...], ...] = ()
    media: str | None = None  # "photo" or "video": only those

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) not in (None, ()) for f in fields(self))

    def asked(self) -> dict:
        """The filters as asked for, in JSON (places and dates read from a query are the
        interpretation's to show)."""
        shown = {}
        names = ("date_from", "date_to", "camera", "folder", "formats", "has_location", "media")
        for name in names:
            value = getattr(self, name)
            shown[name] = value.isoformat() if isinstance(value, date) else value
        shown["people"] = [list(each) if isinstance(each, tuple) else each for each in self.people]
        return shown
