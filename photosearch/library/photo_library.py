"""The core object that the CLI and the web app drive: a config, its store, and the search
model, loaded once and only when something needs it. The entry points ask it, never the store:
what they may do to a library is listed here."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import BadParameter
from ..imaging import budget as decode_budget
from ..indexing import passes
from ..model.loading import PRESETS, identity_key, local_weights, parse_model
from ..progress import Progress
from ..store import (
    UNDATED,
    Cursor,
    Failure,
    Filters,
    ModelInfo,
    Photo,
    PhotoText,
    Store,
    VectorIndex,
)
from .status import (
    decoding_status,
    face_models,
    faces_of_other_models,
    presets,
    status_report,
)

if TYPE_CHECKING:  # the model's modules import torch: only the commands that use it load them
    from ..consistency import CheckReport
    from ..indexing.indexer import Searchable
    from ..indexing.ray_stage import RayStage
    from ..indexing.summary import IndexSummary
    from ..model.embedder import Embedder
    from ..search.interpret import Interpretation
    from ..search.known_people import FoundPerson, KnownPeople
    from ..search.known_places import FoundPlace, KnownPlaces
    from ..search.request import SearchRequest
    from ..search.searcher import Searcher, SearchHit
    from ..store.records import Person
    from .people import Grouped, LibraryPeople
    from .scenes import Scene


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
    people: tuple[FoundPerson, ...] = ()  # the people filter, asked for or read from the query

    def to_dict(self) -> dict:
        """The one JSON shape of an answer (the API adds the request and URLs): what the CLI
        prints, whether this process searched or a running server did."""
        return {
            "interpretation": self.interpretation.to_dict() if self.interpretation else None,
            "written": list(self.written),
            "place": self.place.label if self.place else None,
            "people": [person.label for person in self.people],
            "filters": self.filters.asked(),
            "filters_active": self.filters.active,
            "min_score": self.min_score,
            "sort": self.sort,
            "results": [hit.to_dict() for hit in self.hits],
        }


@dataclass(frozen=True)
class TimelineMonths:
    """The timeline's scrubber: (year, month, photos, cursor) newest first, then the undated."""

    months: list[tuple[int, int, int, Cursor]]
    undated: int
    undated_cursor: Cursor


@dataclass(frozen=True)
class RebuiltIndex:
    """A model's vector index as `rebuild_indexes` left it."""

    key: str
    kind: str
    size: int
    seconds: float
    path: Path


