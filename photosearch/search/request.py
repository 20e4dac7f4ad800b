"""A search as asked: the web's query-string parameters and the CLI's options, named alike
(the fields), become one SearchRequest by the same reading. An error names the field as its
user wrote it: the web's `date_from`, the CLI's `--from`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ..errors import BadParameter
from ..store import Filters
from ..store.frame_ids import MAX_FRAMES
from .terms import SORTS, parse_query

MAX_LIMIT = 200
MAX_OFFSET = 10_000
MAX_TEXT = 1000
FORMATS = {
    "jpeg": "JPEG", "jpg": "JPEG", "png": "PNG", "heic": "HEIF", "heif": "HEIF",
    "webp": "WEBP", "gif": "GIF", "tiff": "TIFF", "tif": "TIFF", "bmp": "BMP", "raw": "RAW",
    "mp4": "MP4", "mov": "MOV", "m4v": "M4V", "3gp": "3GP", "mkv": "MKV", "webm": "WEBM",
    "avi": "AVI", "mts": "MTS", "m2ts": "M2TS",
}  # fmt: skip
MEDIA = {"photo": "photo", "photos": "photo", "video": "video", "videos": "video"}
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}")


@dataclass(frozen=True)
class SearchRequest:
    text: str | None = None
    like: int | None = None
    like_frame: int = 0  # with like, a video's scene (by its number) to search with
    upload: bytes | None = None
    upload_name: str = ""  # the uploaded file's path or name, where it has one
    limit: int = 40
    offset: int = 0
    min_score: float | None = None  # None: the configured default for the kind of query
    filters: Filters = Filters()
    place: str | None = None  # a place of the library by any of its names (resolved later)
    people: tuple[str, ...] = ()  # named people of the library, all in each photo (resolved later)
    sort: str | None = None  # None: by relevance, or newest first when only filters are left
    literal: bool = False  # the words as typed: no place or date read out of them
    keep: tuple[str, ...] = ()  # words understood once, kept as text since
    # The asker's language (BCP 47: "zh-Hans", the web page's; or a FLORES-200 code): for a
    # model that is told the query's language (NLLB), and for what was understood, told in it.
    lang: str | None = None


class Asked:
    """The values of a search by field: strings (a query string), or values a command line
    has typed already (whole numbers, flags); `names` says how the user calls a field, in
    errors (the field's own name, quoted, when absent)."""

    def __init__(self, values: Mapping, names: Mapping[str, str] | None = None):
        self.values = values
        self.names = names or {}

    def name(self, field: str) -> str:
        return self.names.get(field) or f"'{field}'"

    def raw(self, field: str):
        """The value as given, strings stripped; None when absent or empty."""
        value = self.values.get(field)
        if isinstance(value, str):
            value = value.strip()
        return None if value == "" else value

    def all(self, field: str) -> list[str]:
        """Every value of a repeated field (a MultiDict's getlist, or a command's tuple)."""
        getlist = getattr(self.values, "getlist", None)
        if getlist is not None:
            return getlist(field)
        value = self.values.get(field) or ()
        return [value] if isinstance(value, str) else list(value)


def _asked(args: Mapping | Asked) -> Asked:
    return args if isinstance(args, Asked) else Asked(args)


def _text(asked: Asked, field: str, limit: int = 200) -> str | None:
    raw = asked.raw(field)
    if raw is not None and len(raw) > limit:
        raise BadParameter.said(
            "{field} is too long ({limit} characters at most).",
            field=asked.name(field),
            limit=limit,
        )
    return raw


def number(args: Mapping | Asked, field: str, default, low, high, kind: type = float):
    """A parameter within [low, high], decimal or (`kind` int) whole; `default` when absent."""
    asked = _asked(args)
    value = asked.raw(field)
    if value is None:
        return default
    if isinstance(value, str):
        try:
            value = kind(value)
        except ValueError:
            named = {"field": asked.name(field), "value": value}
            error = (
                BadParameter.said("{field} must be a whole number, not {value!r}.", **named)
                if kind is int
                else BadParameter.said("{field} must be a number, not {value!r}.", **named)
            )
            raise error from None
    if not low <= value <= high:  # NaN fails this too
        raise BadParameter.said(
            "{field} must be between {low} and {high}, not {value}.",
            field=asked.name(field),
            low=_shown(low),
            high=_shown(high),
            value=_shown(value),
        )
    return value


def _shown(value: float) -> str:
    """A number as people write it: 1, not 1.0."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def flag(args: Mapping | Asked, field: str) -> bool | None:
    asked = _asked(args)
    value = asked.raw(field)
    if value is None or isinstance(value, bool):
        return value
    if value.lower() not in TRUE | FALSE:
        raise BadParameter.said(
            "{field} must be true or false, not {value!r}.",
            field=asked.name(field),
            value=value.lower(),
        )
    return value.lower() in TRUE


def _date(asked: Asked, field: str) -> date | None:
    raw = asked.raw(field)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter.said(
            "{field} must be a date like 2019-08-03, not {value!r}.",
            field=asked.name(field),
            value=raw,
        ) from None


def parse_filters(args: Mapping | Asked) -> Filters:
    """The metadata filters of a request (the place is resolved against the library later)."""
    asked = _asked(args)
    date_from, date_to = _date(asked, "date_from"), _date(asked, "date_to")
    if date_from and date_to and date_from > date_to:
        raise BadParameter.said(
            "{start} is after {end}.", start=asked.name("date_from"), end=asked.name("date_to")
        )
    folder = _text(asked, "folder", 4096)
    if folder is not None:
        if not os.path.isabs(folder):
            raise BadParameter.said(
                "{field} must be an absolute path, not {value!r}.",
                field=asked.name("folder"),
                value=folder,
            )
        folder = os.path.normpath(folder)
    formats, media = [], set()
    for name in filter(
        None, (part.strip().lower() for part in (asked.raw("type") or "").split(","))
    ):
        if name in MEDIA:
            media.add(MEDIA[name])
            continue
        if name not in FORMATS:
            raise BadParameter.said(
                "Unknown file type {value!r}; known: {known}.",
                value=name,
                known=", ".join(sorted({*FORMATS, "photo", "video"})),
            )
        formats.append(FORMATS[name])
    return Filters(
        media=media.pop() if len(media) == 1 else None,
        date_from=date_from,
        date_to=date_to,
        camera=_text(asked, "camera"),
        folder=folder,
        formats=tuple(dict.fromkeys(formats)),
        has_location=flag(asked, "has_location"),
    )


def parse_search(
    args: Mapping | Asked,
    upload: bytes | None = None,
    like: int | None = None,
    upload_name: str = "",
):
    """A SearchRequest from the fields asked (the web's parameters, or an Asked naming them
    as a command line does); BadParameter for bad values, naming the field as asked."""
    asked = _asked(args)
    text = _text(asked, "q", MAX_TEXT)
    if like is None and asked.raw("like") is not None:
        like = number(asked, "like", 0, 1, 2**63 - 1, int)
    like_frame = number(asked, "frame", 0, 0, MAX_FRAMES - 1, int)
    if like_frame and like is None:
        raise BadParameter.said(
            "{field} names a scene of the video given as like.", field=asked.name("frame")
        )
    place = _text(asked, "place")
    people = _people(asked)
    filters = parse_filters(asked)
    if sum(x is not None for x in (text, like, upload)) > 1:
        raise BadParameter.said("Give one of: q (text), like (a photo id), or an uploaded photo.")
    if text is None and like is None and upload is None and not (filters.active or place or people):
        raise BadParameter.said(
            "Give a search text (q), a photo (like, or an upload), or at least one filter."
        )
    if text:
        parse_query(text)  # reject malformed algebra before any work
    sort = _text(asked, "sort")
    if sort is not None and sort not in SORTS:
        raise BadParameter.said(
            "{field} must be one of {known}, not {value!r}.",
            field=asked.name("sort"),
            known=", ".join(SORTS),
            value=sort,
        )
    keep = tuple(kept.strip() for kept in asked.all("keep") if kept.strip())
    return SearchRequest(
        text=text,
        like=like,
        like_frame=like_frame,
        upload=upload,
        upload_name=upload_name,
        limit=number(asked, "limit", 40, 1, MAX_LIMIT, int),
        offset=number(asked, "offset", 0, 0, MAX_OFFSET, int),
        min_score=number(asked, "min_score", None, -1.0, 1.0),
        filters=filters,
        place=place,
        people=people,
        sort=sort,
        literal=bool(flag(asked, "literal")),
        keep=keep[:20],
        lang=_language(asked),
    )


def _people(asked: Asked) -> tuple[str, ...]:
    """The people asked for by name (`person`, repeated: photos with all of them)."""
    names = tuple(dict.fromkeys(" ".join(str(name).split()) for name in asked.all("person")))
    names = tuple(name for name in names if name)
    if any(len(name) > 200 for name in names) or len(names) > 20:
        raise BadParameter.said(
            "{field} names at most 20 people of 200 characters each.", field=asked.name("person")
        )
    return names


def _language(asked: Asked) -> str | None:
    """The asker's language: a language tag (zh, zh-Hans, fr-FR) or a FLORES-200 code
    (fra_Latn). Models that read it (NLLB) get its FLORES-200 code, others ignore it; the web
    tells what was understood in it."""
    from ..model.flores import flores_code

    tag = _text(asked, "lang", 35)
    if tag is not None and not LANGUAGE_TAG.fullmatch(tag) and flores_code(tag) is None:
        raise BadParameter.said(
            "{field} must be a language such as zh, zh-Hans, fr or en, not {value!r}.",
            field=asked.name("lang"),
            value=tag,
        )
    return tag
