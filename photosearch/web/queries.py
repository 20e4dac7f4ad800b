"""A search as the web runs it, and its one JSON shape that both the API and the pages render:
every page has a JSON twin."""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import date

from flask import url_for

from ..library import PhotoLibrary, SearchResult
from ..search.request import SearchRequest
from ..search.searcher import SearchHit
from ..store import Photo, display_path


def run_search(library: PhotoLibrary, request: SearchRequest) -> dict:
    return search_json(request, library.search(request))


def search_json(request: SearchRequest, result: SearchResult) -> dict:
    hits = result.hits
    return {
        "query": {"q": request.text, "like": request.like, "upload": request.upload is not None},
        "interpretation": result.interpretation.to_dict() if result.interpretation else None,
        "place": result.place.label if result.place else None,
        "filters": filters_json(result),
        "filters_active": result.filters.active,
        "min_score": result.min_score,
        "sort": result.sort,
        "limit": request.limit,
        "offset": request.offset,
        "next_offset": request.offset + request.limit if len(hits) == request.limit else None,
        "results": [hit_json(hit) for hit in hits],
    }


def filters_json(result: SearchResult) -> dict:
    """The filters as asked for (the web's parameter names); places and dates read from the
    query are in the interpretation."""
    shown = {}
    for key, value in asdict(result.filters).items():
        if key in ("places", "taken_north", "taken_south"):
            continue
        shown[key] = value.isoformat() if isinstance(value, date) else value
    return shown


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
    score = None if hit.score is None else round(hit.score, 6)
    return {"rank": hit.rank, "score": score, **photo_json(hit.photo)}
