"""The text pass and the faces pass share one decode of each photo (indexing.shared_decode):
indexed with both, a photo is decoded once for them (and once more, whole, only when it shows
text, for recognition), and the faces found on the text pass's larger draft are those found
alone. Real dlib, real OCR networks, real 12 MP JPEGs with a face and a sign pasted in
(tests/faces.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PIL import ImageDraw, ImageFont

from photosearch.indexing import shared_decode
from photosearch.indexing.passes import FacesPass, TextPass
from photosearch.indexing.passes.faces.finding import FaceFinder, ModelChoice
from photosearch.store.faces import Faces

from ..brightness_pass import CountingDecodes
from ..faces import overlap, portrait

SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
MAX_PIXELS = 100_000_000


def with_sign(scene):
    """A light plate with dark words on it, low in the photo, like a shop sign."""
    if not SANS.exists():
        pytest.skip(f"font {SANS} is missing: apt-get install fonts-dejavu-core")
    pen = ImageDraw.Draw(scene)
    font = ImageFont.truetype(str(SANS), 120)
    box = pen.textbbox((300, 2500), "Harbour Bakery", font=font)
    pen.rectangle((box[0] - 30, box[1] - 30, box[2] + 30, box[3] + 30), fill=(240, 240, 235))
    pen.text((300, 2500), "Harbour Bakery", font=font, fill=(15, 15, 20))
    return scene


@pytest.fixture(scope="module")
def album(tmp_path_factory):
    """A 12 MP portrait without text, and one with a sign; where their faces are."""
    folder = tmp_path_factory.mktemp("shared")
    placed = {}
    for name, signed in (("portrait.jpg", False), ("bakery.jpg", True)):
        scene, (face,) = portrait(500, "grass")  # no box the detector could take for text
        (with_sign(scene) if signed else scene).save(folder / name, quality=90)
        placed[name] = face.as_fractions(scene.size)
    return folder, placed


def test_text_and_faces_read_one_decode_of_each_photo(library, album, monkeypatch):
    folder, placed = album
    library.config = dataclasses.replace(library.config, faces=True, ocr=True)
    decodes = CountingDecodes(shared_decode.decode)
    monkeypatch.setattr(shared_decode, "decode", decodes)
    summary = library.index([folder])
    assert (summary.texts_read, summary.with_text) == (2, 1)
    assert (summary.faces_looked, summary.with_faces) == (2, 2)
    # One decode each for both passes; the photo with a sign once more, whole, for its lines.
    assert decodes.of == {"portrait.jpg": 1, "bakery.jpg": 2}
    for name, where in placed.items():
        content_hash = library.store.photo_by_path(str(folder / name)).content_hash
        (face,) = library.store.concern(Faces).photo_faces(content_hash)
        assert overlap(face.box, where) > 0.5
    bakery = library.store.photo_by_path(str(folder / "bakery.jpg")).content_hash
    (text,) = library.store.texts([bakery]).values()
    assert [line.text for line in text.lines] == ["Harbour Bakery"]


def test_the_faces_found_on_the_text_draft_are_those_found_alone(album):
    """The text pass's draft of a 12 MP JPEG is 2000x1500, the faces pass's alone 1000x750: the
    face model reduces either to its own side and finds the same face in the same place."""
    folder, _ = album
    finder = FaceFinder(ModelChoice("dlib"))
    data = (folder / "portrait.jpg").read_bytes()
    found = {}
    for passes in ((FacesPass(),), (FacesPass(), TextPass())):
        with shared_decode.decoded_for(passes, data, "portrait.jpg", MAX_PIXELS) as content:
            found[len(passes)] = (content.image.size, finder(content).faces)
    (alone_size, (alone,)), (shared_size, (shared,)) = found[1], found[2]
    assert (alone_size, shared_size) == ((1000, 750), (2000, 1500))
    assert overlap(alone.box, shared.box) > 0.9
    assert float(alone.descriptor @ shared.descriptor) > 0.99
