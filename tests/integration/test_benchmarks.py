"""The benchmarks' own parts work (at toy sizes); their timings are not asserted anywhere."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import dlib
import faiss
import numpy as np
import pytest
from PIL import Image

from benchmarks import (
    compressed,
    face_grouping,
    faces,
    negclip_synthetic,
    reading,
    reindex,
    search,
    timeline,
    video,
    video_scenes,
    video_search,
)
from benchmarks.common import clustered_vectors, config_for
from benchmarks.negclip_measures import describes, shuffle_words, write_gallery
from photosearch.audit.synthetic import RICH_WORLD
from photosearch.faces.found import FoundFace
from photosearch.people.grouping import Settings
from photosearch.search.interpret import interpret
from photosearch.search.terms import parse
from photosearch.store import Store


def test_synthetic_vectors_are_unit_length_and_reproducible():
    (_, first), (_, again) = (
        next(clustered_vectors(500, seed=3)),
        next(clustered_vectors(500, seed=3)),
    )
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)


def test_search_benchmark_at_toy_size(tmp_path):
    rows = {row.figure: row for row in search.run_size(tmp_path, 2_000, 20)}
    assert rows["IVF recall@10 vs exact"].value > 0.5
    assert rows["exact (flat) p50"].value > 0


def test_timeline_benchmark_at_toy_size(tmp_path):
    """Its last page is reached by walking the cursors, and every page it times is full."""
    rows = {row.figure: row for row in timeline.run_size(tmp_path, 1_000, 3)}
    assert rows["last page (after 900) p50"].baseline == "OFFSET 900 (query and rows only)"
    assert rows["first page p50"].value > 0


def test_compressed_benchmark_at_toy_size(tmp_path):
    _, vectors = next(clustered_vectors(5_000))
    rows = {row.figure: row for row in compressed.run_size(tmp_path, vectors, search.queries(20))}
    assert rows["recall@10 vs exact, re-ranked"].value >= 0.9
    assert rows["file size per vector"].ratio < 0.3
    assert rows["memory (RSS) added by loading, per vector"].value > 0


def test_chunked_ground_truth_equals_a_flat_search():
    _, vectors = next(clustered_vectors(3_000, seed=5))
    probe = search.queries(10)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    _, expected = flat.search(probe, 10)
    np.testing.assert_array_equal(compressed.exact_top(vectors, probe, 10, chunk=700), expected + 1)


def test_bare_walk_counts_every_file(tmp_path):
    reindex.make_tree(tmp_path / "tree", 1_200)
    assert reindex.bare_walk(tmp_path / "tree") == 1_200


def test_negclip_gallery_scenes_answer_their_queries_and_not_the_swaps(tmp_path):
    gallery = write_gallery(tmp_path, pairs=3, per_query=4, distractors=5, seed=0, world=RICH_WORLD)
    assert len(gallery.scenes) == 3 * 2 * 4 + 5
    for query, swapped in gallery.pairs:
        assert sum(describes(query, things) for things in gallery.scenes.values()) >= 4
        assert not any(
            describes(query, t) and describes(swapped, t) for t in gallery.scenes.values()
        )
    assert sorted(shuffle_words(["a b c d"], seed=1)[0].split()) == ["a", "b", "c", "d"]


@pytest.mark.slow
def test_negclip_synthetic_benchmark_at_toy_size(tmp_path):
    size = negclip_synthetic.Size(scenes=128, training_singles=16, plain_epochs=1, tune_epochs=1,
                                  suite=20, pairs=2, per_query=5, distractors=10, singles=20,
                                  batch=64)  # fmt: skip
    result = negclip_synthetic.run(size, tmp_path, log=lambda _: None)
    for side in ("before", "after"):
        assert set(result[side]) == set(negclip_synthetic.FIGURES)
        assert all(0 <= value <= 1 for value in result[side].values())
    assert (tmp_path / "negclip.pt").is_file() and result["seconds"] > 0
    assert set(negclip_synthetic.targets(result)) and "precision@10" in negclip_synthetic.render(
        result, size, tmp_path
    )


def test_reading_benchmark_understands_each_of_its_queries_in_each_language():
    """Each of the reading benchmark's queries understands a place or a date, in the places of
    its library, in every language it times."""
    places = reading.library_places()
    for templates in [reading.ENGLISH, reading.CHINESE, *reading.EUROPEAN.values()]:
        for query in itertools.islice(reading.fresh(templates), 2 * len(templates)):
            assert interpret(parse(query), places=places, today=reading.TODAY).understood, query


def test_faces_album_knows_where_its_faces_are():
    """Two real faces pasted into a 12 MP scene, one turned: dlib finds each where the album
    says it put that person, and nothing else matches."""
    cuts = faces._cutouts()
    scene = Image.new("RGB", faces.SCENE, (120, 130, 140))
    placed = [
        faces._paste(scene, "obama_1", cuts["obama_1"], 400, (1000, 1000), 0),
        faces._paste(scene, "grimaces_03", cuts["grimaces_03"], 360, (3000, 1800), 15),
    ]
    small = np.asarray(scene.resize((1000, 750)))
    found = [
        SimpleNamespace(box=(b.left() / 1000, b.top() / 750, b.width() / 1000, b.height() / 750))
        for b in dlib.get_frontal_face_detector()(small, 1)
    ]
    album_scene = faces.Scene(path=None, faces=placed)
    assert sorted(faces._match(face, album_scene).person for face in found) == ["grimaces", "obama"]
    stray = SimpleNamespace(box=(0.6, 0.1, 0.1, 0.13))
    assert faces._match(stray, album_scene) is None


def found_face(person: str, photo: str, descriptor: np.ndarray) -> faces.Found:
    face = FoundFace((0.1, 0.1, 0.2, 0.2), ((0.2, 0.2),) * 5, 0.9, descriptor)
    return faces.Found(faces.Placed(person, photo, (0, 0), 100), face)


def test_faces_curve_and_the_chosen_distance():
    """Two photos of one person 0.02 apart, a third person 0.5 away: every threshold between
    keeps the one pair and only it; the chosen distance is the largest with precision kept."""
    a = np.array([1.0, 0.0, 0.0], np.float32)
    near = np.array([0.98, np.sqrt(1 - 0.98**2), 0.0], np.float32)
    far = np.array([0.5, 0.0, np.sqrt(0.75)], np.float32)
    found = [
        found_face("anna", "anna_1", a),
        found_face("anna", "anna_2", near),
        found_face("ben", "ben_1", far),
    ]
    points = {round(threshold, 2): rest for threshold, *rest in faces.curve(found)}
    assert points[0.01] == [1.0, 0.0, 0.0]  # nothing closer than 0.01: precision by default
    assert points[0.03] == [1.0, 1.0, 1.0]
    assert faces.chosen_distance(faces.curve(found))[0] == 0.4  # ben is 0.5 away
    assert faces.closest_strangers(found, 1)[0][1:] == ("anna_1", "ben_1")


# Benchmark (s)'s grouping measure at toy size: faces written to a real store, grouped by the
# service both ways, the pairs counted against the truth.
GROUPING = Settings(distance=0.07, core=2)
# who is in each scene: anna in four, ben in three, a stranger once, nobody in one
SCENES = (("anna", "ben"), ("anna",), ("anna",), ("ben",), ("ben",), ("anna",), (), ("carl",))


def grouping_album(looks: dict[str, int]) -> list[list[faces.Found]]:
    """SCENES' faces, each person's descriptors near the axis `looks` gives them."""
    rng = np.random.default_rng(3)
    scenes = []
    for number, people in enumerate(SCENES):
        found = []
        for person in people:
            descriptor = np.zeros(128, np.float32)
            descriptor[looks[person]] = 1
            descriptor[3:] = rng.normal(0, 0.01, 125)
            descriptor /= np.linalg.norm(descriptor)
            found.append(found_face(person, f"{person}_{number}", descriptor))
        scenes.append(found)
    return scenes


def test_face_grouping_groups_people_apart_whole_and_the_stranger_waits(tmp_path):
    scenes = grouping_album({"anna": 0, "ben": 1, "carl": 2})
    for incremental in (False, True):
        grouped = face_grouping.group_album(scenes, tmp_path, GROUPING, incremental)
        assert (grouped.precision, grouped.recall, grouped.recall_apart) == (1.0, 1.0, 1.0)
        assert (grouped.waiting, grouped.people) == (1, 2)


def test_face_grouping_two_people_who_look_alike_lower_the_precision(tmp_path):
    scenes = grouping_album({"anna": 0, "ben": 0, "carl": 2})
    for incremental in (False, True):
        grouped = face_grouping.group_album(scenes, tmp_path, GROUPING, incremental)
        assert grouped.precision < 0.7 and grouped.people == 1


def test_face_grouping_settings_around_the_chosen_ones():
    around = face_grouping.around(GROUPING)
    assert [(s.distance, s.core) for s in around] == [
        (0.06, 2), (0.065, 2), (0.07, 2), (0.075, 2), (0.08, 2), (0.07, 1), (0.07, 3)
    ]  # fmt: skip


def test_video_benchmark_at_toy_size(tmp_path):
    """Two shots of a small video, sampled in a fresh process: both kept, memory measured."""
    path = video.make_video(tmp_path, "toy", (320, 180), "libx264", {"g": "30"}, 12)
    rows = {row.figure: row for row in video.rows_for("toy", path, video.measure(path, {}), 20)}
    assert rows["frames kept per minute"].value >= 10
    assert rows["sampling speed"].value > 0 and rows["peak RSS while sampling"].met


def test_video_search_store_holds_each_videos_scenes(tmp_path):
    """(v)'s store with videos: every video with its scenes' frames and times, written once."""
    video_search.with_videos(tmp_path, 300, 4)
    video_search.with_videos(tmp_path, 300, 4)  # already there: nothing written twice
    store = Store(config_for(tmp_path, "ViT-B-32:/nowhere.pt"))
    counts = store.counts(store.models()[0].id)
    assert (counts["photos"], counts["videos"]) == (300, 4)
    assert counts["frames"] == 300 + 4 * video_search.SCENES
    assert store.moments([(301, 0), (304, 99)]) == {(301, 0): 0.0, (304, 99): 297.0}
    store.close()


def test_video_scene_photos_differ_from_each_other(tmp_path):
    """The scene benchmark's photos, real and generated: no two alike."""
    paths = video_scenes.write_photos(tmp_path, len(video_scenes.REAL) + 6)
    small = [np.asarray(Image.open(p).convert("RGB").resize((16, 16)), np.int16) for p in paths]
    closest = min(np.abs(a - b).mean() for i, a in enumerate(small) for b in small[i + 1 :])
    assert closest > 3  # the sampler's "the same again" is 3 levels
