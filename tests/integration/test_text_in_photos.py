"""Text in photos, end to end on real pixels and the real recogniser: photos with words drawn
on them (tests.text_photos) are found by those words on SQLite and PostgreSQL, alone or with
the picture's ranking; moves and copies reuse what was read; failures are recorded and keep
the vector; a stopped pass goes on where it stopped; a new recogniser re-reads when asked."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil

import pytest
from sqlalchemy import select, update

from photosearch.indexing.passes.text import TextPass
from photosearch.indexing.passes.text import reading as text_reading
from photosearch.library import PhotoLibrary
from photosearch.ocr.reader import MODEL_VERSION, OcrError
from photosearch.progress import Progress
from photosearch.search.request import parse_search
from photosearch.store.schema import PhotoRow, PhotoTextRow

from ..sample_data import sample
from ..text_photos import WITHOUT_TEXT, WRITTEN, write_photos

pytestmark = pytest.mark.both_databases
SEARCHED = {  # a word written in each photo, as someone would type it
    "sign.jpg": "lisboa",
    "tiger.png": "tiger",
    "launch.jpg": "launch",
    "harbour.jpg": "harbour",
    "parking.jpg": "Parking",
    "garden.jpg": "garden",
    "welcome.jpg": "光临",  # two characters: below the trigram index, matched by scanning
}


@pytest.fixture
def text_config(config):
    return dataclasses.replace(config, ocr=True)


@pytest.fixture
def photos(tmp_path, photo_tree):
    """The written photos, those without text, and a damaged file that cannot be a photo."""
    folder = tmp_path / "Written"
    write_photos(folder)
    shutil.copy(photo_tree / "bad" / "truncated.jpg", folder / "truncated.jpg")
    return folder


@pytest.fixture
def text_library(text_config, tiny_embedder, photos):
    library = PhotoLibrary(text_config, embedder=tiny_embedder)
    yield library
    library.close()


def found(library, **args) -> list[str]:
    """Names of the photos a search finds, best first (every score counts: the model is
    random, so only the written words can put a photo first)."""
    request = parse_search({"min_score": "-1", "limit": "50", **args})
    return [os.path.basename(hit.photo.path) for hit in library.search(request).hits]


def hits(library, **args):
    return library.search(parse_search({"min_score": "-1", "limit": "50", **args})).hits


def test_each_photo_is_found_by_a_word_written_in_it(text_library, photos):
    summary = text_library.index([photos])
    assert (summary.new, summary.failed) == (len(WRITTEN) + len(WITHOUT_TEXT), 1)
    assert (summary.texts_read, summary.with_text, summary.text_failed) == (10, 7, 0)
    assert text_library.status()["text"] == {
        "text_read": 10,
        "with_text": 7,
        "text_failed": 0,
        "text_unread": 0,
        "ocr": True,
        "reader": MODEL_VERSION,
    }
    for name, word in SEARCHED.items():
        best = hits(text_library, q=word)[0]
        assert os.path.basename(best.photo.path) == name, word
        assert best.text is not None and best.score is not None  # the picture's score too
        assert [line.text for line in best.text.lines] == [WRITTEN[name][1].text], word
        (left, top), *_ = best.text.lines[0].box
        assert 0 <= left < best.text.width and 0 <= top < best.text.height
    assert found(text_library, q="欢迎光临")[0] == "welcome.jpg"  # through the trigram index
    # Written words alone: a quoted phrase, or text:
    assert found(text_library, q='"cafe lisboa"') == ["sign.jpg"]
    assert found(text_library, q="text:PARKING") == ["parking.jpg"]
    assert found(text_library, q='text:"summer garden"') == ["garden.jpg"]
    assert found(text_library, q='"lisboa cafe"') == []  # a phrase, in its order
    assert found(text_library, q='"isboa"') == []  # the starts of words, not their middles
    # The other words still rank by the picture: every photo comes back, the written one first.
    assert found(text_library, q="parking")[0] == "parking.jpg"
    assert len(found(text_library, q="parking")) == summary.new
    # A query whose words are not all written finds by the picture alone.
    assert all(hit.text is None for hit in hits(text_library, q="parking lisboa"))


def test_filters_sorting_and_paging_apply_to_written_words(text_library, photos):
    text_library.index([photos])
    elsewhere = photos.parent / "Elsewhere"
    elsewhere.mkdir()
    shutil.copy(photos / "parking.jpg", elsewhere / "parking-copy.jpg")
    again = text_library.index([photos, elsewhere])
    assert (again.new, again.reused, again.texts_read) == (1, 1, 0)  # a copy: nothing read

    both = ["parking.jpg", "parking-copy.jpg"]  # the same text: the first indexed first
    assert found(text_library, q="text:parking") == both
    assert found(text_library, q="text:parking", folder=str(elsewhere)) == ["parking-copy.jpg"]
    assert found(text_library, q="text:parking", limit="1", offset="1") == ["parking-copy.jpg"]
    assert found(text_library, q="text:parking", sort="newest") == both  # undated: by id
    assert found(text_library, q="text:parking", type="png") == []
    assert found(text_library, q="tiger", type="png")[0] == "tiger.png"


def test_moves_and_changes(text_library, photos):
    text_library.index([photos])
    moved = photos / "moved"
    moved.mkdir()
    os.rename(photos / "sign.jpg", moved / "sign.jpg")
    sample("camera.png").save(photos / "tiger.png")  # new content, without text
    summary = text_library.index([photos])
    assert (summary.moved, summary.changed, summary.texts_read) == (1, 1, 1)
    best = hits(text_library, q="text:lisboa")
    assert [hit.photo.path for hit in best] == [str(moved / "sign.jpg")]
    assert found(text_library, q="text:tiger") == []
    # The old content's text is forgotten once no photo has it.
    assert text_library.status()["text"]["with_text"] == 6
    with text_library.store._sessions() as session:
        kept = set(session.scalars(select(PhotoTextRow.content_hash)))
        photos_now = set(session.scalars(select(PhotoRow.content_hash)))
    assert kept == photos_now and len(kept) == 10


def test_a_photo_whose_text_cannot_be_read_keeps_its_vector(
    text_library, photos, monkeypatch, run_cli
):
    real = text_reading.read_text

    def failing(content, reader):
        if content.path.endswith("harbour.jpg"):
            raise OcrError("text could not be read: RuntimeException: the session failed")
        return real(content, reader)

    monkeypatch.setattr(text_reading, "read_text", failing)
    summary = text_library.index([photos])
    assert (summary.texts_read, summary.text_failed) == (10, 1)
    assert summary.embedded == summary.new  # its vector is there
    (failure,) = text_library.store.text_failures()
    assert failure.path == str(photos / "harbour.jpg") and failure.kind == "text:ocr"
    assert "the session failed" in failure.message
    assert text_library.status()["text"]["text_failed"] == 1
    assert "harbour.jpg" in found(text_library, q="a rocket")  # found by its picture
    assert text_library.index([photos]).texts_read == 0  # not retried by itself...
    monkeypatch.setattr(text_reading, "read_text", real)
    again = text_library.index([photos], reread={"text"})  # ...but when asked
    assert (again.texts_read, again.text_failed) == (1, 0)
    assert found(text_library, q="text:harbour") == ["harbour.jpg"]


class StopAfter(Progress):
    """Stops the run (as Ctrl-C would) once the text pass has committed `batches` batches."""

    def __init__(self, batches: int):
        self.label, self.left = "", batches

    def start(self, total, label=""):
        self.label = label

    def advance(self, count=1):
        if self.label == "Reading text":
            self.left -= 1
            if self.left == 0:
                raise KeyboardInterrupt


def test_a_stopped_pass_goes_on_where_it_stopped(text_library, photos, monkeypatch):
    monkeypatch.setattr(TextPass, "batch", 3)
    with pytest.raises(KeyboardInterrupt):
        text_library.index([photos], StopAfter(2))
    assert text_library.status()["text"]["text_unread"] == 4
    assert text_library.index([photos]).texts_read == 4


def test_a_new_recogniser_rereads_only_when_asked(text_library, photos):
    text_library.index([photos])
    with text_library.store.writer() as writer:
        writer.session.execute(update(PhotoTextRow).values(ocr_version="rapidocr 2.0: old"))
    assert text_library.index([photos]).texts_read == 0
    assert found(text_library, q="text:parking") == ["parking.jpg"]  # the old text serves
    assert text_library.index([photos], reread={"text"}).texts_read == 10


def test_the_command_line(run_cli, photos):
    off = json.loads(run_cli("index", str(photos), "--json").stdout)  # the suite's default: off
    assert off["texts_read"] == 0
    assert "reading text is off" in run_cli("status").stdout
    indexed = run_cli("index", str(photos), "--ocr").stdout
    assert "read the text of 10 photos (7 with text) in" in indexed
    printed = run_cli("search", "parking", "--limit", "3").stdout.splitlines()
    assert printed[0].endswith("parking.jpg  [text: PARKING]")
    result = run_cli("search", '"summer garden"')
    assert result.stdout.splitlines()[0].endswith("garden.jpg  [text: Summer Garden]")
    assert 'written "summer garden"' in result.stderr
    status = run_cli("status", env={"PHOTOSEARCH_OCR": "1"}).stdout
    assert "text       10 of 10 photos read; 7 with text" in status


def test_pages_of_a_fused_search_neither_repeat_nor_skip(text_library, photos):
    text_library.index([photos])
    shutil.copy(photos / "parking.jpg", photos / "parking-copy.jpg")
    text_library.index([photos])
    whole = found(text_library, q="parking")
    paged = [found(text_library, q="parking", limit="1", offset=str(n))[0] for n in range(11)]
    assert paged == whole and whole[:2] == ["parking.jpg", "parking-copy.jpg"]
