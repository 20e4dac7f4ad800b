"""HTML pages: search, a photo with its metadata, near-duplicates, login. Each renders the
same data that its JSON twin under /api returns."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext

from ..errors import ImageTooLarge, QueryError
from ..search.request import parse_filters, parse_search
from .api import duplicate_groups, get_photo, library
from .auth import token_matches
from .errors import told
from .language import page_language
from .picker import people_picker
from .queries import checked_upload, explore_json, photo_json, photo_page_json, run_search
from .timeline import home

blueprint = Blueprint("pages", __name__)
SEARCHED = ("q", "like", "sort", "min_score", "offset", "person")  # any: the page is a search


def _page(results=None, error=None, status=200, timeline=None):
    lib = library()
    try:
        filters = parse_filters(request.args)
    except QueryError:
        filters = None
    picker = people_picker(lib, _without)
    context = {
        "results": results,
        "error": error,
        "args": request.args,
        "filters": filters,
        "facets": lib.facets(),
        "places": lib.place_choices(),
        "keep_urls": _keep_urls(results),
        "filter_chips": _filter_chips() + picker["chips"],
        "picker": picker,
        "faces_on": lib.config.faces,
        "closeness": _closeness(results, lib.config),
        "counts": lib.counts(),
        "text_counts": lib.text_counts() if results is None else None,
        "ocr": lib.config.ocr,
        "default_min_score": lib.config.min_score,
        "like_photo": None,
        "next_url": None,
        "timeline": timeline,
    }
    if results and results["query"]["like"]:
        context["like_photo"] = photo_json(get_photo(results["query"]["like"]))
    if results and results["next_offset"] is not None and not results["query"]["upload"]:
        context["next_url"] = url_for(
            "pages.index",
            **{**request.args.to_dict(flat=False), "offset": results["next_offset"]},
        )
    return render_template("search.html", **context), status


def _keep_urls(results: dict | None) -> list[str]:
    """For each chip of the interpretation, this search with its words kept as words."""
    interpretation = (results or {}).get("interpretation") or {}
    urls = []
    for item in interpretation.get("understood", []):
        args = request.args.copy()
        args.add("keep", item["said"])
        args.pop("offset", None)
        urls.append(url_for("pages.index", **args.to_dict(flat=False)))
    return urls


def _without(*names: str, **added: str | list[str]) -> str:
    """This page's URL without the named parameters (nor the offset, nor the drawer's empty
    fields), with `added` set."""
    args = request.args.copy()
    for name in (*names, "offset", *(key for key, value in request.args.items() if not value)):
        args.pop(name, None)
    args.update(added)
    return url_for("pages.index", **args.to_dict(flat=False))


def _chip_labels() -> dict:
    """Each parameter of the drawer, and how its chip reads in the page's language."""
    return {
        "date_from": gettext("from {value}"),
        "date_to": gettext("to {value}"),
        "camera": gettext("camera: {value}"),
        "folder": gettext("folder: {value}"),
        "type": gettext("type: {value}"),
        "place": gettext("in {place}"),
        "has_location": {"true": gettext("with GPS"), "false": gettext("without GPS")},
        "literal": {"true": gettext("words as typed")},
        "sort": {"newest": gettext("newest first"), "oldest": gettext("oldest first")},
    }


def _filter_chips() -> list[dict]:
    """A chip for each filter set in the drawer, read from the URL as asked (a bad value too:
    its chip removes it), each with the URL of this search without it."""
    chips = []
    for name, label in _chip_labels().items():
        value = request.args.get(name, "").strip()
        if isinstance(label, dict):
            shown = label.get(value)
        else:
            shown = label.format(value=value, place=value)
        if value and shown:
            chips.append({"name": name, "label": shown, "url": _without(name)})
    return chips


# How far "show more" lowers the minimum score below the configured one: photo-to-photo
# scores spread wider than text-to-photo ones (0.5 is a near copy; 0.2 is a fair text match).
WIDER = {"text": 0.05, "photo": 0.1}


def _closeness(results: dict | None, config) -> dict | None:
    """ "Only close matches" (the configured minimum score) or "show more" (a lower one), as
    two links; `custom` holds a number set in the drawer that is neither. None for a search
    without scores (filters alone) or without a cutoff."""
    if not results or results["min_score"] is None:
        return None
    kind = "text" if results["query"]["q"] else "photo"
    close = config.min_score if kind == "text" else config.min_score_photo
    more = round(max(-1.0, close - WIDER[kind]), 2)
    if more == close:  # no cutoff to lower (-1)
        return None
    asked = request.args.get("min_score", "").strip()  # empty: the drawer left it as it is
    chosen = "close" if not asked else "more" if results["min_score"] == more else None
    return {
        "close": close,
        "chosen": chosen,
        "close_url": _without("min_score"),
        "more_url": _without("min_score", min_score=f"{more:g}"),
        "custom": None if chosen else results["min_score"],
    }


@blueprint.route("/", methods=["GET", "POST"])
def index():
    upload = request.files.get("photo") if request.method == "POST" else None
    if request.method == "POST" and (upload is None or not upload.filename):
        return _page(error=gettext("Choose a photo to search with."), status=400)
    if upload is None and not any(request.args.get(name, "").strip() for name in SEARCHED):
        try:  # the library as a timeline, with the filters asked for
            return _page(timeline=home(library(), request.args))
        except QueryError as error:
            return _page(error=told(error), status=400)
    try:
        data = checked_upload(library(), upload.read()) if upload else None
        search = parse_search(request.args, upload=data)
        search = dataclasses.replace(search, lang=search.lang or page_language())
        return _page(results=run_search(library(), search))
    except QueryError as error:
        return _page(error=told(error), status=413 if isinstance(error, ImageTooLarge) else 400)


@blueprint.get("/photos/<int:photo_id>")
def photo(photo_id: int):
    shown = photo_page_json(library(), get_photo(photo_id), request.args)
    if shown["media"] == "video":
        return render_template("video.html", photo=shown)
    people = library().people() if shown["faces"] else []  # whom a face can be given to
    return render_template("photo.html", photo=shown, people=people)


@blueprint.get("/duplicates")
def duplicates():
    return render_template("duplicates.html", **duplicate_groups())


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    target = request.args.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"  # only ever redirect within this site
    if request.method == "POST":
        if token_matches(request.form.get("token")):
            session["authenticated"] = True
            session.permanent = True
            return redirect(target)
        error = gettext("That token is not right.")
        return render_template("login.html", error=error, next=target), 401
    return render_template("login.html", error=None, next=target)


@blueprint.get("/logout")
def logout():
    session.clear()
    return redirect(url_for("pages.login"))


@blueprint.get("/explore")
def explore():
    """Places, years and written words, each opening the photos it stands for."""
    return render_template("explore.html", explored=explore_json(library()))
