"""JSON API: /api/search, /api/photos/<id>, /api/photos/<id>/similar, /api/status,
/api/duplicates, /api/facets, /api/explore, /api/timeline, /api/timeline/months."""

from __future__ import annotations

import os

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext
from werkzeug.exceptions import NotFound

from ..errors import BadParameter
from ..library import PhotoLibrary
from ..search.request import number, parse_search
from .queries import checked_upload, explore_json, photo_json, photo_page_json, run_search
from .timeline import months_json, parse_timeline, timeline_json

blueprint = Blueprint("api", __name__)


def library() -> PhotoLibrary:
    return current_app.config["LIBRARY"]


def get_photo(photo_id: int):
    photo = library().photo(photo_id)
    if photo is None:
        raise NotFound(gettext("No indexed photo has id {id}.").format(id=photo_id))
    return photo


@blueprint.get("/search")
def search():
    return jsonify(run_search(library(), parse_search(request.args)))


@blueprint.post("/search")
def search_by_upload():
    """A search by a query photo, sent as the multipart field `photo`. With `like_path`, the
    photo's own path (as the terminal sends it): when that file is indexed, its stored vector
    is searched with, as `like` would, and the upload is not decoded."""
    upload = request.files.get("photo")
    if upload is None:
        raise BadParameter(gettext("Send the query photo as a multipart file field named 'photo'."))
    lib = library()
    path = request.args.get("like_path")
    indexed = lib.indexed_photo(path) if path and os.path.isabs(path) else None
    if indexed is not None:
        return jsonify(run_search(lib, parse_search(request.args, like=indexed.id)))
    data = checked_upload(lib, upload.read())
    return jsonify(run_search(lib, parse_search(request.args, upload=data, upload_name=path or "")))


@blueprint.get("/photos/<int:photo_id>")
def photo(photo_id: int):
    return jsonify(photo_page_json(library(), get_photo(photo_id), request.args))


@blueprint.get("/photos/<int:photo_id>/similar")
def similar(photo_id: int):
    get_photo(photo_id)
    return jsonify(run_search(library(), parse_search(request.args, like=photo_id)))


@blueprint.get("/status")
def status():
    lib = library()
    report = lib.status()
    report["device"] = lib.embedder.device  # what the server really runs on
    report["model_key"] = lib.embedder.identity.key
    report["runtime"] = lib.embedder.runtime_report()
    return jsonify(report)


@blueprint.get("/facets")
def facets():
    lib = library()
    return jsonify({**lib.facets(), "places": lib.place_choices()})


@blueprint.get("/timeline")
def timeline():
    return jsonify(timeline_json(library(), parse_timeline(request.args)))


@blueprint.get("/timeline/months")
def timeline_months():
    return jsonify(months_json(library(), parse_timeline(request.args)))


@blueprint.get("/duplicates")
def duplicates():
    return jsonify(duplicate_groups())


def duplicate_groups() -> dict:
    lib = library()
    threshold = number(request.args, "threshold", lib.config.duplicate_threshold, 0.5, 1.0)
    groups = lib.duplicate_groups(threshold)
    return {"threshold": threshold, "groups": [list(map(photo_json, group)) for group in groups]}


@blueprint.get("/explore")
def explore():
    return jsonify(explore_json(library()))
