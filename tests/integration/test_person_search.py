"""Search by person on SQLite and PostgreSQL: `person=` (repeated: photos with all of them) and
a person's name read from the query, through the library, the CLI and the API, and the people
in each hit. The album of test_places_and_dates, with faces written into the store and people
named as the user names them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import event

from photosearch.errors import QueryError
from photosearch.faces.found import FoundFace
from photosearch.library import PhotoLibrary
from photosearch.search.request import parse_search
from photosearch.store import FaceScan
from photosearch.store.faces import Faces
from photosearch.store.people import People
from photosearch.web import create_app

from ..album import write_album

pytestmark = pytest.mark.both_databases
VERSION = "synthetic-1"
# Who is in which photo of the album; "Rose" is two people the user gave one name.
SITTERS = {
    "Anna": ["lisbon-cat.jpg", "lisbon-coffee.jpg", "sydney-astronaut.jpg"],
    "Rui": ["lisbon-cat.jpg", "porto-grass.jpg"],
    None: ["paris-rocket.jpg"],  # a person nobody named
    "Secret": ["at-sea-moon.jpg"],  # hidden
    "Rose": ["no-gps-coins.jpg"],
    "rose": ["undated-wall.jpg"],
}


@pytest.fixture
def people(config, tiny_embedder, photo_tree, tmp_path):
    """The library, and each person's id by name."""
    library = PhotoLibrary(config, embedder=tiny_embedder)
    album = write_album(photo_tree, tmp_path / "Album")
    library.index([album])
    digest = {name: library.store.photo_by_path(str(album / name)).content_hash
              for names in SITTERS.values() for name in names}  # fmt: skip
    rng = np.random.default_rng(7)
    faces: dict[str, list] = {}
    for name, photos in SITTERS.items():
        for photo in photos:
            vector = rng.normal(size=128).astype("float32")
            box = (0.1 + 0.3 * len(faces.get(photo, [])), 0.2, 0.2, 0.2)
            found = FoundFace(box, ((0.5, 0.4),) * 5, 0.9, vector / np.linalg.norm(vector))
            faces.setdefault(photo, []).append((name, found))
    ids = {}
    with library.store.writer() as writer:
        writer.concern(Faces).set_faces(
            [
                FaceScan(digest[photo], VERSION, tuple(f for _, f in found))
                for photo, found in faces.items()
            ]  # fmt: skip
        )
        stored = writer.concern(Faces)
        concern = writer.concern(People)
        for name, photos in SITTERS.items():
            person = ids[name] = concern.add_person(name)
            for photo in photos:
                for face in stored.photo_faces(digest[photo], VERSION):
                    if faces[photo][face.number][0] == name:
                        concern.assign_faces({face.id: person})
        concern.hide_person(ids["Secret"])
    yield library, ids
    library.close()


def found(library: PhotoLibrary, **fields) -> set[str]:
    request = parse_search({"min_score": "-1", "limit": "100", **fields})
    return {hit.photo.path.rsplit("/", 1)[1] for hit in library.search(request).hits}


def test_person_finds_the_photos_with_all_of_them(people):
    library, ids = people
    assert found(library, person="Anna") == set(SITTERS["Anna"])
    assert found(library, person="ANNA", q="a photo") == set(SITTERS["Anna"])  # case aside
    both = parse_search(_multi(person=["Anna", "rui"], min_score="-1"))
    result = library.search(both)
    assert {hit.photo.path.rsplit("/", 1)[1] for hit in result.hits} == {"lisbon-cat.jpg"}
    answer = result.to_dict()
    assert answer["filters"]["people"] == [ids["Anna"], ids["Rui"]]
    assert answer["people"] == ["Anna", "Rui"]
    # One name given to two people: a photo with either of them.
    assert found(library, person="rose") == {"no-gps-coins.jpg", "undated-wall.jpg"}
    assert found(library, person="Anna", place="Lisbon") == {"lisbon-cat.jpg", "lisbon-coffee.jpg"}
    for name in ("Secret", "Nobody"):  # a hidden person is not found by name
        with pytest.raises(QueryError) as refused:
            library.search(parse_search({"person": name}))
        assert str(refused.value).startswith(f"Nobody in this library is named '{name}'.")
        assert str(refused.value).endswith("People named: Anna, Rui, Rose.")  # not Secret


def _multi(**fields):
    from werkzeug.datastructures import MultiDict

    return MultiDict([(key, value) for key, values in fields.items()
                      for value in (values if isinstance(values, list) else [values])])  # fmt: skip


