"""The synthetic world's parameters: a rich world renders and captions correctly, and every
crop box is a square the model's centre crop keeps whole."""

from __future__ import annotations

import json
import random

import pytest

from photosearch.audit.synthetic import (
    DEFAULT_WORLD,
    RICH_WORLD,
    Thing,
    draw,
    holds,
    relation_scene,
    write_suite,
)


@pytest.mark.parametrize("world", [DEFAULT_WORLD, RICH_WORLD])
def test_relation_scenes_hold_what_their_captions_say(world):
    rng = random.Random(0)
    for _ in range(200):
        (a, b), entry = relation_scene(rng, world)
        assert entry["true_caption"] == f"{a.name} is {entry['relation_name']} {b.name}"
        assert holds(entry["relation_name"], a, b) and not holds(entry["relation_name"], b, a)
        assert all(0 <= v <= world.canvas for thing in (a, b) for v in thing.box)


def test_every_shape_of_the_rich_world_is_drawn_in_its_colour():
    for shape in RICH_WORLD.shapes:
        thing = Thing(shape, "red", (10, 10, 40, 40))
        image = draw([thing], random.Random(0), RICH_WORLD)
        assert image.size == (64, 64) and image.getpixel((25, 25)) == (214, 39, 40)


def test_rich_suite_boxes_are_squares_holding_both_objects(tmp_path):
    suite = write_suite(tmp_path / "rich", 30, seed=2, world=RICH_WORLD)
    entries = json.loads((suite / "visual_genome_relation.json").read_text())
    colours = {word for e in entries for word in e["true_caption"].split()} & set(
        RICH_WORLD.colours
    )
    assert len(colours) > len(DEFAULT_WORLD.colours)
    for entry in entries:
        assert entry["bbox_w"] == entry["bbox_h"] > 0
        assert entry["bbox_x"] + entry["bbox_w"] <= 64 and entry["bbox_y"] + entry["bbox_h"] <= 64
    assert json.loads((suite / "suite.json").read_text())["world"]["canvas"] == 64
