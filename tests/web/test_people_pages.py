"""The People page and the photo page's faces through the Flask test client, on SQLite and
PostgreSQL: each person listed with a face's crop (cut from the preview, revalidated by ETag),
renamed, merged and hidden by plain form posts that redirect back, a face given to another
person from its photo's page; bad input is a clear error page, never a trace."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image

from photosearch.web import create_app

from ..people_photos import write_people

pytestmark = pytest.mark.both_databases


@pytest.fixture
def client(library, tmp_path):
    write_people(library, tmp_path / "people")
    return create_app(library.config, library).test_client()


def test_people_are_listed_renamed_merged_and_hidden(client, library):
    first, second = library.people()
    page = client.get("/people")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="person"') == 2 and "Unnamed" in html
    assert 'href="/people"' in client.get("/explore").get_data(as_text=True)  # in the nav
    assert f"/?person={first.id}" in html and "4 faces, 4 photos" in html

    renamed = client.post(f"/people/{first.id}/name", data={"name": "  Anna "})
    assert renamed.status_code == 302 and renamed.location.endswith("/people")
    html = client.get("/people").get_data(as_text=True)
    assert ">Anna<" in html and "/?person=Anna" in html

    client.post(f"/people/{second.id}/hide", data={"hidden": "1"})
    html = client.get("/people").get_data(as_text=True)
    assert 'id="hidden"' in html and library.person(second.id).hidden
    client.post(f"/people/{second.id}/hide", data={"hidden": "0"})
    assert not library.person(second.id).hidden

    merged = client.post(f"/people/{first.id}/merge", data={"person": str(second.id)})
    assert merged.status_code == 302
    (kept,) = library.people()
    assert (kept.id, kept.name, kept.faces) == (first.id, "Anna", 8)
    client.post(f"/people/{first.id}/name", data={"name": ""})  # unnamed again
    assert library.person(first.id).name is None

    for url, form, status in (
        (f"/people/{first.id}/name", {}, 400),
        (f"/people/{first.id}/merge", {"person": "  "}, 400),
        (f"/people/{first.id}/merge", {}, 400),
        (f"/people/{first.id}/merge", {"person": "Nobody"}, 404),
        ("/people/999999/name", {"name": "X"}, 404),
        ("/faces/999999/move", {"person": "Anna"}, 404),
    ):
        answer = client.post(url, data=form)
        text = answer.get_data(as_text=True)
        assert answer.status_code == status and "Traceback" not in text
        assert "<html" in text


def test_a_face_is_cropped_and_cached(client, library):
    person = library.people()[0]
    face = library.person_faces(person.id)[0]
    answer = client.get(f"/media/faces/{face['id']}.jpg")
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    crop = Image.open(io.BytesIO(answer.data))
    assert crop.size == (160, 160)
    again = client.get(
        f"/media/faces/{face['id']}.jpg", headers={"If-None-Match": answer.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    missing = client.get("/media/faces/999999.jpg")
    assert missing.status_code == 404 and "Traceback" not in missing.get_data(as_text=True)
    assert face["id"] == library.first_faces()[person.id]
    assert f"/media/faces/{face['id']}.jpg" in client.get("/people").get_data(as_text=True)


def test_the_photo_page_outlines_faces_and_gives_one_away(client, library):
    first, second = library.people()
    library.name_person(first.id, "Anna")
    face = library.person_faces(first.id)[0]
    shown = client.get(f"/api/photos/{face['photo_id']}").json
    (found,) = shown["faces"]
    assert found["box"] == pytest.approx([0.4, 0.3, 0.2, 0.25]) and found["person_name"] == "Anna"
    html = client.get(f"/photos/{face['photo_id']}").get_data(as_text=True)
    assert 'class="face-outline"' in html and "left: 40.00%" in html and ">Anna<" in html
    assert f'<option value="{second.id}">' in html

    given = client.post(f"/faces/{face['id']}/move", data={"person": str(second.id)})
    assert given.status_code == 302 and given.location.endswith(f"/photos/{face['photo_id']}")
    assert library.person(second.id).faces == 5
    assert client.post(f"/faces/{face['id']}/move", data={}).status_code == 400


def test_the_people_pages_speak_chinese_and_ask_for_the_token(library, tmp_path):
    write_people(library, tmp_path / "people")
    person = library.people()[0]
    client = create_app(library.config, library).test_client()
    html = client.get("/people", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "人物" in html and "未命名" in html and "4 张脸" in html
    guarded = create_app(dataclasses.replace(library.config, access_token="t"), library)
    client = guarded.test_client()
    for answer in (
        client.get("/people"),
        client.post(f"/people/{person.id}/name", data={"name": "Eve"}),
        client.get(f"/media/faces/{library.person_faces(person.id)[0]['id']}.jpg"),
    ):
        assert answer.status_code == 302 and "/login" in answer.location
    assert library.person(person.id).name is None