def test_a_name_in_the_query_is_a_person_unless_taken_off_literal_or_quoted(people):
    library, ids = people
    request = parse_search({"q": "Anna at the beach in Lisbon 2019", "min_score": "-1"})
    result = library.search(request)
    interpretation = result.interpretation
    assert [(item.kind, item.said) for item in interpretation.understood] == [
        ("person", "Anna"), ("place", "in Lisbon"), ("when", "2019")]  # fmt: skip
    assert interpretation.text == "at the beach"
    assert interpretation.line() == (
        '"at the beach" · with Anna · in Lisbon · taken 2019-01-01 to 2019-12-31')  # fmt: skip
    assert [hit.photo.path.rsplit("/", 1)[1] for hit in result.hits] == ["lisbon-coffee.jpg"]
    assert result.to_dict()["interpretation"]["people"] == ["Anna"]
    assert found(library, q="photos with rui") == set(SITTERS["Rui"])
    both = library.search(parse_search({"q": "Anna and Rui", "min_score": "-1"}))
    assert both.interpretation.to_dict()["people"] == ["Anna", "Rui"]
    assert {hit.photo.path.rsplit("/", 1)[1] for hit in both.hits} == {"lisbon-cat.jpg"}
    for taken_off in (
        {"q": "Anna at the beach", "keep": "Anna"},
        {"q": "Anna at the beach", "literal": "true"},
        {"q": '"Anna" at the beach'},
    ):
        result = library.search(parse_search({**taken_off, "min_score": "-1"}))
        assert not any(item.kind == "person" for item in result.interpretation.understood)
        assert not result.filters.people  # quoted, "Anna" is looked for written in photos
    # Names change: a new name is known at once, a hidden person no more.
    with library.store.writer() as writer:
        writer.concern(People).name_person(ids[None], "Zoë")
        writer.concern(People).hide_person(ids["Rui"])
    assert found(library, q="zoe") == {"paris-rocket.jpg"}
    assert not library.search(parse_search({"q": "Rui"})).interpretation.understood


def test_hits_carry_their_people_in_one_query(people):
    library, ids = people
    statements = []

    def counted(conn, cursor, statement, *args):
        if "people" in statement:
            statements.append(statement)

    engine = library.store.engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        hits = library.search(parse_search({"q": "a photo", "min_score": "-1"})).hits
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    assert len(statements) <= 2  # the names known (once per search) and the hits' people
    people_of = {hit.photo.path.rsplit("/", 1)[1]: hit.to_dict()["people"] for hit in hits}
    assert people_of["lisbon-cat.jpg"] == [
        {"id": ids["Anna"], "name": "Anna"}, {"id": ids["Rui"], "name": "Rui"}]  # fmt: skip
    assert people_of["paris-rocket.jpg"] == [{"id": ids[None], "name": None}]
    assert people_of["at-sea-moon.jpg"] == []  # hidden


def test_the_cli_asks_for_people_and_prints_them(people, run_cli, database_url):
    database = {"PHOTOSEARCH_DATABASE_URL": database_url}
    said = run_cli("search", "--person", "anna", "--person", "Rui", env=database)
    assert said.stdout.count("\n") == 1
    assert "lisbon-cat.jpg  [Anna, Rui]" in said.stdout
    hits = json.loads(run_cli("search", "Anna in Lisbon", "--json", env=database).stdout)
    assert {hit["path"].rsplit("/", 1)[1] for hit in hits} == {"lisbon-cat.jpg",
                                                              "lisbon-coffee.jpg"}  # fmt: skip
    refused = run_cli("search", "--person", "Nobody", env=database, check=False)
    assert refused.returncode == 2
    assert "Nobody in this library is named 'Nobody'. People named: Anna" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_api_takes_person_and_tells_it_in_the_page_language(people):
    library, ids = people
    client = create_app(library.config, library).test_client()
    asked = [("person", "Anna"), ("person", "Rui"), ("min_score", "-1")]
    answer = client.get("/api/search", query_string=asked).get_json()
    assert [hit["name"] for hit in answer["results"]] == ["lisbon-cat.jpg"]
    assert answer["results"][0]["people"][0] == {"id": ids["Anna"], "name": "Anna"}
    assert answer["filters"]["people"] == [ids["Anna"], ids["Rui"]]
    told = client.get("/api/search", query_string={"q": "Anna 2019", "lang": "zh-Hans"})
    understood = told.get_json()["interpretation"]["understood"]
    assert [item["shown"] for item in understood] == ["人物：Anna", "2019年"]
    refused = client.get("/api/search", query_string={"person": "Nobody"},
                         headers={"Accept-Language": "zh-CN"})  # fmt: skip
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"].startswith("本图库中没有人叫 'Nobody'。")
    page = client.get("/", query_string=asked).get_data(as_text=True)
    assert page.count("lisbon-cat.jpg") >= 1 and "with Rui" in page
