"""A built-in, offline ARO suite: rendered scenes of coloured shapes, written in the official
VG-Relation, VG-Attribution and Karpathy caption formats so the same loaders read them."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

SUITE_VERSION = 1
CANVAS = 224
COLOURS = {
    "red": (214, 39, 40),
    "blue": (31, 90, 200),
    "green": (44, 160, 44),
    "yellow": (238, 205, 30),
    "purple": (148, 80, 189),
}
SHAPES = ("circle", "square", "triangle")
RELATIONS = ("above", "below", "to the left of", "to the right of")


@dataclass(frozen=True)
class Thing:
    shape: str
    colour: str
    box: tuple[int, int, int, int]  # left, top, right, bottom

    @property
    def name(self) -> str:
        return f"the {self.colour} {self.shape}"


def _two_things(rng: random.Random) -> tuple[tuple[str, str], tuple[str, str]]:
    """Two objects that differ in both shape and colour, so each caption names them uniquely."""
    shape_a, shape_b = rng.sample(SHAPES, 2)
    colour_a, colour_b = rng.sample(list(COLOURS), 2)
    return (shape_a, colour_a), (shape_b, colour_b)


def _place(rng: random.Random, relation: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Boxes for subject and object so that `subject <relation> object` holds clearly."""
    size_a, size_b = rng.randint(44, 72), rng.randint(44, 72)
    near, far = rng.randint(8, 40), rng.randint(124, 150)
    across_a, across_b = rng.randint(8, CANVAS - 80), rng.randint(8, CANVAS - 80)
    first, second = (near, far) if relation in ("above", "to the left of") else (far, near)
    if relation in ("above", "below"):
        a = (across_a, first, across_a + size_a, first + size_a)
        b = (across_b, second, across_b + size_b, second + size_b)
    else:
        a = (first, across_a, first + size_a, across_a + size_a)
        b = (second, across_b, second + size_b, across_b + size_b)
    return a, b


def _draw(things: list[Thing], rng: random.Random) -> Image.Image:
    shade = rng.randint(225, 250)
    image = Image.new("RGB", (CANVAS, CANVAS), (shade, shade, shade))
    pen = ImageDraw.Draw(image)
    for thing in things:
        fill = COLOURS[thing.colour]
        left, top, right, bottom = thing.box
        if thing.shape == "circle":
            pen.ellipse(thing.box, fill=fill)
        elif thing.shape == "square":
            pen.rectangle(thing.box, fill=fill)
        else:
            pen.polygon([((left + right) // 2, top), (right, bottom), (left, bottom)], fill=fill)
    return image


def _bbox(things: list[Thing], margin: int = 8) -> dict[str, int]:
    left = max(0, min(t.box[0] for t in things) - margin)
    top = max(0, min(t.box[1] for t in things) - margin)
    right = min(CANVAS, max(t.box[2] for t in things) + margin)
    bottom = min(CANVAS, max(t.box[3] for t in things) + margin)
    return {"bbox_x": left, "bbox_y": top, "bbox_w": right - left, "bbox_h": bottom - top}


def relation_scene(rng: random.Random) -> tuple[list[Thing], dict]:
    relation = rng.choice(RELATIONS)
    (shape_a, colour_a), (shape_b, colour_b) = _two_things(rng)
    box_a, box_b = _place(rng, relation)
    a, b = Thing(shape_a, colour_a, box_a), Thing(shape_b, colour_b, box_b)
    entry = {
        "true_caption": f"{a.name} is {relation} {b.name}",
        "false_caption": f"{b.name} is {relation} {a.name}",
        "relation_name": relation,
    }
    return [a, b], entry


def attribution_scene(rng: random.Random) -> tuple[list[Thing], dict]:
    (shape_a, colour_a), (shape_b, colour_b) = _two_things(rng)
    box_a, box_b = _place(rng, rng.choice(RELATIONS))
    a, b = Thing(shape_a, colour_a, box_a), Thing(shape_b, colour_b, box_b)
    entry = {
        "true_caption": f"the {colour_a} {shape_a} and the {colour_b} {shape_b}",
        "false_caption": f"the {colour_b} {shape_a} and the {colour_a} {shape_b}",
        "attributes": [colour_a, colour_b],
    }
    return [a, b], entry


def write_suite(directory: Path, scenes_per_task: int, seed: int) -> Path:
    """Write (or reuse) the suite: `scenes_per_task` relation scenes, as many attribution
    scenes, and an order item for every relation scene's caption. Same seed, same files."""
    manifest = {"version": SUITE_VERSION, "scenes_per_task": scenes_per_task, "seed": seed}
    marker = directory / "suite.json"
    if marker.is_file() and json.loads(marker.read_text()) == manifest:
        return directory
    (directory / "images").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    relations, attributions, order = [], [], []
    for kind, scene, entries in (
        ("relation", relation_scene, relations),
        ("attribution", attribution_scene, attributions),
    ):
        for number in range(scenes_per_task):
            things, entry = scene(rng)
            name = f"{kind}-{number:05d}.png"
            _draw(things, rng).save(directory / "images" / name, compress_level=1)
            entries.append({"image_id": name, "image_path": name, **_bbox(things), **entry})
            if kind == "relation":
                order.append({"image": f"images/{name}", "caption": [entry["true_caption"]]})
    for name, data in (
        ("visual_genome_relation.json", relations),
        ("visual_genome_attribution.json", attributions),
        ("synthetic_order.json", order),
    ):
        (directory / name).write_text(json.dumps(data, indent=1))
    marker.write_text(json.dumps(manifest))
    return directory


def write_training_set(directory: Path, scenes: int, seed: int) -> Path:
    """Scenes for training, with one caption each in captions.csv (filename, caption): half
    relation scenes, half attribution scenes. Use a seed other than the audit suite's."""
    directory.mkdir(parents=True, exist_ok=True)
    marker = directory / "captions.csv"
    manifest = directory / "training.json"
    wanted = {"version": SUITE_VERSION, "scenes": scenes, "seed": seed}
    if marker.is_file() and manifest.is_file() and json.loads(manifest.read_text()) == wanted:
        return marker
    rng = random.Random(seed)
    lines = ["filename,caption"]
    for number in range(scenes):
        scene = relation_scene if number % 2 == 0 else attribution_scene
        things, entry = scene(rng)
        name = f"train-{number:05d}.png"
        _draw(things, rng).save(directory / name, compress_level=1)
        lines.append(f"{name},{entry['true_caption']}")
    marker.write_text("\n".join(lines) + "\n")
    manifest.write_text(json.dumps(wanted))
    return marker
