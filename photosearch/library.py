"""The core object that the CLI (and later the web app) drives: a config, its store, and the
search model, loaded once and only when something needs it."""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config
from .errors import BadParameter
from .imaging import budget as decode_budget
from .model.loading import PRESETS, device_hint, identity_key, local_weights, parse_model
from .model.runtime import runtime_status
from .ocr.reader import MODEL_VERSION as OCR_VERSION
from .places.gazetteer import VERSION as PLACES_VERSION
from .progress import Progress
from .store import ModelInfo, Store, VectorIndex
from .store.database import redacted

if TYPE_CHECKING:  # the model's modules import torch: only the commands that use it load them
    from .indexing.stage import Stage
    from .indexing.summary import IndexSummary
    from .model.embedder import Embedder
    from .search.interpret import Interpretation
    from .search.known_places import FoundPlace, KnownPlaces
    from .search.request import SearchRequest
    from .search.searcher import Searcher, SearchHit
    from .store import Filters


@dataclass
class SearchResult:
    """A search's answer, and how it was understood: the one shape the CLI and web render."""

    hits: list[SearchHit]
    interpretation: Interpretation | None  # of a text query: its places and dates
    place: FoundPlace | None  # the place filter, asked for or read from the query
    filters: Filters  # every filter applied, the ones read from the query included
    min_score: float | None
    sort: str
    written: tuple[str, ...] = ()  # phrases to be found written in the photos, as typed


