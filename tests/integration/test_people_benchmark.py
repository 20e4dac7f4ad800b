"""Benchmark (t)'s own parts at toy size: its album, its measures, a whole run; no timing is
asserted."""

from __future__ import annotations

import numpy as np

from benchmarks import people


def test_the_album_puts_each_person_in_a_photo_once_and_its_faces_are_unit_length():
    faces, truth = people.album(20, 600, 50, 400)
    assert len(faces.ids) == len(truth) == 650
    assert np.allclose(np.linalg.norm(faces.descriptors, axis=1), 1, atol=1e-5)
    for person in range(20):
        photos = faces.photos[truth == person]
        assert len(np.unique(photos)) == len(photos)


def test_pair_precision_and_recall_count_pairs():
    truth = np.array([0, 0, 0, 1, 1, -2])
    assert people.pair_precision_recall(np.array([5, 5, 5, 6, 6, -1]), truth) == (1.0, 1.0)
    # one of person 0's faces left alone, person 1's joined to person 0
    precision, recall = people.pair_precision_recall(np.array([5, 5, -1, 5, 5, -1]), truth)
    assert (precision, recall) == (2 / 6, 2 / 4)


def test_a_toy_run_finds_its_people(tmp_path, monkeypatch):
    album = people.album(20, 600, 50, 400)
    monkeypatch.setattr(people, "album", lambda *sizes: album)
    rows = {row.figure: row for row in people.run(True, tmp_path)}
    assert rows["people found whole, of 20"].value >= 18
    assert rows["same-person pairs: precision"].value > 0.95  # two pairs of siblings among them
