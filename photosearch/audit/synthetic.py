"""A built-in, offline ARO suite: rendered scenes of coloured shapes, written in the official
VG-Relation, VG-Attribution and Karpathy caption formats so the same loaders read them.
A `World` sets what scenes may hold; the default one is the audit's built-in suite."""

from __future__ import annotations

import json
import math
import random
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image, ImageDraw

SUITE_VERSION = 2  # 2: square crop boxes, so the model's centre crop keeps both objects
PALETTE = {
    "red": (214, 39, 40),
    "blue": (31, 90, 200),
    "green": (44, 160, 44),
    "yellow": (238, 205, 30),
    "purple": (148, 80, 189),
    "orange": (255, 127, 14),
    "pink": (247, 129, 191),
    "brown": (140, 86, 45),
    "cyan": (23, 190, 207),
    "black": (20, 20, 20),
}
RELATIONS = ("above", "below", "to the left of", "to the right of")
REFERENCE_CANVAS = 224  # the placement ranges below are in pixels of a canvas this size


@dataclass(frozen=True)
class World:
    colours: tuple[str, ...] = ("red", "blue", "green", "yellow", "purple")
    shapes: tuple[str, ...] = ("circle", "square", "triangle")
    relations: tuple[str, ...] = RELATIONS
    canvas: int = REFERENCE_CANVAS

    def manifest(self) -> dict:
        return asdict(self)


DEFAULT_WORLD = World()
# Rich enough that a swapped caption almost never describes another scene of a training batch
# (10 x 9 colours x 6 x 5 shapes x 4 relations), rendered at a small model's input size.
RICH_WORLD = World(
    colours=tuple(PALETTE),
    shapes=("circle", "square", "triangle", "diamond", "cross", "star"),
    canvas=64,
)


@dataclass(frozen=True)
class Thing:
    shape: str
    colour: str
    box: tuple[int, int, int, int]  # left, top, right, bottom

    @property
    def name(self) -> str:
        return f"the {self.colour} {self.shape}"


def holds(relation: str, a: Thing, b: Thing) -> bool:
    """Whether `a <relation> b` is true of the boxes: one lies wholly beyond the other."""
    return {
        "above": a.box[3] < b.box[1],
        "below": b.box[3] < a.box[1],
        "to the left of": a.box[2] < b.box[0],
        "to the right of": b.box[2] < a.box[0],
    }[relation]


def two_things(rng: random.Random, world: World) -> tuple[tuple[str, str], tuple[str, str]]:
    """Two (shape, colour) that differ in both, so each caption names them uniquely."""
    shape_a, shape_b = rng.sample(world.shapes, 2)
    colour_a, colour_b = rng.sample(world.colours, 2)
    return (shape_a, colour_a), (shape_b, colour_b)


def place(rng: random.Random, relation: str, world: World) -> tuple[tuple[int, ...], ...]:
    """Boxes for subject and object so that `subject <relation> object` holds clearly."""
    scale = world.canvas / REFERENCE_CANVAS

    def pick(low: int, high: int) -> int:
        return round(rng.randint(low, high) * scale)

    size_a, size_b = pick(44, 72), pick(44, 72)
    near, far = pick(8, 40), pick(124, 150)
    across_a, across_b = pick(8, REFERENCE_CANVAS - 80), pick(8, REFERENCE_CANVAS - 80)
    first, second = (near, far) if relation in ("above", "to the left of") else (far, near)
    if relation in ("above", "below"):
        a = (across_a, first, across_a + size_a, first + size_a)
        b = (across_b, second, across_b + size_b, second + size_b)
    else:
        a = (first, across_a, first + size_a, across_a + size_a)
        b = (second, across_b, second + size_b, across_b + size_b)
    return a, b


def _star(box: tuple[int, ...]) -> list[tuple[float, float]]:
    left, top, right, bottom = box
    cx, cy, outer = (left + right) / 2, (top + bottom) / 2, (right - left) / 2
    return [
        (cx + r * math.sin(math.pi * k / 5), cy - r * math.cos(math.pi * k / 5))
        for k in range(10)
        for r in [outer if k % 2 == 0 else 0.45 * outer]
    ]


def _outline(shape: str, box: tuple[int, ...]) -> list[tuple[float, float]]:
    left, top, right, bottom = box
    cx, cy = (left + right) / 2, (top + bottom) / 2
    if shape == "triangle":
        return [(cx, top), (right, bottom), (left, bottom)]
    if shape == "diamond":
        return [(cx, top), (right, cy), (cx, bottom), (left, cy)]
    if shape == "star":
        return _star(box)
    if shape == "cross":  # a plus sign with arms a third of the size wide
        a, b = left + (right - left) / 3, left + 2 * (right - left) / 3
        c, d = top + (bottom - top) / 3, top + 2 * (bottom - top) / 3
        return [(a, top), (b, top), (b, c), (right, c), (right, d), (b, d),
                (b, bottom), (a, bottom), (a, d), (left, d), (left, c), (a, c)]  # fmt: skip
    raise ValueError(f"unknown shape {shape!r}")


def draw(things: list[Thing], rng: random.Random, world: World = DEFAULT_WORLD) -> Image.Image:
    shade = rng.randint(225, 250)
    image = Image.new("RGB", (world.canvas, world.canvas), (shade, shade, shade))
    pen = ImageDraw.Draw(image)
    for thing in things:
        fill = PALETTE[thing.colour]
        if thing.shape == "circle":
            pen.ellipse(thing.box, fill=fill)
        elif thing.shape == "square":
            pen.rectangle(thing.box, fill=fill)
        else:
            pen.polygon(_outline(thing.shape, thing.box), fill=fill)
    return image


