"""Queries to ranked photos and videos: a text or a photo becomes a normalised vector, FAISS
finds the nearest frames, each item ranked by its best (a video by the scene that matches, its
moment), and the store supplies their rows. Words written in photos are a second ranking,
fused with the picture's by reciprocal rank (see written)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..config import Config
from ..errors import ImageTooLarge, QueryError
from ..store import Filters, ModelInfo, Photo, Store, TextLine, VectorIndex
from ..store.frame_ids import faiss_id
from ..store.people import People
from ..store.scenes import Scenes
from .terms import SORTS, Query, parse
from .written import Written, matched_lines
from .written import score as text_score

if TYPE_CHECKING:  # torch: loaded only for a search that needs the image tower
    from ..model.embedder import Embedder

# Reciprocal rank fusion: a photo's place in each ranking counts 1 / (RRF_K + rank). 60 is the
# constant of Cormack et al. (2009): the top of either ranking weighs about alike, so a photo
# whose text holds the words joins the top without pushing down what the picture matches.
RRF_K = 60
# How deep the picture's ranking goes into the fusion: beyond it, a photo found by its text
# gains nothing from its picture (1 / 1060 against the top's 1 / 61).
FUSION_DEPTH = 1000

# (score, item id, frame): a ranked item, with the frame of a video that matched best (0 for a
# photo, or for a video found by other means than its picture)
Ranked = tuple[float | None, int, int]


@dataclass(frozen=True)
class TextMatch:
    """The lines of a photo's text that hold the searched words; boxes in pixels of the upright
    photo of width x height."""

    lines: tuple[TextLine, ...]
    width: int | None
    height: int | None

    def to_dict(self) -> dict:
        return {
            "lines": [{"text": line.text, "box": line.box} for line in self.lines],
            "width": self.width,
            "height": self.height,
        }


@dataclass(frozen=True)
class SearchHit:
    rank: int
    score: float | None  # None: found by metadata or written words alone, not by the picture
    photo: Photo
    text: TextMatch | None = None  # where the searched words are written in it
    people: tuple[tuple[int, str | None], ...] = ()  # (id, name) of the people in it
    moment: float | None = None  # a video's: where its best-matching scene is, in seconds
    frame: int = 0  # that scene's number in the video (its thumbnail's)

    def to_dict(self) -> dict:
        """The one JSON shape of a hit: `search --json` prints it, /api/search adds URLs."""
        score = None if self.score is None else round(self.score, 6)
        text = self.text.to_dict() if self.text else None  # the lines holding the words
        people = [{"id": person_id, "name": name} for person_id, name in self.people]
        return {
            "rank": self.rank,
            "score": score,
            **photo_dict(self.photo),
            "moment": None if self.moment is None else round(self.moment, 3),
            "frame": self.frame,
            "text_match": text,
            "people": people,
        }


def photo_dict(photo: Photo) -> dict:
    """The one JSON shape of a photo (the API adds its URLs): its row, with its folder, file
    name and camera as a person reads them."""
    data = photo.to_dict()
    data["folder"], data["name"] = os.path.split(data["path"])
    make, model = photo.camera_make or "", photo.camera_model or ""
    data["camera"] = (
        model if model.lower().startswith(make.lower()) else f"{make} {model}"
    ).strip()
    return data


class TextEncoder(Protocol):
    def embed_texts(self, texts: list[str], language: str | None = None) -> np.ndarray: ...


class Searcher:
    """`texts` encodes text queries (the embedder when not given: photos always go through
    the embedder, which may be loaded on first use)."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        model: ModelInfo,
        config: Config,
        texts: TextEncoder | None = None,
    ):
        self.store = store
        self.embedder = embedder
        self.texts = texts or embedder
        self.model = model
        self.config = config
        self._index: VectorIndex | None = None

    @property
    def index(self) -> VectorIndex:
        """The model's vector index, reopened when the database has newer vectors."""
        version = self.store.vectors_version(self.model.id)
        if self._index is None or self._index.model.vectors_version != version:
            self._index = VectorIndex.open(self.store, self.store.model(self.model.id), self.config)
        return self._index

    def text(self, query: str, limit: int = 20, offset: int = 0, **options) -> list[SearchHit]:
        """A text query; `cat + hat - dog` and `#ID` terms are allowed (see terms.Query)."""
        if not query.strip():
            raise QueryError.said("The search text is empty: type what you are looking for.")
        return self.vector(self.query_vector(query), limit, offset, **options)

    def like(self, photo: str, limit: int = 20, offset: int = 0, **options) -> list[SearchHit]:
        """Photos similar to an indexed photo (by id or path) or to any image file."""
        return self.vector(self.photo_vector(photo), limit, offset, **options)

    def query_vector(self, query: str | Query, language: str | None = None) -> np.ndarray:
        """The normalised sum of the terms' vectors, negative terms subtracted (a query as
        typed is parsed first); `language` for models that read it (else detected)."""
        terms = (parse(query) if isinstance(query, str) else query).terms()
        texts = [term.text for term in terms if term.text is not None]
        text_vectors = iter(self.texts.embed_texts(texts, language))
        total = np.zeros(self.model.dim, dtype=np.float32)
        for term in terms:
            if term.text is not None:
                total += term.sign * next(text_vectors)
            else:
                total += term.sign * self.photo_vector(str(term.photo_id))
        norm = float(np.linalg.norm(total))
        if norm < 1e-6:
            typed = query if isinstance(query, str) else query.joined
            raise QueryError.said(
                "The terms of {query!r} cancel out: there is nothing left to find.", query=typed
            )
        return total / norm

    def vector(
        self,
        query: np.ndarray | None,
        limit: int = 20,
        offset: int = 0,
        filters: Filters | None = None,
        min_score: float | None = None,
        sort: str = "relevance",
        written: Written | None = None,
    ) -> list[SearchHit]:
        """Nearest photos to a vector; with filters, among matching photos only (all of them
        when fewer than limit match); with min_score, none that score below it. Sorted
        newest or oldest first, the same photos by date taken; without a vector, every photo
        that meets the filters, by date. With written words, photos whose text holds its
        phrases are the only ones, and those whose text also holds its words are ranked by
        that text too, whatever their picture's score."""
        if limit < 1 or offset < 0:
            raise QueryError.said("limit must be at least 1 and offset at least 0.")
        if sort not in SORTS:
            raise QueryError.said(
                "Unknown sort {value!r}; use one of: {known}.", value=sort, known=", ".join(SORTS)
            )
        filters, written = filters or Filters(), written or Written()
        among, by_text = self._written_candidates(filters, written)
        if among is not None and len(among) == 0:
            return []
        if sort != "relevance" or (query is None and not by_text):
            pairs = self._by_date(query, filters, min_score, sort, among, by_text)
        elif query is None:  # written words alone: by how well the text holds them
            pairs = [(None, item, frame) for item, frame in by_text.items()]
        else:
            # Fused, the picture's ranking is taken to a depth that does not follow the page,
            # so that pages of one query neither repeat nor skip photos.
            depth = max(limit + offset, FUSION_DEPTH) if by_text else limit + offset
            pairs = self._pictured(query, depth, filters, among, min_score)
            if by_text:
                pairs = self._fused(query, pairs, by_text)
        page = pairs[offset : offset + limit]
        return self._hits(page, offset, written, by_text, _people_of(filters))

    def _written_candidates(
        self, filters: Filters, written: Written
    ) -> tuple[np.ndarray | None, dict[int, int]]:
        """The items a search may return (None: any that pass the filters; with phrases,
        those whose text holds them), and those whose text holds every written word and
        phrase, best held first, each with the frame whose text holds them best (a video's
        scene; 0 for a photo)."""
        if not written:
            return None, {}
        phrased = Written(written.phrases)
        held, scored = set(), {}
        needles = written.phrases or written.words
        for item, text, frame in self.store.text_matches(needles, filters):
            if written.phrases and text_score(text, phrased) is None:
                continue  # a substring of the text, not its words
            held.add(item)
            found = text_score(text, written)
            if found is not None:  # the best held first; of those alike, the shortest text
                rank_key = (-found, len(text), frame)
                if item not in scored or rank_key < scored[item]:
                    scored[item] = rank_key
        order = sorted(scored, key=lambda item: (*scored[item][:2], item))
        by_text = {item: scored[item][2] for item in order}
        return (np.array(sorted(held), dtype=np.int64) if written.phrases else None), by_text

    def _pictured(self, query, depth, filters, among, min_score) -> list[Ranked]:
        """The items nearest the vector, best first."""
        if among is None and filters.active:
            among = self.store.filtered_ids(filters)
            if len(among) == 0:
                return []
        return [
            (score, item, frame)
            for score, item, frame in self._nearest(query, depth, among)
            if min_score is None or score >= min_score
        ]

    def _nearest(self, query, k, among) -> list[Ranked]:
        scores, items, frames = self.index.search_items(query, k, among)
        return list(zip(scores.tolist(), items.tolist(), frames.tolist(), strict=True))

    def _fused(self, query, pictured, by_text) -> list[Ranked]:
        """Both rankings in one by reciprocal rank; on a tie, the photo found by its text
        first. Photos found by their text alone get their picture's score all the same, and a
        video found so the moment of the scene whose text holds the words."""
        fused: dict[int, float] = {}
        for rank, (_, photo_id, _) in enumerate(pictured, 1):
            fused[photo_id] = 1 / (RRF_K + rank)
        for rank, photo_id in enumerate(by_text, 1):
            fused[photo_id] = fused.get(photo_id, 0.0) + 1 / (RRF_K + rank)
        best = {photo_id: (score, frame) for score, photo_id, frame in pictured}
        unscored = np.array([i for i in by_text if i not in best], dtype=np.int64)
        if len(unscored):
            found = self._nearest(query, len(unscored), unscored)
            best.update((item, (score, by_text[item])) for score, item, _ in found)
        in_text = set(by_text)
        order = sorted(fused, key=lambda i: (-fused[i], i not in in_text))
        return [_ranked(photo_id, *best.get(photo_id, (None, 0))) for photo_id in order]

    def _by_date(self, query, filters, min_score, sort, among, by_text) -> list[Ranked]:
        """Every item that passes the filters (and, with a query, the minimum score, unless
        its text holds the written words), in the order they were taken; scores are exact."""
        ordered = self.store.ids_by_taken(filters, sort != "oldest")
        if among is not None:
            ordered = ordered[np.isin(ordered, among)]
        if query is None:
            if among is None:
                ordered = ordered[np.isin(ordered, self.index.ids())]  # with a vector here
            return [(None, item, by_text.get(item, 0)) for item in ordered.tolist()]
        best = {
            photo_id: (score, frame)
            for score, photo_id, frame in self._nearest(query, len(ordered), ordered)
            if min_score is None or score >= min_score or photo_id in by_text
        }
        return [_ranked(i, *best[i]) for i in ordered.tolist() if i in best]

    def _hits(
        self,
        ranked: list[Ranked],
        offset: int,
        written: Written,
        matched: dict[int, int],
        people: set[int],
    ) -> list[SearchHit]:
        """Ranked items as hits with their rows, the people in them (one query for them all)
        and a video's moment; for those in `matched`, the lines of their text that hold the
        written words; ids deleted meanwhile dropped. A video that neither its picture nor
        its text placed is shown at the first scene with one of `people`, when asked."""
        photos = self.store.photos(i for _, i, _ in ranked)
        found = [(score, photos[i], frame) for score, i, frame in ranked if i in photos]
        videos = [p.id for _, p, _ in found if p.media == "video"]
        scored = _scored(found)
        # Scenes' keys only for videos whose scene must be chosen here: by their words, or by
        # the people asked for when nothing else placed them.
        placed = {i for i in videos if i in matched or (people and i not in scored)}
        scenes = self.store.concern(Scenes).scene_keys(placed)
        keys = [key for item in scenes.values() for _, key in item]
        faces = self.store.concern(People)
        in_contents, in_videos = {}, {}
        if faces.anyone():
            in_contents = faces.people_in([p.content_hash for _, p, _ in found] + keys)
            in_videos = faces.people_in_videos(videos)
        if people:
            found = [
                (score, p, _with_person(scenes.get(p.id), in_contents, people))
                if score is None and p.id not in matched
                else (score, p, frame)
                for score, p, frame in found
            ]
        shown = {p.id: dict(scenes.get(p.id, ())).get(f, p.content_hash) for _, p, f in found}
        texts = self.store.texts(shown[p.id] for _, p, _ in found if p.id in matched)
        moments = self.store.moments((p.id, f) for _, p, f in found if p.media == "video")
        hits = []
        for n, (score, photo, frame) in enumerate(found):
            text = texts.get(shown[photo.id]) if photo.id in matched else None
            lines = tuple(matched_lines(text.lines, written)) if text else ()
            match = TextMatch(lines, text.width, text.height) if lines else None
            in_it = tuple(
                in_videos.get(photo.id, ())
                if photo.media == "video"
                else in_contents.get(photo.content_hash, ())
            )
            moment = moments.get((photo.id, frame))
            hits.append(SearchHit(offset + n + 1, score, photo, match, in_it, moment, frame))
        return hits

    def photo_vector(self, photo: str, frame: int = 0) -> np.ndarray:
        """An indexed photo's stored vector (a video's: its first scene's, or scene `frame`),
        or the vector of an image file."""
        record = self.indexed_photo(photo)
        if record is not None:
            if frame:
                return self._scene_vector(record, frame)
            stored = self.store.vector(record.id, self.model.id)
            if stored is not None:
                return stored
            photo = record.path
        path = Path(photo).expanduser()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise QueryError(
                f"Cannot read the query photo {path}: {exc.strerror or exc}."
            ) from None
        return self.image_vector(data, str(path))

    def _scene_vector(self, video: Photo, frame: int) -> np.ndarray:
        _, vectors = self.store.vectors_for(self.model.id, [faiss_id(video.id, frame)])
        if not len(vectors):
            raise QueryError.said(
                "{path} has no scene {frame} to search with.",
                path=video.to_dict()["path"],
                frame=frame,
            )
        return vectors[0]

    def image_vector(self, data: bytes, name: str = "") -> np.ndarray:
        """Embed an image given as bytes (a file outside the index, named; an upload, not),
        decoded at the size the model needs (within the decode budget, as every decode is)."""
        from ..imaging.decoder import DecodeError, decode

        try:
            decoded = decode(
                data,
                max_pixels=self.config.max_image_pixels,
                min_side=self.embedder.image_size,
                name=name,
            )
        except DecodeError as exc:
            photo = f"The query photo {name}" if name else "The uploaded photo"
            error = ImageTooLarge if exc.kind == "too_large" else QueryError
            raise error(f"{photo} is not a usable image: {exc.message}.") from None
        with decoded:
            return self.embedder.embed_images([decoded.image])[0]

    def indexed_photo(self, photo: str) -> Photo | None:
        """An indexed photo by id or path; None for a file that is not indexed."""
        if photo.isdigit():
            record = self.store.photo(int(photo))
            if record is None and not os.path.exists(photo):
                raise QueryError.said("No indexed photo has id {id}.", id=photo)
            return record
        return self.store.photo_by_path(os.path.abspath(os.path.expanduser(photo)))


def _ranked(photo_id: int, score: float | None, frame: int) -> Ranked:
    return score, photo_id, frame


def _people_of(filters: Filters) -> set[int]:
    """The ids of the people a search asks for (a name may stand for several)."""
    return {
        i for person in filters.people for i in (person if isinstance(person, tuple) else (person,))
    }


def _scored(found) -> set[int]:
    return {photo.id for score, photo, _ in found if score is not None}


def _with_person(scenes, in_contents, people: set[int]) -> int:
    """The first scene of a video with one of these people in it (0: none, or not a video)."""
    for number, key in scenes or ():
        if any(person_id in people for person_id, _ in in_contents.get(key, ())):
            return number
    return 0
