"""HTML pages, the access token, and refusing to serve the network without one."""

from __future__ import annotations

import dataclasses

import pytest

from photosearch.errors import ConfigError
from photosearch.web import check_bind, create_app, is_loopback

from .conftest import photo_id

pytestmark = pytest.mark.both_databases


def test_pages_render(client, web_library, photo_tree):
    home = client.get("/")
    assert home.status_code == 200 and b"25 photos indexed" in home.data
    found = client.get("/?q=a+cat")
    assert found.status_code == 200 and found.data.count(b'class="card"') == 25
    exif = photo_id(web_library, photo_tree / "edge/exif-canon-paris-2017.jpg")
    page = client.get(f"/photos/{exif}")
    assert page.status_code == 200
    for text in (b"Canon EOS 5D Mark IV", b"2017-07-15 16:42:10", b"48.85823", b"More like this"):
        assert text in page.data
    like = client.get(f"/?like={exif}")
    assert like.status_code == 200 and b"Photos like" in like.data
    assert client.get("/duplicates").status_code == 200


def test_page_errors_are_pages_not_tracebacks(client):
    bad = client.get("/?q=cat&limit=abc")
    assert bad.status_code == 400 and b"whole number" in bad.data and b"Traceback" not in bad.data
    missing = client.get("/photos/999999")
    assert missing.status_code == 404 and b"No indexed photo" in missing.data
    assert client.post("/", data={}).status_code == 400


def test_paging_link_without_javascript(web_library):
    app = create_app(web_library.config, web_library)
    page = app.test_client().get("/?q=cat&limit=10")
    assert b'id="more-link"' in page.data and b"offset=10" in page.data


def test_upload_form_searches_by_photo(client, photo_tree):
    with open(photo_tree / "photos/things/motorcycle.png", "rb") as handle:
        page = client.post(
            "/", data={"photo": (handle, "m.png")}, content_type="multipart/form-data"
        )
    assert page.status_code == 200 and b"Photos like your upload" in page.data
    first_card = page.data.index(b'class="card"')
    assert b"motorcycle.png" in page.data[first_card : first_card + 500]


@pytest.fixture
def guarded(web_library):
    config = dataclasses.replace(web_library.config, access_token="s3cret-token")
    app = create_app(config, web_library)
    app.testing = True
    return app.test_client()


def test_token_required_everywhere(guarded, web_library, photo_tree):
    cat = photo_id(web_library, photo_tree / "photos/animals/chelsea-the-cat.jpg")
    for url in (
        "/api/status",
        "/api/search?q=cat",
        f"/media/{cat}/thumbnail",
        f"/media/{cat}/original",
    ):
        response = guarded.get(url)
        assert response.status_code in (401, 302), url
    assert guarded.get("/api/status").status_code == 401
    assert guarded.get("/api/status").get_json()["error"]["message"]
    page = guarded.get("/?q=cat")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert guarded.get("/static/style.css").status_code == 200  # the login page needs it


def test_token_in_a_header(guarded):
    assert (
        guarded.get("/api/status", headers={"Authorization": "Bearer s3cret-token"}).status_code
        == 200
    )
    assert (
        guarded.get("/api/status", headers={"X-Photosearch-Token": "s3cret-token"}).status_code
        == 200
    )
    assert guarded.get("/api/status", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_login_cookie(guarded):
    wrong = guarded.post("/login", data={"token": "nope"})
    assert wrong.status_code == 401 and guarded.get("/api/status").status_code == 401
    right = guarded.post("/login?next=/?q=cat", data={"token": "s3cret-token"})
    assert right.status_code == 302 and right.headers["Location"] == "/?q=cat"
    assert guarded.get("/api/status").status_code == 200
    assert guarded.get("/?q=cat").status_code == 200
    guarded.get("/logout")
    assert guarded.get("/api/status").status_code == 401


def test_login_never_redirects_off_site(guarded):
    for target in ("//evil.example/", "https://evil.example/", "javascript:alert(1)"):
        response = guarded.post(f"/login?next={target}", data={"token": "s3cret-token"})
        assert response.headers["Location"] == "/"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "::1", "[::1]", "localhost"])
def test_loopback_hosts_need_no_token(host, config):
    assert is_loopback(host)
    check_bind(host, config)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.org"])
def test_other_hosts_need_a_token(host, config):
    with pytest.raises(ConfigError, match="access token"):
        check_bind(host, config)
    check_bind(host, dataclasses.replace(config, access_token="t"))
