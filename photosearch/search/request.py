"""A search as asked: the web's query-string parameters and the CLI's options of the same
names become one SearchRequest, with the same validation and the same error messages."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ..errors import BadParameter
from ..store import Filters
from .terms import SORTS, parse_query

MAX_LIMIT = 200
MAX_OFFSET = 10_000
MAX_TEXT = 1000
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
    place: str | None = None  # a place of the library by any of its names (resolved later)
    sort: str | None = None  # None: by relevance, or newest first when only filters are left
    literal: bool = False  # the words as typed: no place or date read out of them
    keep: tuple[str, ...] = ()  # words understood once, kept as text since


def _text(args: Mapping, name: str, limit: int = 200) -> str | None:
    raw = (args.get(name) or "").strip()
    if len(raw) > limit:
        raise BadParameter(f"'{name}' is too long ({limit} characters at most).")
    return raw or None


def _integer(args: Mapping, name: str, default: int, low: int, high: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"'{name}' must be a whole number, not {raw!r}.") from None
    if not low <= value <= high:
        raise BadParameter(f"'{name}' must be between {low} and {high}, not {value}.")
    return value


def number(args: Mapping, name: str, default: float | None, low: float, high: float):
    """A decimal parameter within [low, high]; `default` when absent."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(f"'{name}' must be a number, not {raw!r}.") from None
    if not low <= value <= high:  # NaN fails this too
        raise BadParameter(f"'{name}' must be between {low:g} and {high:g}.")
    return value


def flag(args: Mapping, name: str) -> bool | None:
    raw = (args.get(name) or "").strip().lower()
    if raw and raw not in TRUE | FALSE:
        raise BadParameter(f"'{name}' must be true or false, not {raw!r}.")
    return None if not raw else raw in TRUE


def _date(args: Mapping, name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"'{name}' must be a date like 2019-08-03, not {raw!r}.") from None


def parse_filters(args: Mapping) -> Filters:
    """The metadata filters of a request (the place is resolved against the library later)."""
    date_from, date_to = _date(args, "date_from"), _date(args, "date_to")
    if date_from and date_to and date_from > date_to:
        raise BadParameter("'date_from' is after 'date_to'.")
    folder = _text(args, "folder", 4096)
    if folder is not None:
        if not os.path.isabs(folder):
            raise BadParameter(f"'folder' must be an absolute path, not {folder!r}.")
        folder = os.path.normpath(folder)
    formats = []
    for name in filter(
        None, (part.strip().lower() for part in (args.get("type") or "").split(","))
    ):
        if name not in FORMATS:
            raise BadParameter(f"Unknown file type {name!r}; known: {', '.join(sorted(FORMATS))}.")
        formats.append(FORMATS[name])
    return Filters(
        date_from=date_from,
        date_to=date_to,
        camera=_text(args, "camera"),
        folder=folder,
        formats=tuple(dict.fromkeys(formats)),
        has_location=flag(args, "has_location"),
    )


def parse_search(args: Mapping, upload: bytes | None = None, like: int | None = None):
    """A SearchRequest from parameters; BadParameter for bad values."""
    text = _text(args, "q", MAX_TEXT)
    if like is None and (args.get("like") or "").strip():
        like = _integer(args, "like", 0, 1, 2**63 - 1)
    place = _text(args, "place")
    filters = parse_filters(args)
    if sum(x is not None for x in (text, like, upload)) > 1:
        raise BadParameter("Give one of: q (text), like (a photo id), or an uploaded photo.")
    if text is None and like is None and upload is None and not (filters.active or place):
        raise BadParameter(
            "Give a search text (q), a photo (like, or an upload), or at least one filter."
        )
    if text:
        parse_query(text)  # reject malformed algebra before any work
    sort = _text(args, "sort")
    if sort is not None and sort not in SORTS:
        raise BadParameter(f"'sort' must be one of {', '.join(SORTS)}, not {sort!r}.")
    keep = tuple(kept.strip() for kept in _all(args, "keep") if kept.strip())
    return SearchRequest(
        text=text,
        like=like,
        upload=upload,
        limit=_integer(args, "limit", 40, 1, MAX_LIMIT),
        offset=_integer(args, "offset", 0, 0, MAX_OFFSET),
        min_score=number(args, "min_score", None, -1.0, 1.0),
        filters=filters,
        place=place,
        sort=sort,
        literal=bool(flag(args, "literal")),
        keep=keep[:20],
    )


def _all(args: Mapping, name: str) -> list[str]:
    """Every value of a repeated parameter (a MultiDict's getlist, or a CLI tuple)."""
    getlist = getattr(args, "getlist", None)
    if getlist is not None:
        return getlist(name)
    value = args.get(name) or ()
    return [value] if isinstance(value, str) else list(value)
