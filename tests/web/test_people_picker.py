"""The search page's people picker through the Flask test client, on SQLite and PostgreSQL:
the people not hidden offered in the drawer with their faces (a named one by name, an unnamed
one by id), the search each choice makes with and without words, a chip per person that drops
just them, the line shown when there are no people, and bad choices as clear errors."""

from __future__ import annotations

import dataclasses
import html
import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from photosearch.faces.found import FoundFace
from photosearch.library import PhotoLibrary
from photosearch.metadata import PhotoMeta
from photosearch.store import FaceScan
from photosearch.store.faces import Faces
from photosearch.store.people import People
from photosearch.web import create_app
from photosearch.web.picker import UNNAMED

from ..people_photos import write_people

pytestmark = pytest.mark.both_databases


@pytest.fixture
def people(config, tiny_embedder, tmp_path):
    """Two people of four photos each, the first named Anna; the client and their ids."""
    library = PhotoLibrary(dataclasses.replace(config, min_score=-1.0), embedder=tiny_embedder)
    write_people(library, tmp_path / "people")
    library.index([tmp_path / "people"])  # their vectors: a query with words finds them
    anna, other = library.people()
    library.name_person(anna.id, "Anna")
    app = create_app(library.config, library)
    app.testing = True
    yield app.test_client(), library, anna.id, other.id
    library.close()


def picks(page: str) -> list[tuple[str, bool, str]]:
    """The picker's checkboxes: (value, ticked, what follows up to the label's end)."""
    found = re.findall(
        r'<label class="pick"><input type="checkbox" name="person" value="([^"]*)" ([^>]*)>'
        r"(.*?)</label>",
        page,
        flags=re.S,
    )
    return [(html.unescape(value), "checked" in rest, shown) for value, rest, shown in found]


def cards(page: str) -> set[str]:
    return set(re.findall(r'<span class="caption">([^<]*)</span>', page))


def person_chips(page: str) -> dict[str, dict[str, list[str]]]:
    """Each person's chip: its words, and the query of its × link."""
    found = re.findall(
        r'<span class="chip" data-filter="person">(?:<img class="chip-face" src="[^"]*"[^>]*>)?'
        r'([^<]*)<a class="remove" href="([^"]*)"',
        page,
    )
    return {label: parse_qs(urlsplit(html.unescape(url)).query) for label, url in found}


def test_the_drawer_offers_the_people_with_their_faces(people):
    client, library, anna, other = people
    faces = library.first_faces()
    page = client.get("/").get_data(as_text=True)  # the timeline has the drawer too
    offered = picks(page)
    assert [(value, ticked) for value, ticked, _ in offered] == [
        ("Anna", False), (str(other), False)]  # fmt: skip
    assert f'src="/media/faces/{faces[anna]}.jpg"' in offered[0][2] and "Anna" in offered[0][2]
    unnamed = offered[1][2]
    assert f'src="/media/faces/{faces[other]}.jpg"' in unnamed and "<span>Unnamed</span>" in unnamed
    assert f'aria-label="Unnamed ({other})"' in page  # two unnamed ones read apart
    assert 'id="no-people"' not in page

    library.hide_person(other)  # hidden people are left out
    assert [value for value, _, _ in picks(client.get("/").get_data(as_text=True))] == ["Anna"]


