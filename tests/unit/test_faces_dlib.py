"""dlib's face model on real faces (tests/faces.py): found at the sizes docs/faces.md claims,
upright, turned and under- or over-exposed, in 12 MP scenes; none on photos of nobody; the
same face in two scenes within `same_person`; odd images answered without a trace."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from photosearch.errors import ConfigError
from photosearch.faces import dlib_faces
from photosearch.faces.found import reduced
from photosearch.faces.model import load_face_model
from tests.faces import NOBODY, background, group, overlap, portrait


@pytest.fixture(scope="module")
def dlib_model():
    return load_face_model("dlib", models_dir=None, offline=True)


def _check_face(face, model):
    assert face.box[0] >= 0 and face.box[1] >= 0
    assert face.box[0] + face.box[2] <= 1 and face.box[1] + face.box[3] <= 1
    assert len(face.landmarks) == 5
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in face.landmarks)
    assert face.score >= dlib_faces.MIN_SCORE
    assert face.descriptor.dtype == np.float32 and face.descriptor.shape == (model.dimension,)
    assert np.linalg.norm(face.descriptor) == pytest.approx(1, abs=1e-5)


# The smallest face claimed, in a 12 MP (4000x3000) scene's pixels.
SMALLEST = round(dlib_faces.SMALLEST_FACE * 3000 / dlib_faces.SIDE)


@pytest.mark.parametrize(
    "face_px, angle, exposure",
    [(SMALLEST, 0, 1.0), (SMALLEST, 10, 1.0), (2 * SMALLEST, -10, 0.6), (4 * SMALLEST, 10, 1.4)],
)
def test_one_face_found_where_it_was_put(dlib_model, face_px, angle, exposure):
    scene, (placed,) = portrait(face_px, angle=angle, exposure=exposure)
    (face,) = dlib_model.find(scene)
    assert overlap(face.box, placed.as_fractions(scene.size)) >= 0.5
    _check_face(face, dlib_model)
    eyes = np.array(face.landmarks[:2])  # dlib's 5 points: the eyes' corners first
    left, top, width, height = placed.as_fractions(scene.size)
    assert np.all((eyes[:, 0] > left) & (eyes[:, 0] < left + width))
    assert np.all((eyes[:, 1] > top) & (eyes[:, 1] < top + height / 2 + height / 4))


def test_a_group_photo_and_the_same_person_twice(dlib_model):
    scene, placed = group()
    faces = dlib_model.find(scene)
    astronauts = [p for p in placed if p.who == "astronaut"]
    matched = []
    for person in astronauts:
        truth = person.as_fractions(scene.size)
        (face,) = [face for face in faces if overlap(face.box, truth) >= 0.5]
        _check_face(face, dlib_model)
        matched.append(face.descriptor)
    assert [f.score for f in faces] == sorted((f.score for f in faces), reverse=True)
    # The same face in another photo: 160 px of 1280x960 is the 107 px of the model's copy
    # that 500 px of a 12 MP photo would be.
    other, _ = portrait(160, name="chelsea", size=(1280, 960))
    (alone,) = dlib_model.find(other)
    for descriptor in matched:
        assert 1 - float(descriptor @ alone.descriptor) < dlib_model.same_person


# The first photo of nobody at 12 MP; the others at 1280x960, which the model brings down to
# the same 853x640 copy it looks at (a 12 MP scene costs a second to make and to bring down).
@pytest.mark.parametrize("name", NOBODY)
def test_no_face_on_photos_of_nobody(dlib_model, name):
    scene = background(name, (4000, 3000) if name == NOBODY[0] else (1280, 960))
    assert min(reduced(scene, dlib_model.side).size) == dlib_faces.SIDE
    assert dlib_model.find(scene) == []
    assert dlib_model.find(scene.transpose(Image.Transpose.FLIP_LEFT_RIGHT)) == []


@pytest.mark.parametrize(
    "image",
    [
        Image.new("L", (640, 480), 128),
        Image.new("RGB", (1, 1)),
        Image.new("RGB", (4000, 3)),
        Image.new("RGBA", (300, 200), (200, 10, 10, 0)).convert("RGB"),
        Image.new("I;16", (300, 200), 30000),
    ],
    ids=["grey", "one pixel", "a sliver", "RGBA converted", "16-bit grey"],
)
def test_odd_images_give_no_faces_and_no_trace(dlib_model, image):
    assert dlib_model.find(image) == []


def test_the_version_follows_the_settings():
    chosen = dlib_faces.load_dlib()
    assert chosen.version != dlib_faces.load_dlib(side=chosen.side + 1).version
    assert chosen.version != dlib_faces.load_dlib(upsample=1 - chosen.upsample).version
    assert chosen.version != dlib_faces.load_dlib(min_score=chosen.min_score + 0.1).version


def test_missing_model_files_are_one_paragraph(tmp_path, monkeypatch):
    """An installation whose face_recognition_models lost its files (here: a folder without
    them stands for the package's own)."""
    monkeypatch.setattr(dlib_faces, "_models_folder", lambda: tmp_path)
    with pytest.raises(ConfigError) as raised:
        load_face_model("dlib", models_dir=tmp_path, offline=True)
    assert "shape_predictor_5_face_landmarks.dat" in raised.value.message
    assert "pip install dlib-bin==20.0.1 face_recognition_models==0.3.0" in raised.value.message
    assert dlib_faces.files_folder() is None