class PhotoLibrary:
    def __init__(self, config: Config, embedder: Embedder | None = None):
        self.config = config
        decode_budget.configure(config.decode_memory_mb)  # one per process: the last one set
        self.model_reason = (
            f"set by {config.model_source}" if config.model_source else "the default"
        )
        # What is loaded so far (None: not yet); an embedder given is shared (the web, tests).
        self._store: Store | None = None
        self._embedder: Embedder | None = embedder
        self._model: ModelInfo | None = None
        self._searcher: Searcher | None = None
        self._cluster: RayStage | None = None
        self._places_lock = threading.Lock()
        self._places: tuple[tuple, KnownPlaces | None] | None = None  # (key, places)
        self._places_named = False  # this process has named the places of every GPS photo
        self._people: KnownPeople | None = None

    @classmethod
    def open(cls, config: Config) -> PhotoLibrary:
        """The library as commands see it: with no model configured, the one it was last
        indexed with (its database remembers); the default preset for a new library."""
        if config.model_source:
            return cls(config)
        store = Store(config)
        last = store.last_indexed_model()
        library = cls(dataclasses.replace(config, model=last.name) if last else config)
        library._store = store
        if last:
            when = f"{last.indexed_at:%Y-%m-%d %H:%M}"
            library.model_reason = f"the model this library was last indexed with ({when})"
        else:
            library.model_reason = "the default for a new library"
        return library

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.config)
        return self._store

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = self.load_embedder(self.config.model)
        return self._embedder

    @property
    def embedder_loaded(self) -> bool:
        """Whether the model is in memory (commands with nothing to embed never load it)."""
        return self._embedder is not None

    def load_embedder(self, model: str) -> Embedder:
        """An embedder for any model name; the configured one is loaded once and shared."""
        if model == self.config.model and self._embedder is not None:
            return self._embedder
        from ..model.embedder import load_embedder

        return load_embedder(model, self.config)

    def for_model(self, model: str) -> PhotoLibrary:
        """The same library seen through another model (its own vectors and index)."""
        if model == self.config.model:
            return self
        return PhotoLibrary(dataclasses.replace(self.config, model=model))

    @property
    def model(self) -> ModelInfo:
        """The configured model's row, added to the database the first time it is used."""
        if self._model is None:
            identity = self.embedder.identity
            self._model = self.store.ensure_model(
                identity.key, identity.arch, identity.tag, identity.checkpoint_sha256, identity.dim
            )
        return self._model

    @model.setter
    def model(self, row: ModelInfo) -> None:
        """Search the vectors of another row of the same dimension (benchmark (f) does)."""
        self._model = row

    @contextmanager
    def _writing(self, wait: float = 0.0) -> Iterator[None]:
        """While this process alone writes to the library; DataDirBusy after `wait` seconds."""
        lock = self.store.writer_lock().acquire(wait)
        try:
            yield
        finally:
            lock.release()

    def index(
        self,
        roots: list[Path],
        progress: Progress | None = None,
        wait: float = 0.0,
        scopes: set[str] | None = None,
        reread: frozenset[str] = frozenset(),
        on_searchable: Callable[[Searchable], None] | None = None,
        held: frozenset[str] = frozenset(),
    ) -> IndexSummary:
        """Index folders (or just the scopes below them); refuses (DataDirBusy) while another
        process writes, after waiting `wait` seconds for it. The content passes named in
        reread read again what an older version of theirs read (or failed to read).
        on_searchable is told when every photo can be searched, before the passes read. Files
        `held` (a watcher's videos still being written) are left as they are."""
        from ..indexing.indexer import Indexer
        from ..model.lazy_embedder import LazyEmbedder

        with self._writing(wait):
            model = self.known_model()
            embedder = self._embedder or LazyEmbedder(lambda: self.embedder)
            indexer = Indexer(self.store, embedder, model, self.config, self.cluster)
            self.name_places()  # a library indexed before places were: from its coordinates

            def searchable(moment: Searchable) -> None:
                # From now on, a search with no model named uses this run's model.
                self.store.mark_indexed(model.id, canonical_name(self.config))
                if on_searchable is not None:
                    on_searchable(moment)

            people = self.people_of_library()
            started = people.moment()
            summary = indexer.run(roots, progress, scopes, reread, searchable, held)
            faces = summary.passes.get("faces")
            if faces is not None and faces.found:  # the run's new faces join people
                summary.faces_kept = people.kept_since(started)
                grouped = people.group_new(started)
                summary.faces_joined, summary.new_people = grouped.joined, grouped.new_people
            if self.config.faces:
                summary.faces_of_other_models = faces_of_other_models(self.config, self.store)
            return summary

    def known_model(self) -> ModelInfo:
        """The configured model's row, found by its identity without loading the model when
        the database already has it (its dimension is there); else loaded and added."""
        if self._model is None and self._embedder is None:
            spec = parse_model(self.config.model, self.config, check=False)  # loading checks
            if spec.checkpoint is None or local_weights(spec) is not None:
                key = identity_key(spec, self.config)
                self._model = next((m for m in self.store.models() if m.key == key), None)
        return self.model

    @property
    def cluster(self) -> RayStage | None:
        """With ray_address set, the stage that embeds on the Ray cluster: joined once, and its
        actors with their models kept for every index run of this library (a watch makes
        many) until the library is closed."""
        if self.config.ray_address and self._cluster is None:
            from ..indexing.ray_stage import RayStage

            self._cluster = RayStage(self.config, self.known_model().key)
        return self._cluster

    @property
    def searcher(self) -> Searcher:
        """Searches with the model loaded when something has loaded it; else texts go through
        the query kit (its text tower alone, no torch) when this machine has one, and the
        model is loaded on first need (a photo to embed, or no kit)."""
        if self._searcher is None:
            from ..model.lazy_embedder import LazyEmbedder
            from ..search.searcher import Searcher

            model = self.known_model()
            embedder = self._embedder or LazyEmbedder(lambda: self.embedder)
            texts = None if self._embedder else self._query_encoder(model.key)
            self._searcher = Searcher(self.store, embedder, model, self.config, texts)
        return self._searcher

    def _query_encoder(self, model_key: str):
        from ..model.runtime.query_encoder import load_query_encoder

        return load_query_encoder(self.config, model_key)

    def name_places(self) -> int:
        """Name the places of photos with GPS that the current gazetteer has not named (a
        library indexed before, or new place data): from stored coordinates, no file read."""
        from ..indexing.places import fill_places

        with self._places_lock:
            named = 0 if self._places_named else fill_places(self.store)
            self._places_named = True
            if named:
                self._places = None
        return named

    def known_places(self) -> KnownPlaces | None:
        """The library's own places (None when no photo has one), rebuilt when its photos
        change: what a query's place names and `--place` are matched against."""
        from ..search.known_places import KnownPlaces

        self.name_places()
        model = self.known_model()
        key = (model.id, self.store.vectors_version(model.id))
        with self._places_lock:
            if self._places is None or self._places[0] != key:
                rows = self.store.places()
                cache = self.config.data_dir
                self._places = key, KnownPlaces(rows, cache) if rows else None
            return self._places[1]

    def known_people(self) -> KnownPeople | None:
        """The library's named people not hidden (None when nobody is named), rebuilt when
        their names change, on this machine or another: what a query's names and `--person`
        are matched against. Reading the names back is the check (a fraction of a
        millisecond for hundreds of people)."""
        from ..search.known_people import KnownPeople
        from ..store.people import People

        rows = tuple(self.store.concern(People).named_people())
        if self._people is None or self._people.rows != rows:
            self._people = KnownPeople(rows)
        return self._people if rows else None

    def _people_asked(self, names: tuple[str, ...], known: KnownPeople | None):
        """The people asked for by id (a person not hidden, named or not) or by name,
        resolved against the library's named people."""
        if not names:
            return ()
        from ..search.known_people import KnownPeople

        known, people = known or KnownPeople(()), self.people_of_library()
        return tuple(people.shown_by_id(name) or known.resolve(name) for name in names)

    def place_choices(self) -> list[dict]:
        """The countries and cities of the library with their photo counts, for a picker."""
        places = self.known_places()
        return places.choices() if places else []

    def search(self, request: SearchRequest, today: date | None = None) -> SearchResult:
        """Run a search as the CLI and the web ask for it: written phrases, places, dates and a
        person read from the text (none of them when literal), filters, the people asked for,
        minimum score, sort and paging. The words of a plain text query are looked for in the
        photos' text too."""
        from ..search.interpret import interpret
        from ..search.terms import parse
        from ..search.written import Written, written_words

        searcher = self.searcher
        places = self.known_places() if request.text or request.place else None
        place = self._place(request.place, places) if request.place else None
        known_people = self.known_people() if request.text or request.people else None
        people = self._people_asked(request.people, known_people)
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
                people=known_people,
            )
            place = place or interpretation.place
            people = (*people, *(p for p in interpretation.people if p not in people))
            if interpretation.text:
                vector = searcher.query_vector(interpretation.rest, request.lang)
            written = written_words(query, interpretation.rest)
        elif request.like is not None:
            if self.store.photo(request.like) is None:
                raise BadParameter.said("No indexed photo has id {id}.", id=request.like)
            vector = searcher.photo_vector(str(request.like), request.like_frame)
        elif request.upload is not None:
            vector = searcher.image_vector(request.upload, request.upload_name)
        filters = request.filters
        if place is not None:
            filters = dataclasses.replace(filters, places=place.terms)
        if people:
            filters = dataclasses.replace(filters, people=tuple(each.term for each in people))
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
        return SearchResult(hits, interpretation, place, filters, min_score, sort, phrases, people)

    def _place(self, name: str, places: KnownPlaces | None):
        """A place asked for by name, resolved against the library's own places."""
        if places is None:
            raise BadParameter.said(
                "No photo in this library was taken in {place!r}: none has a known place "
                "(photos need GPS positions for that).",
                place=name,
            )
        return places.resolve(name)

    def _placed(self, filters: Filters, place: str | None) -> Filters:
        if not place:
            return filters
        terms = self._place(place, self.known_places()).terms
        return dataclasses.replace(filters, places=terms)

    def timeline(
        self,
        filters: Filters,
        place: str | None,
        cursor: Cursor | None,
        limit: int,
        newer: bool = False,
    ) -> tuple[list[Photo], Cursor | None]:
        """A page of the library newest first (undated photos last) that meets the filters
        and is in the place, after the cursor, and the next page's cursor (None at the end).
        `newer`: the page just before the cursor instead, and the cursor before it (None at
        the newest photo)."""
        filters = self._placed(filters, place)
        if newer:
            ids, found = self.store.timeline_page_before(filters, cursor, limit)
        else:
            ids, found = self.store.timeline_page(filters, cursor, limit)
        photos = self.store.photos(ids)
        return [photos[photo_id] for photo_id in ids if photo_id in photos], found

    def timeline_months(self, filters: Filters, place: str | None) -> TimelineMonths:
        """The months that have photos, newest first, with their counts and the cursors that
        jump to them, and the undated photos': the timeline's scrubber."""
        filters = self._placed(filters, place)
        months = [
            (year, month, count, Cursor.month(year, month))
            for year, month, count in self.store.timeline_months(filters)
        ]
        return TimelineMonths(months, self.store.undated_count(filters), UNDATED)

    def explore(self, words: int = 40) -> dict:
        """The library summed up for browsing: its places (cities, and countries' photos with
        no city near) and years with photo counts and a cover photo, and the words most often
        found written in its photos. Each says how to ask for its photos (`filter`: the search
        fields that show them)."""
        from ..store.explore import Explore

        explore = self.store.concern(Explore)
        places = []
        for country, code, city, photos, cover in explore.places():
            label = f"{city}, {country}" if city else country
            places.append({"label": label, "country": country, "country_code": code,
                           "city": city, "photos": photos, "cover": cover,
                           "filter": {"place": city or country}})  # fmt: skip
        years = [
            {"year": year, "photos": photos, "cover": cover,
             "filter": {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"}}
            for year, photos, cover in explore.years()
        ]  # fmt: skip
        written = [
            {"word": word, "photos": photos, "filter": {"q": f'"{word}"', "sort": "newest"}}
            for word, photos in explore.written_words(words)
        ]
        return {"places": places, "years": years, "words": written}

    def counts(self) -> dict[str, int]:
        """Photos indexed, and files that could not be."""
        return self.store.counts()

    def vector_count(self) -> int:
        """Photos with a vector of this library's model."""
        return self.store.counts(self.known_model().id)["vectors"]

    def text_counts(self) -> dict[str, int]:
        return self.store.text_counts()

    def facets(self) -> dict:
        """The cameras and file types of the library's photos, for the filters' pickers."""
        return self.store.facets()

    def photo(self, photo_id: int) -> Photo | None:
        return self.store.photo(photo_id)

    def scenes(
        self, photo: Photo, text: str | None = None, like: int | None = None, frame: int = 0
    ) -> list[Scene]:
        """A video's kept scenes in order, each scored against the search by `text` or by the
        item `like` (scene `frame` of a video) where one is given; [] for a photo."""
        from .scenes import query_vector, video_scenes

        vector = query_vector(self, text, like, frame) if text or like is not None else None
        return video_scenes(self.store, self.model.id, photo.id, vector)

    def scene_seconds(self, photo_id: int, frame: int) -> float | None:
        """Where a video's kept scene is, in seconds; None for no such scene."""
        return self.store.moments([(photo_id, frame)]).get((photo_id, frame))

    def indexed_photo(self, photo: str) -> Photo | None:
        """An indexed photo by id or path; None for a file that is not indexed."""
        return self.searcher.indexed_photo(photo)

    def photo_text(self, photo: Photo) -> PhotoText | None:
        """The text read in a photo; None when it has not been read."""
        return self.store.texts([photo.content_hash]).get(photo.content_hash)

    def failures(self, limit: int | None = None) -> list[Failure]:
        """Files that could not be indexed, then what each content pass could not read."""
        failures = self.store.failures(limit)
        for content_pass in passes.registered():
            rest = None if limit is None else limit - len(failures)
            failures += content_pass.failures(self.store, rest)
        return failures

    def duplicate_groups(self, threshold: float) -> list[list[Photo]]:
        """Photos whose vectors are at least `threshold` alike, in groups."""
        from ..duplicates import near_duplicate_groups

        groups = near_duplicate_groups(self.store, self.model.id, threshold)
        photos = self.store.photos(photo_id for group in groups for photo_id in group)
        return [[photos[i] for i in group if i in photos] for group in groups]

    def check(self, repair: bool = False) -> CheckReport:
        """Do the database, the vector indexes and the files agree? With repair, what
        disagrees is fixed (while no other process writes)."""
        from ..consistency import check
        from ..consistency import repair as fix

        report = check(self.store, self.config)
        if repair:
            with self._writing():
                report = fix(self.store, self.config, report)
        return report

    def rebuild_indexes(self, every_model: bool = False) -> list[RebuiltIndex]:
        """The vector index of this library's model (or of every model) rebuilt from the
        database and saved. On PostgreSQL the FAISS file is this machine's own cache of the
        shared database: rebuilding it writes nothing the others use, so it runs while they
        index."""
        rebuilt = []
        with nullcontext() if self.store.shared else self._writing():
            for known in self.store.models() if every_model else [self.known_model()]:
                model = self.store.model(known.id)  # at its version now: the file's name
                started = time.perf_counter()
                index = VectorIndex(self.config, model)
                index.rebuild(self.store)
                index.save(model.vectors_version)
                seconds = time.perf_counter() - started
                rebuilt.append(RebuiltIndex(model.key, index.kind, index.size, seconds, index.path))
        return rebuilt

    def status(self) -> dict:
        """Counts and state, without loading the model (or importing torch)."""
        return status_report(self.config, self.store, self.model_reason)

    def decoding_status(self) -> dict:
        """The decode budget, the upload limit, and what this process's decodes have done
        (the web server's own, under /api/status): peak of their estimates, waits, refusals."""
        return decoding_status(self.config)

    def presets(self) -> list[dict]:
        return presets(self.config)

    def face_models(self) -> list[dict]:
        return face_models(self.config)

    def people_of_library(self) -> LibraryPeople:
        from .people import LibraryPeople

        return LibraryPeople(self.store, self.config)

    def people(self, hidden: bool = False) -> list[Person]:
        """The people, most faces first; the hidden ones too with `hidden`."""
        return self.people_of_library().listed(hidden)

    def person(self, person: str | int) -> Person:
        """A person by id or name; UnknownPerson when there is none."""
        return self.people_of_library().person(person)

    def person_faces(self, person: str | int) -> list[dict]:
        return self.people_of_library().faces(person)

    def face(self, face: int) -> dict:
        """A face by id (its photo id and box); UnknownPerson when there is none."""
        return self.people_of_library().face(face)

    def first_faces(self) -> dict[int, int]:
        """Each person's first face id, by person id (a face to show them by)."""
        return self.people_of_library().first_faces()

    def photo_faces(self, photo: Photo) -> list[dict]:
        return self.people_of_library().photo_faces(photo.content_hash)

    def name_person(self, person: str | int, name: str) -> Person:
        return self.people_of_library().name(person, name)

    def hide_person(self, person: str | int, hidden: bool = True) -> Person:
        return self.people_of_library().hide(person, hidden)

    def merge_people(self, kept: str | int, merged: str | int) -> Person:
        return self.people_of_library().merge(kept, merged)

    def move_face(self, face: int, person: str | int) -> Person:
        return self.people_of_library().move_face(face, person)

    def drop_face(self, face: int) -> int | None:
        return self.people_of_library().drop_face(face)

    def regroup_people(self) -> Grouped:
        """Every face grouped into people again, the user's corrections kept."""
        return self.people_of_library().regroup()

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
        if self._store is not None:
            self._store.close()


def canonical_name(config: Config) -> str:
    """The configured model's name as another command, run from anywhere, can use it again:
    a checkpoint's path made absolute."""
    spec = parse_model(config.model, config, check=False)
    if spec.checkpoint is None or config.model in PRESETS:
        return config.model
    return f"{spec.arch}:{spec.checkpoint.resolve()}"
