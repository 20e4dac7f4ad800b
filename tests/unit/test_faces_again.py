"""Which earlier face a face found again takes the place of: boxes of one face drawn by two
face models (shifted, one inside the other) match, each face once; neighbours, a small face
inside a large one's box, and faces elsewhere do not."""

from __future__ import annotations

import pytest

from photosearch.store.faces_again import matched, overlap

FACE = (0.4, 0.4, 0.1, 0.1)


def test_overlap_is_intersection_over_union_and_over_the_smaller_box():
    assert overlap(FACE, FACE) == pytest.approx((1.0, 1.0))
    assert overlap(FACE, (0.45, 0.4, 0.1, 0.1)) == pytest.approx((1 / 3, 0.5))
    assert overlap(FACE, (0.5, 0.4, 0.1, 0.1)) == (0.0, 0.0)  # touching is not overlapping


def test_a_box_shifted_or_drawn_larger_by_another_model_is_the_same_face():
    assert matched([(0.42, 0.38, 0.11, 0.1)], [FACE]) == {0: 0}
    loose = (0.37, 0.35, 0.16, 0.19)  # forehead and chin taken in: three times the area
    assert overlap(loose, FACE)[0] < 0.5  # intersection over union alone would miss it
    assert matched([loose], [FACE]) == {0: 0}
    assert matched([FACE], [loose]) == {0: 0}


def test_each_face_takes_its_own_place_once():
    left, right = (0.1, 0.4, 0.1, 0.1), (0.25, 0.4, 0.1, 0.1)
    assert matched([right, left], [left, right]) == {0: 1, 1: 0}
    near, nearer = (0.43, 0.4, 0.1, 0.1), (0.41, 0.4, 0.1, 0.1)
    assert matched([near, nearer], [FACE]) == {1: 0}  # the better pair first, the other new
    assert matched([FACE], []) == {} and matched([], [FACE]) == {}


def test_a_small_face_inside_a_large_ones_box_or_a_face_elsewhere_is_another_face():
    assert matched([(0.42, 0.42, 0.04, 0.04)], [FACE]) == {}  # a sixth of its size, inside
    assert matched([(0.46, 0.46, 0.1, 0.1)], [FACE]) == {}  # a sixth of it shared
    assert matched([(0.7, 0.1, 0.1, 0.1)], [FACE]) == {}
