"""The filters take text literally on SQLite and PostgreSQL: "%", "_" and backslashes in a
camera's name, a folder's name or a written word match only themselves, never as LIKE's
wildcards or escapes."""

from __future__ import annotations

import pytest

from photosearch.config import Config
from photosearch.metadata import PhotoMeta
from photosearch.store import Filters, Store
from photosearch.store.records import PhotoText, TextLine

pytestmark = pytest.mark.both_databases

PHOTOS = {  # path: (camera make, camera model, words written in it)
    "/x/a_b/1.jpg": ("A_B", "100%", "5% off"),
    "/x/aXb/2.jpg": ("AXB", "1000", "50 off"),
    "/x/a%b/3.jpg": ("Back\\Slash", "EOS 5D/II", "a_"),
    "/x/a\\b/4.jpg": ("BackSlash", "EOS 5DXII", "ab"),
    "/x/aYYb/5.jpg": ("Back\\\\Slash", "EOS", "a\\"),
}


@pytest.fixture
def store(tmp_path, database_url):
    store = Store(Config.load(environ={}, data_dir=tmp_path / "data", database_url=database_url))
    with store.writer() as writer:
        for number, (path, (make, model, words)) in enumerate(PHOTOS.items()):
            content_hash = str(number) * 64
            meta = PhotoMeta(camera_make=make, camera_model=model)
            writer.add_photo(path, 1, 1, content_hash, meta)
            writer.set_texts([PhotoText(content_hash, "v1", (TextLine(words, 1.0, ()),), 1, 1)])
    yield store
    store.close()


def paths(store: Store, ids) -> list[str]:
    return sorted(photo.path for photo in store.photos(ids).values())


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(camera="a_b"), ["/x/a_b/1.jpg"]),
        (Filters(camera="100%"), ["/x/a_b/1.jpg"]),
        (Filters(camera="_"), ["/x/a_b/1.jpg"]),
        (Filters(camera="%"), ["/x/a_b/1.jpg"]),
        (Filters(camera="5d/ii"), ["/x/a%b/3.jpg"]),
        (Filters(camera="back\\slash"), ["/x/a%b/3.jpg"]),
        (Filters(camera="\\\\"), ["/x/aYYb/5.jpg"]),
        (Filters(camera="backslash"), ["/x/a\\b/4.jpg"]),
        (Filters(camera="a_b 100%"), ["/x/a_b/1.jpg"]),  # make and model together
        (Filters(folder="/x/a_b"), ["/x/a_b/1.jpg"]),
        (Filters(folder="/x/a%b"), ["/x/a%b/3.jpg"]),
        (Filters(folder="/x/a\\b"), ["/x/a\\b/4.jpg"]),
        (Filters(folder="/x/a_b/1.jpg"), []),  # a file is not a folder
        (Filters(folder="/x/a"), []),
    ],
)
def test_camera_and_folder_filters_take_names_literally(store, filters, expected):
    assert paths(store, store.filtered_ids(filters)) == expected


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("5%", ["/x/a_b/1.jpg"]),
        ("a_", ["/x/a%b/3.jpg"]),
        ("a\\", ["/x/aYYb/5.jpg"]),
        ("5% off", ["/x/a_b/1.jpg"]),  # through the trigram index on SQLite
    ],
)
def test_written_words_are_taken_literally(store, needle, expected):
    found = [photo_id for photo_id, *_ in store.text_matches([needle], Filters())]
    assert paths(store, found) == expected
