"""The People page and its plain forms: each person with a face, a name to change, another
person to merge in and a hide button; a face of a photo's page given to another person. Every
form posts here and is redirected back, so the page works without JavaScript; the JSON API
(web/people.py) does the same for scripts."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext

from ..errors import BadParameter
from .api import library

blueprint = Blueprint("people_pages", __name__)


def _form(name: str, empty: bool = False) -> str:
    """A field of the form, trimmed; BadParameter when it is missing (or empty, unless
    `empty` allows it)."""
    value = request.form.get(name, "").strip()
    if name not in request.form or not (value or empty):
        raise BadParameter(gettext("Send the field '{name}'.").format(name=name))
    return value


def _person_card(person, faces: dict[int, int]) -> dict:
    """A person as the page lists them: the crop of their first face and where a click goes."""
    face = faces.get(person.id)
    return {
        **person.to_dict(),
        "face_url": url_for("media.face", face_id=face) if face else None,
        "search_url": url_for("pages.index", person=person.name or person.id),
    }


@blueprint.get("/people")
def people():
    everyone, faces = library().people(hidden=True), library().first_faces()
    shown = [_person_card(person, faces) for person in everyone if not person.hidden]
    hidden = [_person_card(person, faces) for person in everyone if person.hidden]
    return render_template("people.html", people=shown, hidden=hidden)


@blueprint.post("/people/<int:person_id>/name")
def name(person_id: int):
    library().name_person(person_id, _form("name", empty=True))  # empty: unnamed again
    return redirect(url_for("people_pages.people"))


@blueprint.post("/people/<int:person_id>/merge")
def merge(person_id: int):
    """The chosen person's faces become this one's."""
    library().merge_people(person_id, _form("person"))
    return redirect(url_for("people_pages.people"))


@blueprint.post("/people/<int:person_id>/hide")
def hide(person_id: int):
    library().hide_person(person_id, hidden=request.form.get("hidden", "1") != "0")
    return redirect(url_for("people_pages.people"))


@blueprint.post("/faces/<int:face_id>/move")
def move(face_id: int):
    """A face of a photo's page given to another person; back to that photo."""
    photo_id = library().face(face_id)["photo_id"]
    library().move_face(face_id, _form("person"))
    return redirect(url_for("pages.photo", photo_id=photo_id))
