"""The people's JSON API, under the token as the rest of /api: /api/people (listed),
/api/people/<id> (with its faces), a person named, merged, hidden or unhidden, a face moved or
dropped, and /api/people/regroup. A body is JSON or a form; an unknown person or face is 404."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext

from ..errors import BadParameter
from ..library import PhotoLibrary

blueprint = Blueprint("people_api", __name__)


def library() -> PhotoLibrary:
    return current_app.config["LIBRARY"]


def field(name: str) -> str:
    """A field of the request's body (JSON or form); BadParameter when it is missing."""
    body = request.get_json(silent=True)
    value = body.get(name) if isinstance(body, dict) else request.form.get(name)
    if value is None or isinstance(value, (dict, list, bool)):
        raise BadParameter(gettext("Send the field '{name}'.").format(name=name))
    return str(value)


def person_json(person_id: int | str) -> dict:
    lib = library()
    person = lib.person(person_id)
    return {**person.to_dict(), "faces_found": lib.person_faces(person.id)}


@blueprint.get("/people")
def people():
    hidden = request.args.get("all", "") not in ("", "0", "false")
    return jsonify(people=[person.to_dict() for person in library().people(hidden)])


@blueprint.get("/people/<int:person_id>")
def person(person_id: int):
    return jsonify(person_json(person_id))


@blueprint.post("/people/<int:person_id>/name")
def name(person_id: int):
    return jsonify(library().name_person(person_id, field("name")).to_dict())


@blueprint.post("/people/<int:person_id>/merge")
def merge(person_id: int):
    """The person of the body's `person` (id or name) is merged into this one."""
    return jsonify(library().merge_people(person_id, field("person")).to_dict())


@blueprint.post("/people/<int:person_id>/hide")
def hide(person_id: int):
    return jsonify(library().hide_person(person_id).to_dict())


@blueprint.post("/people/<int:person_id>/unhide")
def unhide(person_id: int):
    return jsonify(library().hide_person(person_id, hidden=False).to_dict())


@blueprint.post("/faces/<int:face_id>/move")
def move(face_id: int):
    """The face goes to the body's `person` (id or name)."""
    return jsonify(library().move_face(face_id, field("person")).to_dict())


@blueprint.post("/faces/<int:face_id>/drop")
def drop(face_id: int):
    left = library().drop_face(face_id)
    return jsonify(face=face_id, dropped=left is not None, person=left)


@blueprint.post("/people/regroup")
def regroup():
    return jsonify(library().regroup_people().to_dict())
