"""SQLAlchemy tables. The database (SQLite or PostgreSQL) is the source of truth; FAISS files
are rebuilt from `embeddings`."""

from __future__ import annotations

import importlib
import os
import pkgutil
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..metadata import Place


class FsPath(TypeDecorator):
    """A filesystem path stored as its raw bytes: names that are not valid UTF-8 survive intact,
    and byte order keeps every folder's files in one contiguous index range."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else os.fsencode(value)

    def process_result_value(self, value, dialect):
        return None if value is None else os.fsdecode(value)


class Base(DeclarativeBase):
    pass


def every_table() -> MetaData:
    """Base's tables, those of every concern included: a concern declares its rows on Base in
    its own module, so every module of the store is imported first. What migrations are
    written from (`alembic revision --autogenerate`) and checked against."""
    package = __name__.rpartition(".")[0]
    for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
        importlib.import_module(f"{package}.{module.name}")
    return Base.metadata


class ModelRow(Base):
    __tablename__ = "models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    arch: Mapped[str] = mapped_column(String(100))
    tag: Mapped[str | None] = mapped_column(String(100))
    checkpoint_sha256: Mapped[str | None] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    # Bumped by every change to this model's vectors: a FAISS file of another version is stale.
    vectors_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The model as the user named it (a preset, ARCH:TAG, ARCH:/absolute/path) and when an
    # index run last used it: commands with no model configured use the latest one.
    name: Mapped[str | None] = mapped_column(String(4000))
    indexed_at: Mapped[datetime | None] = mapped_column(DateTime)


class PhotoRow(Base):
    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(FsPath, unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str | None] = mapped_column(String(16), index=True)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    camera_make: Mapped[str | None] = mapped_column(String(100))
    camera_model: Mapped[str | None] = mapped_column(String(100))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    indexed_at: Mapped[datetime] = mapped_column(DateTime)
    # The populated place nearest the GPS position (GeoNames), looked up from the stored
    # coordinates with the gazetteer version in place_version; NULL there: not looked up yet.
    place_city: Mapped[str | None] = mapped_column(String(200))
    place_region: Mapped[str | None] = mapped_column(String(200))
    place_country: Mapped[str | None] = mapped_column(String(100))
    place_country_code: Mapped[str | None] = mapped_column(String(2))
    place_version: Mapped[int | None] = mapped_column(Integer)
    # "photo" or "video": a video is an item of many frames (video_frames), a photo of one.
    media: Mapped[str] = mapped_column(
        String(8), default="photo", server_default="photo", index=True
    )
    duration: Mapped[float | None] = mapped_column(Float)  # a video's, in seconds

    # A place filter (country; region in it; city in that) and the date and hemisphere of a
    # query's "summer 2017" answered from the index alone: 0.7 ms, not 5, at 100k photos.
    __table_args__ = (
        Index(
            "ix_photos_place",
            "place_country_code",
            "place_region",
            "place_city",
            "taken_at",
            "latitude",
        ),  # fmt: skip
    )


PLACE_FIELDS = ("place_city", "place_region", "place_country", "place_country_code")


def place_columns(place: tuple[Place | None, int] | None) -> dict:
    """A photo row's place columns for a named place and the gazetteer version that named it;
    without one, not looked up yet (NULL version)."""
    named, version = place if place is not None else (None, None)
    values = {name: getattr(named, name.removeprefix("place_"), None) for name in PLACE_FIELDS}
    return {**values, "place_version": version}


class EmbeddingRow(Base):
    __tablename__ = "embeddings"

    photo_id: Mapped[int] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True
    )
    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # 0 for a photo; a video's frames by number (video_frames): frame_ids makes FAISS ids of them
    frame: Mapped[int] = mapped_column(Integer, primary_key=True, default=0, server_default="0")
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, L2-normalised, dim of the model


class VideoFrameRow(Base):
    """A scene of a video kept for search: where it is in the video, and the key the content
    passes file what they read in it under (as a photo's content hash)."""

    __tablename__ = "video_frames"

    photo_id: Mapped[int] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seconds: Mapped[float] = mapped_column(Float)
    content_key: Mapped[str] = mapped_column(String(64), index=True)


class PhotoTextRow(Base):
    """The text read in a photo's content: keyed by content hash, so moved and copied photos
    share it, and by the recogniser that read it, so a new one re-reads only when asked. A
    photo whose text could not be read has a row with the failure and no lines."""

    __tablename__ = "photo_texts"

    # An integer key: SQLite's full-text table (photo_text_fts, trigram) refers to rows by it.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    ocr_version: Mapped[str] = mapped_column(String(200))
    # JSON: [[text, confidence, [[x, y] x 4]], ...], boxes in pixels of the upright photo
    lines: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)  # the lines joined, "" when none
    search_text: Mapped[str] = mapped_column(Text)  # text.fold of it: what searches match
    width: Mapped[int | None] = mapped_column(Integer)  # the size the boxes refer to
    height: Mapped[int | None] = mapped_column(Integer)
    failure_kind: Mapped[str | None] = mapped_column(String(32))
    failure_message: Mapped[str | None] = mapped_column(Text)
    read_at: Mapped[datetime] = mapped_column(DateTime)