class PhotoLibrary:
    def __init__(self, config: Config, embedder: Embedder | None = None):
        self.config = config
        decode_budget.configure(config.decode_memory_mb)  # one per process: the last one set
        self.model_reason = (
            f"set by {config.model_source}" if config.model_source else "the default"
        )
        if embedder is not None:  # an already loaded model, shared (the web app, tests)
            self.embedder = embedder
        self._places_lock = threading.Lock()
        self._places: tuple[tuple, KnownPlaces | None] | None = None  # (key, places)
        self._places_named = False  # this process has named the places of every GPS photo

    @classmethod
    def open(cls, config: Config) -> PhotoLibrary:
        """The library as commands see it: with no model configured, the one it was last
        indexed with (its database remembers); the default preset for a new library."""
        if config.model_source:
            return cls(config)
        store = Store(config)
        last = store.last_indexed_model()
        library = cls(dataclasses.replace(config, model=last.name) if last else config)
        library.store = store
        if last:
            when = f"{last.indexed_at:%Y-%m-%d %H:%M}"
            library.model_reason = f"the model this library was last indexed with ({when})"
        else:
            library.model_reason = "the default for a new library"
        return library

    @functools.cached_property
    def store(self) -> Store:
        return Store(self.config)

    @functools.cached_property
    def embedder(self) -> Embedder:
        return self.load_embedder(self.config.model)

    def load_embedder(self, model: str) -> Embedder:
        """An embedder for any model name; the configured one is loaded once and shared."""
        if model == self.config.model and "embedder" in self.__dict__:
            return self.embedder
        from .model.embedder import load_embedder

        return load_embedder(model, self.config)

    def for_model(self, model: str) -> PhotoLibrary:
        """The same library seen through another model (its own vectors and index)."""
        if model == self.config.model:
            return self
        return PhotoLibrary(dataclasses.replace(self.config, model=model))

    @functools.cached_property
    def model(self) -> ModelInfo:
        identity = self.embedder.identity
        return self.store.ensure_model(
            identity.key, identity.arch, identity.tag, identity.checkpoint_sha256, identity.dim
        )

    def index(
        self,
        roots: list[Path],
        progress: Progress | None = None,
        wait: float = 0.0,
        scopes: set[str] | None = None,
        reread_text: bool = False,
    ) -> IndexSummary:
        """Index folders (or just the scopes below them); refuses (DataDirBusy) while another
        process writes, after waiting `wait` seconds for it. With reread_text, photos whose
        text an older recogniser read are read again."""
        from .indexing.indexer import Indexer
        from .model.lazy_embedder import LazyEmbedder

        lock = self.store.writer_lock().acquire(wait)
        try:
            model = self.known_model()
            embedder = self.__dict__.get("embedder") or LazyEmbedder(lambda: self.embedder)
            indexer = Indexer(self.store, embedder, model, self.config, self.cluster)
            self.name_places()  # a library indexed before places were: from its coordinates
            summary = indexer.run(roots, progress, scopes, reread_text)
            self.store.mark_indexed(model.id, canonical_name(self.config))
            return summary
        finally:
            lock.release()

    def known_model(self) -> ModelInfo:
        """The configured model's row, found by its identity without loading the model when
        the database already has it (its dimension is there); else loaded and added."""
        if "model" not in self.__dict__ and "embedder" not in self.__dict__:
            spec = parse_model(self.config.model, self.config, check=False)  # loading checks
            if spec.checkpoint is None or spec.checkpoint.is_file():
                key = identity_key(spec)
                known = next((m for m in self.store.models() if m.key == key), None)
                if known is not None:
                    self.model = known
        return self.model

    @functools.cached_property
    def cluster(self) -> Stage | None:
        """With ray_address set, the stage that embeds on the Ray cluster: joined once, used
        by every index run of this library (a watch makes many)."""
        if not self.config.ray_address:
            return None
        from .indexing.ray_stage import RayStage

        return RayStage(self.config, self.known_model().key)

    @functools.cached_property
    def searcher(self) -> Searcher:
        from .search.searcher import Searcher

        return Searcher(self.store, self.embedder, self.model, self.config)

    def name_places(self) -> int:
        """Name the places of photos with GPS that the current gazetteer has not named (a
        library indexed before, or new place data): from stored coordinates, no file read."""
        from .indexing.places import fill_places

        with self._places_lock:
            named = 0 if self._places_named else fill_places(self.store)
            self._places_named = True
            if named:
                self._places = None
        return named

    def known_places(self) -> KnownPlaces | None:
        """The library's own places (None when no photo has one), rebuilt when its photos
        change: what a query's place names and `--place` are matched against."""
        from .search.known_places import KnownPlaces

        self.name_places()
        key = (self.model.id, self.store.model(self.model.id).vectors_version)
        with self._places_lock:
            if self._places is None or self._places[0] != key:
                rows = self.store.places()
                cache = self.config.data_dir
                self._places = key, KnownPlaces(rows, cache) if rows else None
            return self._places[1]

    def place_choices(self) -> list[dict]:
        """The countries and cities of the library with their photo counts, for a picker."""
        places = self.known_places()
        return places.choices() if places else []

    def search(self, request: SearchRequest, today: date | None = None) -> SearchResult:
        """Run a search as the CLI and the web ask for it: written phrases, places and dates
        read from the text (places and dates unless literal), filters, minimum score, sort and
        paging. The words of a plain text query are looked for in the photos' text too."""
        from .search.interpret import interpret
        from .search.terms import parse
        from .search.written import Written, written_words

        searcher = self.searcher
        places = self.known_places() if request.text or request.place else None
        place = None
        if request.place:
            if places is None:
                raise BadParameter(
                    f"No photo in this library was taken in {request.place!r}: none has a "
                    "known place (photos need GPS positions for that)."
                )
            place = places.resolve(request.place)
        interpretation, vector, written = None, None, Written()
        phrases: tuple[str, ...] = ()
        if request.text is not None:
            query = parse(request.text)
            phrases = query.phrases
            interpretation = interpret(
                query.without_phrases(),
                places=None if place else places,  # an explicit place leaves place words be
                today=today or date.today(),
                literal=request.literal,
                keep=request.keep,
            )
            place = place or interpretation.place
            if interpretation.text:
                vector = searcher.query_vector(interpretation.rest)
            written = written_words(query, interpretation.rest)
        elif request.like is not None:
            if self.store.photo(request.like) is None:
                raise BadParameter(f"No indexed photo has id {request.like}.")
            vector = searcher.photo_vector(str(request.like))
        elif request.upload is not None:
            vector = searcher.image_vector(request.upload)
        filters = request.filters
        if place is not None:
            filters = dataclasses.replace(filters, places=place.terms)
        when = interpretation.when if interpretation else None
        if when is not None:
            filters = dataclasses.replace(filters, taken_north=when.north, taken_south=when.south)
        min_score = request.min_score
        if min_score is None and vector is not None:
            text_query = request.text is not None
            min_score = self.config.min_score if text_query else self.config.min_score_photo
        ranked = vector is not None or bool(phrases)
        sort = request.sort or ("relevance" if ranked else "newest")
        hits = searcher.vector(
            vector, request.limit, request.offset, filters, min_score, sort, written
        )
        return SearchResult(hits, interpretation, place, filters, min_score, sort, phrases)

    def status(self) -> dict:
        """Counts and state, without loading the model (or importing torch)."""
        spec = parse_model(self.config.model, self.config, check=False)
        weights = local_weights(spec)
        key = identity_key(spec) if spec.checkpoint is None or weights else None
        models = {model.key: model for model in self.store.models()}
        current = models.get(key)
        counts = self.store.counts(current.id if current else None)
        index = VectorIndex(self.config, current) if current else None
        return {
            "photos": counts["photos"],
            "failed": counts["failed"],
            "places": self.store.place_counts(PLACES_VERSION),
            "text": {**self.store.text_counts(), "ocr": self.config.ocr, "reader": OCR_VERSION},
            "vectors": counts.get("vectors", 0),
            "model": self.config.model,
            "model_reason": self.model_reason,
            "model_key": key,
            "weights": str(weights) if weights else None,
            "device": device_hint(self.config.device),
            "runtime": runtime_status(self.config, key),
            "decoding": self.decoding_status(),
            "data_dir": str(self.config.data_dir),
            "database": redacted(self.store.url),
            "index_file": str(index.path) if index else None,
            "index_bytes": _size(index.path) if index else 0,
            "index_state": _index_state(index, current),
            "models_in_database": [
                {
                    "key": model.key,
                    "dim": model.dim,
                    "vectors": self.store.counts(model.id)["vectors"],
                }
                for model in models.values()
            ],
        }

    def decoding_status(self) -> dict:
        """The decode budget, the upload limit, and what this process's decodes have done
        (the web server's own, under /api/status): peak of their estimates, waits, refusals."""
        return {
            **decode_budget.shared_budget().stats(),
            "decode_memory_mb": self.config.decode_memory_mb,  # 0: auto
            "auto": not self.config.decode_memory_mb,
            "max_upload_pixels": self.config.max_upload_pixels,
        }

    def presets(self) -> list[dict]:
        rows = []
        for name, preset in PRESETS.items():
            spec = parse_model(name, self.config)
            weights = local_weights(spec)
            rows.append(
                {
                    "name": name,
                    "arch": preset.arch,
                    "weights": preset.tag or f"checkpoint file {spec.checkpoint}",
                    "description": preset.description,
                    "available": weights is not None,
                    "location": str(weights) if weights else None,
                    "selected": name == self.config.model,
                }
            )
        return rows

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()


def canonical_name(config: Config) -> str:
    """The configured model's name as another command, run from anywhere, can use it again:
    a checkpoint's path made absolute."""
    spec = parse_model(config.model, config, check=False)
    if spec.checkpoint is None or config.model in PRESETS:
        return config.model
    return f"{spec.arch}:{spec.checkpoint.resolve()}"


def _size(path: Path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _index_state(index: VectorIndex | None, model: ModelInfo | None) -> str:
    if index is None:
        return "empty"
    saved = index.saved_version()
    if saved is None:
        return "missing (rebuilt from the database on the next search)"
    return "fresh" if saved == model.vectors_version else "stale (rebuilt on the next search)"
