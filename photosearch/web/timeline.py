"""The timeline as the web serves it: a page of photos and its next cursor, the months of the
scrubber, and the page's grouping under month and day headers. The home page and
/api/timeline answer from the same request and the same JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for

from ..errors import BadParameter
from ..library import PhotoLibrary
from ..search.request import number, parse_filters
from ..store import Cursor, Filters
from .queries import photo_json

PAGE = 100  # photos a page, the home page's and the API's default
MAX_PAGE = 200


@dataclass(frozen=True)
class TimelineRequest:
    filters: Filters
    place: str | None
    after: Cursor | None
    limit: int
    before: Cursor | None = None  # the page just before it (newer) instead


def parse_timeline(args: Mapping) -> TimelineRequest:
    """The search's filters, `place`, `cursor` (a next_cursor, opaque) or `before` (a
    previous_cursor: the page before it), and `limit`."""
    place = (args.get("place") or "").strip() or None
    if place and len(place) > 200:
        raise BadParameter("place must be at most 200 characters.")
    after, before = args.get("cursor"), args.get("before")
    if after is not None and before is not None:
        raise BadParameter("give cursor or before, not both.")
    return TimelineRequest(
        filters=parse_filters(args),
        place=place,
        after=Cursor.decode(after) if after is not None else None,
        limit=number(args, "limit", PAGE, 1, MAX_PAGE, int),
        before=Cursor.decode(before) if before is not None else None,
    )


def timeline_json(library: PhotoLibrary, asked: TimelineRequest) -> dict:
    """A page and the cursors around it: next_cursor after its last photo (None at the end),
    previous_cursor before its first (None when nothing newer can be there)."""
    if asked.before is not None:
        photos, previous = library.timeline(
            asked.filters, asked.place, asked.before, asked.limit, newer=True
        )
        return {
            "photos": [photo_json(photo) for photo in photos],
            "previous_cursor": previous.encode() if previous else None,
        }
    photos, next_cursor = library.timeline(asked.filters, asked.place, asked.after, asked.limit)
    first = photos[0] if photos and asked.after is not None else None
    return {
        "photos": [photo_json(photo) for photo in photos],
        "next_cursor": next_cursor.encode() if next_cursor else None,
        "previous_cursor": Cursor(first.taken_at, first.id).encode() if first else None,
    }


def months_json(library: PhotoLibrary, asked: TimelineRequest) -> dict:
    found = library.timeline_months(asked.filters, asked.place)
    return {
        "months": [
            {
                "year": year,
                "month": month,
                "label": f"{date(year, month, 1):%B %Y}",
                "photos": count,
                "cursor": cursor.encode(),
            }
            for year, month, count, cursor in found.months
        ],
        "undated": {"photos": found.undated, "cursor": found.undated_cursor.encode()},
    }


def grouped(photos: list[dict]) -> list[dict]:
    """Photos under their month, and in it their day, as the page shows them: a month is
    {"key": "2021-03", "label": "March 2021", "days": [{"key", "label", "photos"}]}; the
    undated ones under "No date"."""
    months: list[dict] = []
    for photo in photos:
        taken = datetime.fromisoformat(photo["taken_at"]) if photo["taken_at"] else None
        month_key = taken.strftime("%Y-%m") if taken else "undated"
        day_key = taken.strftime("%Y-%m-%d") if taken else "undated"
        if not months or months[-1]["key"] != month_key:
            label = taken.strftime("%B %Y") if taken else "No date"
            months.append({"key": month_key, "label": label, "days": []})
        days = months[-1]["days"]
        if not days or days[-1]["key"] != day_key:
            label = f"{taken:%a} {taken.day} {taken:%B}" if taken else ""
            days.append({"key": day_key, "label": label, "photos": []})
        days[-1]["photos"].append(photo)
    return months


def alt_text(photo: dict) -> str:
    """What a photo shows to someone who cannot see it: its date, place and name."""
    parts = []
    if photo["taken_at"]:
        taken = datetime.fromisoformat(photo["taken_at"])
        parts.append(f"taken {taken.day} {taken:%B %Y}")
    if photo.get("place"):
        parts.append(f"in {photo['place']}")
    return " ".join(["Photo", *parts]) + f": {photo['name']}"


def filter_args(args: Mapping) -> dict:
    """The request's parameters less the cursors: what a link to another page keeps."""
    return {name: value for name, value in args.items() if name not in ("cursor", "before")}


def home(library: PhotoLibrary, args: Mapping) -> dict:
    """The home page's timeline: its first page (or the cursor's), grouped, with a link to the
    next one for browsers without JavaScript, and the scrubber's months."""
    asked = parse_timeline(args)
    page = timeline_json(library, asked)
    kept = filter_args(args)
    months = months_json(library, asked)
    for month in months["months"]:
        month["url"] = url_for("pages.index", **kept, cursor=month["cursor"])
    undated = months["undated"]
    undated["url"] = url_for("pages.index", **kept, cursor=undated["cursor"])
    next_cursor = page["next_cursor"]
    return {
        "months": grouped(page["photos"]),
        "next_cursor": next_cursor,
        "previous_cursor": page["previous_cursor"],
        "next_url": url_for("pages.index", **kept, cursor=next_cursor) if next_cursor else None,
        "newest_url": url_for("pages.index", **kept) if asked.after else None,
        "api": url_for("api.timeline", **kept),
        "scrubber": months,
        "alt": {photo["id"]: alt_text(photo) for photo in page["photos"]},
    }