def _bbox(things: list[Thing], canvas: int) -> dict[str, int]:
    """The square around both objects plus a margin: a centre crop of it loses neither."""
    margin = round(8 * canvas / REFERENCE_CANVAS)
    left = max(0, min(t.box[0] for t in things) - margin)
    top = max(0, min(t.box[1] for t in things) - margin)
    right = min(canvas, max(t.box[2] for t in things) + margin)
    bottom = min(canvas, max(t.box[3] for t in things) + margin)
    side = max(right - left, bottom - top)
    left = min(max(0, (left + right - side) // 2), canvas - side)
    top = min(max(0, (top + bottom - side) // 2), canvas - side)
    return {"bbox_x": left, "bbox_y": top, "bbox_w": side, "bbox_h": side}


def related_pair(
    rng: random.Random, world: World, a: tuple[str, str], relation: str, b: tuple[str, str]
) -> list[Thing]:
    """Subject a and object b, each (shape, colour), placed so that `a <relation> b`."""
    box_a, box_b = place(rng, relation, world)
    return [Thing(a[0], a[1], box_a), Thing(b[0], b[1], box_b)]


def relation_caption(a: Thing, relation: str, b: Thing) -> str:
    return f"{a.name} is {relation} {b.name}"


def relation_scene(rng: random.Random, world: World = DEFAULT_WORLD) -> tuple[list[Thing], dict]:
    relation = rng.choice(world.relations)
    subject, object_ = two_things(rng, world)
    a, b = related_pair(rng, world, subject, relation, object_)
    entry = {
        "true_caption": relation_caption(a, relation, b),
        "false_caption": relation_caption(b, relation, a),
        "relation_name": relation,
    }
    return [a, b], entry


def attribution_scene(rng: random.Random, world: World = DEFAULT_WORLD) -> tuple[list[Thing], dict]:
    (shape_a, colour_a), (shape_b, colour_b) = two_things(rng, world)
    box_a, box_b = place(rng, rng.choice(world.relations), world)
    entry = {
        "true_caption": f"the {colour_a} {shape_a} and the {colour_b} {shape_b}",
        "false_caption": f"the {colour_b} {shape_a} and the {colour_a} {shape_b}",
        "attributes": [colour_a, colour_b],
    }
    return [Thing(shape_a, colour_a, box_a), Thing(shape_b, colour_b, box_b)], entry


def single_scene(rng: random.Random, world: World = DEFAULT_WORLD) -> Thing:
    """One object of a random shape and colour, somewhere on the canvas."""
    scale = world.canvas / REFERENCE_CANVAS
    size = round(rng.randint(44, 72) * scale)
    left = rng.randint(0, world.canvas - size)
    top = rng.randint(0, world.canvas - size)
    box = (left, top, left + size, top + size)
    return Thing(rng.choice(world.shapes), rng.choice(world.colours), box)


def write_suite(
    directory: Path, scenes_per_task: int, seed: int, world: World = DEFAULT_WORLD
) -> Path:
    """Write (or reuse) the suite: `scenes_per_task` relation scenes, as many attribution
    scenes, and an order item for every relation scene's caption. Same seed, same files."""
    manifest = {"version": SUITE_VERSION, "scenes_per_task": scenes_per_task, "seed": seed}
    if world != DEFAULT_WORLD:
        manifest["world"] = world.manifest()
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
            things, entry = scene(rng, world)
            name = f"{kind}-{number:05d}.png"
            draw(things, rng, world).save(directory / "images" / name, compress_level=1)
            bbox = _bbox(things, world.canvas)
            entries.append({"image_id": name, "image_path": name, **bbox, **entry})
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


def single_caption(thing: Thing) -> str:
    return f"a photo of a {thing.colour} {thing.shape}"


def write_training_set(
    directory: Path, scenes: int, seed: int, world: World = DEFAULT_WORLD, singles: int = 0
) -> Path:
    """Scenes for training, with one caption each in captions.csv (filename, caption): half
    relation scenes, half attribution scenes, then `singles` scenes of one object ("a photo
    of a red circle"). Use a seed other than the audit suite's."""
    directory.mkdir(parents=True, exist_ok=True)
    marker = directory / "captions.csv"
    manifest = directory / "training.json"
    wanted = {"version": SUITE_VERSION, "scenes": scenes, "seed": seed, "world": world.manifest()}
    wanted |= {"singles": singles} if singles else {}
    if marker.is_file() and manifest.is_file() and json.loads(manifest.read_text()) == wanted:
        return marker
    rng = random.Random(seed)
    lines = ["filename,caption"]
    for number in range(scenes):
        scene = relation_scene if number % 2 == 0 else attribution_scene
        things, entry = scene(rng, world)
        name = f"train-{number:05d}.png"
        draw(things, rng, world).save(directory / name, compress_level=1)
        lines.append(f"{name},{entry['true_caption']}")
    for number in range(singles):
        thing = single_scene(rng, world)
        name = f"single-{number:05d}.png"
        draw([thing], rng, world).save(directory / name, compress_level=1)
        lines.append(f"{name},{single_caption(thing)}")
    marker.write_text("\n".join(lines) + "\n")
    manifest.write_text(json.dumps(wanted))
    return marker
