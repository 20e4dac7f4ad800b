"""The search page's people picker: the people not hidden (every named one, the unnamed ones
with the most faces), each with its face's crop, ticked when the page's `person=` asks for
them; and a chip for each person asked for that removes just them. A named person is asked
for by name and an unnamed one by id, as the People page links them."""

from __future__ import annotations

from collections.abc import Callable

from flask import request, url_for
from flask_babel import gettext

from ..library import PhotoLibrary
from ..text import fold

UNNAMED = 24  # unnamed people offered, most faces first: those worth a name; the rest wait


def people_picker(library: PhotoLibrary, without: Callable[..., str]) -> dict:
    """The picker's people (`choices`), whether unnamed people were left out (`more`), the
    chips of the people asked for (`chips`) and the values asked for that no choice stands
    for (`kept`: the drawer sends them on). `without(*names, **added)`: this page's URL
    without those parameters, with `added`."""
    asked = (" ".join(name.split()) for name in request.args.getlist("person"))
    asked = list(dict.fromkeys(name for name in asked if name))
    choices, more = _choices(library, asked)
    known = {key: choice for choice in choices for key in (fold(choice["value"]), choice["id"])}
    return {
        "choices": choices,
        "more": more,
        "chips": [_chip(name, asked, known.get(fold(name), {}), without) for name in asked],
        "kept": [name for name in asked if fold(name) not in known],
    }


def _choices(library: PhotoLibrary, asked: list[str]) -> tuple[list[dict], bool]:
    """The named people not hidden and the UNNAMED unnamed ones with the most faces (and any
    asked for), most faces first: `value` to send, `label` to read (with the id of an unnamed
    one: `full_label`), their first face's crop and whether they are `chosen` (asked for by
    name, case and accents aside, or by id). True too when unnamed people were left out."""
    folded, choices, unnamed = {fold(name) for name in asked}, [], 0
    for person_id, name, face in library.people_of_library().with_faces():
        value = name or str(person_id)
        chosen = fold(value) in folded or str(person_id) in asked
        unnamed += name is None
        if name is None and unnamed > UNNAMED and not chosen:
            continue
        label = name or gettext("Unnamed")
        choices.append(
            {
                "id": str(person_id),
                "value": value,
                "label": label,
                "full_label": name or f"{label} ({person_id})",
                "face_url": url_for("media.face", face_id=face),
                "chosen": chosen,
            }
        )
    return choices, unnamed > UNNAMED


def _chip(name: str, asked: list[str], chosen: dict, without: Callable[..., str]) -> dict:
    """The chip of one person asked for, removing just them."""
    others = [other for other in asked if other != name]
    return {
        "name": "person",
        "label": gettext("with {person}").format(person=chosen.get("full_label", name)),
        "url": without("person", **({"person": others} if others else {})),
        "face_url": chosen.get("face_url"),
    }