class FaceScanRow(Base):
    """One content looked at by one face model (its `version`): how many faces it found, or
    why it could not look. Keyed like the faces, so moved and copied photos share it."""

    __tablename__ = "face_scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str] = mapped_column(String(200))
    faces: Mapped[int] = mapped_column(Integer)
    failure_kind: Mapped[str | None] = mapped_column(String(32))
    failure_message: Mapped[str | None] = mapped_column(Text)
    scanned_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("content_hash", "model_version"),)


class PersonRow(Base):
    """A person: faces grouped together, named by the user or not yet. Hidden people are kept
    (with their faces and names) but not listed."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class FaceRow(Base):
    """A face found in a content by a face model: where it is (fractions of the upright
    photo's width and height), its descriptor, and the person it belongs to, with who said so:
    `auto` (the grouping, which may change it) or `user` (which nothing but the user changes)."""

    __tablename__ = "faces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    model_version: Mapped[str] = mapped_column(String(200))
    number: Mapped[int] = mapped_column(Integer)  # in its photo, from 0, best first
    left: Mapped[float] = mapped_column(Float)
    top: Mapped[float] = mapped_column(Float)
    width: Mapped[float] = mapped_column(Float)
    height: Mapped[float] = mapped_column(Float)
    landmarks: Mapped[str] = mapped_column(Text)  # JSON: [[x, y] x 5], fractions likewise
    score: Mapped[float] = mapped_column(Float)
    descriptor: Mapped[bytes] = mapped_column(LargeBinary)  # float32, unit length
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    assigned_by: Mapped[str | None] = mapped_column(String(8))  # "auto", "user"; None: nobody

    # A person's photos read from the index alone: 11 ms, not 24, for one of 100 people at
    # 100k photos with 200k faces (SQLite).
    __table_args__ = (
        UniqueConstraint("content_hash", "model_version", "number"),
        Index("ix_faces_person", "person_id", "content_hash"),
    )


class FaceRejectionRow(Base):
    """The user's "not this person": the face never goes back to that person."""

    __tablename__ = "face_rejections"

    face_id: Mapped[int] = mapped_column(
        ForeignKey("faces.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class FailureRow(Base):
    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(FsPath, unique=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(DateTime)


class VectorChangeRow(Base):
    """Which photos' vectors a version of a model changed: a machine whose FAISS file is a few
    versions behind applies these instead of rebuilding. Old versions are pruned."""

    __tablename__ = "vector_changes"

    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    photo_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # may since be deleted


class WriterHolderRow(Base):
    """Who holds a PostgreSQL library's writer lock, for the message of a refused writer; the
    row counts only while the session `backend_pid` still holds the lock."""

    __tablename__ = "writer_holders"

    backend_pid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    command: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime] = mapped_column(DateTime)