def test_a_pick_finds_their_photos_with_or_without_words(people):
    client, library, anna, other = people
    page = client.get("/", query_string={"person": "anna"}).get_data(as_text=True)
    assert cards(page) == {f"sitter0-{n}.jpg" for n in range(4)}
    assert picks(page)[0][1] and not picks(page)[1][1]  # ticked, case aside
    assert person_chips(page) == {"with Anna": {}}
    assert 'class="chip-face" src="/media/faces/' in page
    assert 'Filters <span class="count">(1)</span>' in page

    # An unnamed person by id (the People page links them so too), beside words.
    asked = {"person": str(other), "q": "a photo"}
    page = client.get("/", query_string=asked).get_data(as_text=True)
    assert cards(page) == {f"sitter1-{n}.jpg" for n in range(4, 8)}
    assert picks(page)[1][1] and '<input type="hidden" name="q" value="a photo">' in page
    assert person_chips(page) == {f"with Unnamed ({other})": {"q": ["a photo"]}}
    answer = client.get("/api/search", query_string=asked).get_json()
    assert answer["filters"]["people"] == [other] and len(answer["results"]) == 4

    # Both ticked: the photos with both of them (none here); each chip drops one.
    both = [("person", "Anna"), ("person", str(other))]
    page = client.get("/", query_string=both).get_data(as_text=True)
    assert cards(page) == set() and "No photo matches with these filters." in page
    assert [ticked for _, ticked, _ in picks(page)] == [True, True]
    assert person_chips(page) == {
        "with Anna": {"person": [str(other)]},
        f"with Unnamed ({other})": {"person": ["Anna"]},
    }
    assert client.get("/api/search", query_string=both).get_json()["results"] == []


def test_many_unnamed_people_offer_those_with_most_faces(people):
    client, library, anna, other = people
    crowd = [FoundFace((0.03 * n, 0.1, 0.03, 0.03), ((0.5, 0.4),) * 5, 0.9, np.ones(128, "f"))
             for n in range(UNNAMED + 6)]  # fmt: skip
    digest = "c" * 64  # a photo of a crowd of strangers, each a person of one face
    with library.store.writer() as writer:
        writer.add_photo("/album/crowd.jpg", 1, 1, digest, PhotoMeta())
        writer.concern(Faces).set_faces([FaceScan(digest, "crowd-1", tuple(crowd))])
        concern = writer.concern(People)
        faces = writer.concern(Faces).photo_faces(digest, "crowd-1")
        strangers = [concern.add_person() for _ in faces]
        concern.assign_faces(
            {face.id: person for face, person in zip(faces, strangers, strict=True)}
        )
    offered = [value for value, _, _ in picks(client.get("/").get_data(as_text=True))]
    assert offered == ["Anna", str(other), *map(str, strangers[: UNNAMED - 1])]
    page = client.get("/", query_string={"person": str(strangers[-1])}).get_data(as_text=True)
    assert picks(page)[-1][:2] == (str(strangers[-1]), True)  # asked for: offered, ticked
    assert '<a href="/people" id="all-people">' in page


def test_a_person_nobody_has_is_a_clear_error_its_chip_removes(people):
    client, library, anna, other = people
    library.hide_person(other)
    for asked in ("Nobody", str(other), "9" * 40, "٣"):  # unknown, hidden, too long, not ASCII
        answer = client.get("/", query_string=[("person", asked), ("person", "Anna")])
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400 and "Traceback" not in page, asked
        assert f"Nobody in this library is named &#39;{asked}&#39;" in page
        chips = person_chips(page)
        assert chips[f"with {asked}"] == {"person": ["Anna"]}  # its × drops just it
        assert f'<input type="hidden" name="person" value="{asked}">' in page  # kept by Apply


def test_without_people_the_drawer_says_how_to_get_them(config, tiny_embedder):
    for faces, said in (
        (False, "No people yet: turn on faces (the setting `faces`) and index."),
        (True, "No people yet: they appear once the same face is found in several photos."),
    ):
        library = PhotoLibrary(dataclasses.replace(config, faces=faces), embedder=tiny_embedder)
        try:
            page = create_app(library.config, library).test_client().get("/")
            text = page.get_data(as_text=True)
            assert 'id="people-picker"' in text and html.escape(said, quote=False) in text
            assert picks(text) == []
        finally:
            library.close()


def test_the_picker_speaks_chinese(people):
    client, _, _, other = people
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<legend>人物</legend>" in page and "包含所有勾选人物的照片。" in page
    assert "<span>未命名</span>" in page and f'aria-label="未命名 ({other})"' in page
    chosen = client.get("/", query_string={"person": "Anna"}, headers={"Accept-Language": "zh-CN"})
    assert "人物：Anna" in chosen.get_data(as_text=True)
