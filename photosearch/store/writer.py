"""The Writer: one transaction of the store. Its concerns (`writer.concern(Texts)`) write in it,
and each is told before the commit (the change log bumps the versions of the models touched);
its methods are the concerns' writes under the names every caller has used."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy.orm import Session

from ..metadata import PhotoMeta, Place
from .change_log import ChangeLog
from .concern import C
from .failures import Failures
from .photos import Photos
from .places import Places
from .records import Frames, PhotoText
from .texts import Texts
from .vectors import Vectors


class Writer:
    def __init__(self, session: Session):
        self.session = session
        self._concerns: dict[type, object] = {}

    def concern(self, kind: type[C]) -> C:
        """The concern bound to this transaction: one per kind, so what it sums up from its
        writes (the change log) sees them all."""
        if kind not in self._concerns:
            self._concerns[kind] = kind(self.session.get_bind(), self)
        return self._concerns[kind]

    def finish(self) -> None:
        """Each concern's last word before the commit."""
        for concern in list(self._concerns.values()):
            concern.finish()

    # --- photos -------------------------------------------------------------------------------

    def add_photo(self, *args, **kwargs) -> int:
        """Photos.add_photo: a new photo, with its metadata and place."""
        return self.concern(Photos).add_photo(*args, **kwargs)

    def update_photo(self, photo_id: int, **changes) -> None:
        """Photos.update_photo: a photo's new stat and hash, path, metadata and place."""
        self.concern(Photos).update_photo(photo_id, **changes)

    def copy_metadata(self, source_id: int) -> PhotoMeta:
        return self.concern(Photos).copy_metadata(source_id)

    def delete_photos(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        self.concern(Vectors).drop_vectors(ids)
        self.concern(Photos).delete_photos(ids)

    def set_places(self, named: list[tuple[int, Place | None]], version: int) -> None:
        self.concern(Places).set_places(named, version)

    # --- vectors ------------------------------------------------------------------------------

    def set_vector(self, photo_id: int, model_id: int, vector: np.ndarray) -> None:
        self.concern(Vectors).set_vector(photo_id, model_id, vector)

    def set_frames(self, photo_id: int, model_id: int, frames: Frames, content_hash: str):
        """A photo's one vector, or a video's vectors of its kept scenes."""
        vectors = self.concern(Vectors)
        if frames.video:
            vectors.set_frames(photo_id, model_id, frames, content_hash)
        else:
            vectors.set_vector(photo_id, model_id, frames.vectors.reshape(-1))

    def vectors_changed(self, model_id: int, ids: Iterable[int] | None = None) -> None:
        self.concern(ChangeLog).vectors_changed(model_id, ids)

    def drop_vectors(self, photo_id: int) -> None:
        """Vectors of content that changed are wrong for every model."""
        self.concern(Vectors).drop_vectors([photo_id])

    def delete_vectors(self, pairs: Iterable[tuple[int, int]]) -> None:
        self.concern(Vectors).delete_vectors(pairs)

    # --- failures and texts -------------------------------------------------------------------

    def record_failure(
        self, path: str, size: int | None, mtime_ns: int | None, kind: str, message: str
    ) -> None:
        self.concern(Failures).record_failure(path, size, mtime_ns, kind, message)

    def clear_failures(self, paths: Iterable[str]) -> None:
        self.concern(Failures).clear_failures(paths)

    def set_texts(self, texts: list[PhotoText]) -> None:
        self.concern(Texts).set_texts(texts)

    def prune_texts(self) -> int:
        return self.concern(Texts).prune_texts()
