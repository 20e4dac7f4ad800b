"""Request parameters to a search, and a search to the one JSON shape that both the API and
the pages render: every page has a JSON twin."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import date

from flask import url_for
from werkzeug.datastructures import MultiDict

from ..library import PhotoLibrary
from ..search.searcher import SearchHit, parse_query
from ..store import Filters, Photo, display_path
from .errors import BadParameter

MAX_LIMIT = 200
MAX_OFFSET = 10_000
FORMATS = {
    "jpeg": "JPEG", "jpg": "JPEG", "png": "PNG", "heic": "HEIF", "heif": "HEIF",
    "webp": "WEBP", "gif": "GIF", "tiff": "TIFF", "tif": "TIFF", "bmp": "BMP", "raw": "RAW",
}  # fmt: skip
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SearchRequest:
    text: str | None = None
    like: int | None = None
    upload: bytes | None = None
    limit: int = 40
    offset: int = 0
    min_score: float | None = None  # None: the configured default for the kind of query
    filters: Filters = Filters()


def _integer(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"'{name}' must be a whole number, not {raw!r}.") from None
    if not low <= value <= high:
        raise BadParameter(f"'{name}' must be between {low} and {high}, not {value}.")
    return value


def number(args: MultiDict, name: str, default: float | None, low: float, high: float):
    """A decimal parameter within [low, high]; `default` when absent."""
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(f"'{name}' must be a number, not {raw!r}.") from None
    if not low <= value <= high:
        raise BadParameter(f"'{name}' must be between {low:g} and {high:g}.")
    return value


def _date(args: MultiDict, name: str) -> date | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"'{name}' must be a date like 2019-08-03, not {raw!r}.") from None


def parse_filters(args: MultiDict) -> Filters:
    date_from, date_to = _date(args, "date_from"), _date(args, "date_to")
    if date_from and date_to and date_from > date_to:
        raise BadParameter("'date_from' is after 'date_to'.")
    folder = args.get("folder", "").strip() or None
    if folder is not None:
        if not os.path.isabs(folder):
            raise BadParameter(f"'folder' must be an absolute path, not {folder!r}.")
        folder = os.path.normpath(folder)
    formats = []
    for name in filter(None, (part.strip().lower() for part in args.get("type", "").split(","))):
        if name not in FORMATS:
            raise BadParameter(f"Unknown file type {name!r}; known: {', '.join(sorted(FORMATS))}.")
        formats.append(FORMATS[name])
    location = args.get("has_location", "").strip().lower()
    if location and location not in TRUE | FALSE:
        raise BadParameter(f"'has_location' must be true or false, not {location!r}.")
    camera = args.get("camera", "").strip() or None
    if camera and len(camera) > 200:
        raise BadParameter("'camera' is too long.")
    return Filters(
        date_from=date_from,
        date_to=date_to,
        camera=camera,
        folder=folder,
        formats=tuple(dict.fromkeys(formats)),
        has_location=None if not location else location in TRUE,
    )


def parse_search(args: MultiDict, upload: bytes | None = None, like: int | None = None):
    """A SearchRequest from query-string parameters; BadParameter (400) for bad values."""
    text = args.get("q", "").strip() or None
    if text and len(text) > 1000:
        raise BadParameter("'q' is too long (1000 characters at most).")
    if like is None and args.get("like", "").strip():
        like = _integer(args, "like", 0, 1, 2**63 - 1)
    if sum(x is not None for x in (text, like, upload)) != 1:
        raise BadParameter(
            "Give exactly one of: q (text), like (a photo id), or an uploaded photo."
        )
    if text:
        parse_query(text)  # reject malformed algebra before any work
    return SearchRequest(
        text=text,
        like=like,
        upload=upload,
        limit=_integer(args, "limit", 40, 1, MAX_LIMIT),
        offset=_integer(args, "offset", 0, 0, MAX_OFFSET),
        min_score=number(args, "min_score", None, -1.0, 1.0),
        filters=parse_filters(args),
    )


def run_search(library: PhotoLibrary, request: SearchRequest) -> dict:
    searcher = library.searcher
    if request.text is not None:
        vector = searcher.query_vector(request.text)
        has_text = any(term.text is not None for term in parse_query(request.text))
    elif request.like is not None:
        if library.store.photo(request.like) is None:
            raise BadParameter(f"No indexed photo has id {request.like}.")
        vector = searcher.photo_vector(str(request.like))
        has_text = False
    else:
        vector = searcher.image_vector(request.upload)
        has_text = False
    config = library.config
    min_score = request.min_score
    if min_score is None:
        min_score = config.min_score if has_text else config.min_score_photo
    hits = searcher.vector(vector, request.limit, request.offset, request.filters, min_score)
    filters = {
        k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(request.filters).items()
    }
    return {
        "query": {"q": request.text, "like": request.like, "upload": request.upload is not None},
        "filters": filters,
        "min_score": min_score,
        "limit": request.limit,
        "offset": request.offset,
        "next_offset": request.offset + request.limit if len(hits) == request.limit else None,
        "results": [hit_json(hit) for hit in hits],
    }


def photo_json(photo: Photo) -> dict:
    data = photo.to_dict()
    data["folder"] = os.path.dirname(display_path(photo.path))
    data["name"] = os.path.basename(display_path(photo.path))
    make, model = photo.camera_make or "", photo.camera_model or ""
    data["camera"] = (
        model if model.lower().startswith(make.lower()) else f"{make} {model}"
    ).strip()
    data["url"] = url_for("pages.photo", photo_id=photo.id)
    data["thumbnail_url"] = url_for("media.thumbnail", photo_id=photo.id)
    data["preview_url"] = url_for("media.preview", photo_id=photo.id)
    data["original_url"] = url_for("media.original", photo_id=photo.id)
    return data


def hit_json(hit: SearchHit) -> dict:
    return {"rank": hit.rank, "score": round(hit.score, 6), **photo_json(hit.photo)}
