"""(s) Faces on an album of real faces: the time to find the faces of a 12 MP JPEG at several
detection sides, the smallest face found at each, faces found on photos of nobody, and how far
apart dlib's descriptors of one person's faces are against those of different people: the
figures that choose the face model's `side` and `same_person` distance. Then the text pass and
the faces pass of `index`, each alone and both at once, over some of the album's scenes.

The album (written as JPEG files, quality 92, 4000x3000, with sensor-like grain):
- the people: the 21 cut-outs of tests/data/faces (eight people: Obama in three photos, a woman
  in twelve photos of one sitting with twelve expressions, a father, mother, son and daughter
  from one family photo, Biden and a laughing woman in one each; see its LICENSE.md) and
  scikit-image's astronaut (Eileen Collins): nine people in 22 photos;
- one-face scenes: each cut-out pasted twice (once with --quick) into one of scikit-image's
  photos of nobody scaled up to 12 MP, its face (dlib's box) 80 to 600 px wide, upright or
  turned 10 or 20 degrees either way, at normal exposure, darker (x0.55) or brighter (x1.5);
- group scenes: 8 (3) scenes of four different people, faces 150 to 400 px wide, turned up to
  10 degrees;
- scenes with nobody: 30 (10) of scikit-image's photos of nobody (coffee, a cat, a rocket,
  galaxies, tissue, brick, grass, gravel, the moon, coins, a clock, a horse's silhouette),
  cropped, mirrored, exposed and scaled to 12 MP as above.

Each scene is read from its file and decoded as the face pass gets it (`imaging.decoder.decode`
with the side as its `min_side`: libjpeg's reduced draft), then the face model finds its faces
on a copy whose shortest side is the side measured: detection, landmarks and descriptors, on a
thread a core as the pass's threads run them (photos/s is the album over the wall time). A face
counts as found when a box's centre lies within half the face's width of the pasted face's
centre and its width is within a factor of two. Distances are cosine distances between the
descriptors of found faces, every pair; a pair is one person's when both faces are cut from
that person's photos (the same cut-out pasted twice counts, and the curve gives the pairs of
different photos of one person apart). Then the found faces are grouped into people by the
real grouping, as face_grouping.py says, at the face model's distance and around it."""

from __future__ import annotations

import os
import random
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter
from skimage import data

from photosearch.faces.dlib_faces import SAME_PERSON, SIDE, UPSAMPLE
from photosearch.faces.found import FoundFace
from photosearch.imaging.decoder import decode
from photosearch.indexing.passes.text.reading import reading_plan
from photosearch.library import PhotoLibrary
from photosearch.model.loading import TEST_ARCH
from photosearch.ocr.reader import shared_reader, usable_cores
from photosearch.people.grouping import Settings

from . import face_grouping
from .common import Row, config_for, random_checkpoint
from .face_grouping import (
    PRECISION_TARGET,
    RECALL_TARGET,
    chosen_distance,
    closest_strangers,
    curve,
)

NAME = "(s) faces (dlib HOG + ResNet)"
FACES_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "faces"
CUT_FACE = 180  # dlib's box width in every cut-out of tests/data/faces
SCENE = (4000, 3000)
JPEG_QUALITY = 92
MAX_PIXELS = 100_000_000
# (side, upsample): upsampling doubles the detection image, so it is measured on small sides only
SETTINGS = ((480, 0), (640, 0), (800, 0), (1024, 0), (1280, 0), (480, 1), (640, 1), (800, 1))
QUICK_SETTINGS = ((640, 0), (800, 0), (480, 1))
WIDTHS = (80, 110, 150, 200, 280, 400, 600)  # face widths in the 12 MP scene's pixels
ANGLES = (0, 0, 10, -10, 20, -20)
EXPOSURES = (1.0, 1.0, 0.55, 1.5)
NOBODY = (
    "coffee",
    "chelsea",
    "rocket",
    "hubble_deep_field",
    "immunohistochemistry",
    "brick",
    "grass",
    "gravel",
    "moon",
    "coins",
    "clock",
    "horse",
)
THROUGHPUT_TARGET = 4.0  # photos a second, 12 MP JPEGs
FALSE_FACES_TARGET = 0.05


@dataclass(frozen=True)
class Placed:
    """A face pasted into a scene: who, from which photo, its centre and width in scene pixels."""

    person: str
    photo: str
    centre: tuple[float, float]
    width: float


@dataclass
class Scene:
    path: Path
    faces: list[Placed] = field(default_factory=list)


@dataclass
class Found:
    """A found face matched to the face pasted there."""

    placed: Placed
    face: FoundFace

    @property
    def descriptor(self) -> np.ndarray:
        return self.face.descriptor


def _cutouts() -> dict[str, Image.Image]:
    """Every face photo by its name: the files of tests/data/faces and the astronaut, cut the
    same way (2.0 x 2.4 face widths around dlib's box, scaled to a CUT_FACE-wide box)."""
    cuts = {path.stem: Image.open(path).convert("RGB") for path in sorted(FACES_DIR.glob("*.jpg"))}
    astronaut = Image.fromarray(data.astronaut()).crop((135, 28, 311, 240))  # box 179, 83, 88
    scale = CUT_FACE / 88
    cuts["astronaut_1"] = astronaut.resize(
        (round(astronaut.width * scale), round(astronaut.height * scale)), Image.Resampling.LANCZOS
    )
    return cuts


def _background(name: str, rng: random.Random) -> Image.Image:
    """A photo of nobody: a random crop of at least 60 % of it, maybe mirrored, scaled to 12 MP."""
    photo = Image.fromarray(getattr(data, name)()).convert("RGB")
    aspect = SCENE[0] / SCENE[1]
    width = min(photo.width, round(photo.height * aspect)) * rng.uniform(0.6, 1.0)
    height = width / aspect
    left = rng.uniform(0, photo.width - width)
    top = rng.uniform(0, photo.height - height)
    photo = photo.crop((round(left), round(top), round(left + width), round(top + height)))
    if rng.random() < 0.5:
        photo = photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return photo.resize(SCENE, Image.Resampling.BICUBIC)


def _paste(scene: Image.Image, name: str, cut: Image.Image, width: int, centre, angle: float):
    """`cut` scaled to a `width`-wide face, turned `angle` degrees, blended in at `centre`."""
    scale = width / CUT_FACE
    cut = cut.resize(
        (round(cut.width * scale), round(cut.height * scale)), Image.Resampling.LANCZOS
    )
    mask = Image.new("L", cut.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, cut.width, cut.height), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(max(2, cut.width // 40)))
    if angle:
        cut = cut.rotate(angle, Image.Resampling.BICUBIC, expand=True)
        mask = mask.rotate(angle, Image.Resampling.BICUBIC, expand=True)
    scene.paste(cut, (round(centre[0] - cut.width / 2), round(centre[1] - cut.height / 2)), mask)
    # The face's centre sits 0.08 face widths above the cut-out's; turning moves it with it.
    offset, turn = -0.08 * width, np.radians(angle)
    face_centre = (centre[0] + offset * np.sin(turn), centre[1] + offset * np.cos(turn))
    return Placed(name.rsplit("_", 1)[0], name, face_centre, width)


@cache
def _grain() -> np.ndarray:
    """Sensor-like noise for a 12 MP scene: one 1000x1000 patch of it, tiled."""
    patch = np.random.default_rng(32).normal(0, 3, (1000, 1000, 3)).astype(np.float32)
    return np.tile(patch, (SCENE[1] // 1000, SCENE[0] // 1000, 1))


def _save(scene: Image.Image, exposure: float, path: Path, rng: random.Random) -> None:
    """The scene exposed, with grain, as a camera's JPEG; kept when `path` is there already."""
    shift = rng.randrange(1000)
    if path.exists():
        return
    scene = ImageEnhance.Brightness(scene).enhance(exposure)
    grain = np.roll(_grain(), shift, axis=1)
    pixels = np.clip(np.asarray(scene, np.float32) + grain, 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, quality=JPEG_QUALITY)


def build_album(folder: Path, quick: bool) -> list[Scene]:
    """The album's scenes, written into `folder` (see the module's docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng, cuts, scenes = random.Random(32), _cutouts(), []

    def write(scene_image, faces, exposure):
        path = folder / f"scene-{len(scenes):03d}.jpg"
        _save(scene_image, exposure, path, rng)
        scenes.append(Scene(path, faces))

    for copy in range(1 if quick else 2):
        for index, (name, cut) in enumerate(cuts.items()):
            width = WIDTHS[(index + 3 * copy) % len(WIDTHS)]
            margin = width * 1.5
            centre = (
                rng.uniform(margin, SCENE[0] - margin),
                rng.uniform(margin, SCENE[1] - margin),
            )
            scene = _background(rng.choice(NOBODY), rng)
            angle = ANGLES[(index + copy) % len(ANGLES)]
            placed = _paste(scene, name, cut, width, centre, angle)
            write(scene, [placed], EXPOSURES[(index + 2 * copy) % len(EXPOSURES)])
    people: dict[str, list[str]] = {}
    for name in cuts:
        people.setdefault(name.rsplit("_", 1)[0], []).append(name)
    for _ in range(3 if quick else 8):
        scene = _background(rng.choice(NOBODY), rng)
        faces = []
        for slot, person in enumerate(rng.sample(sorted(people), 4)):
            name = rng.choice(people[person])
            centre = ((slot % 2 + 0.5) * SCENE[0] / 2, (slot // 2 + 0.5) * SCENE[1] / 2)
            angle = rng.uniform(-10, 10)
            faces.append(_paste(scene, name, cuts[name], rng.randint(150, 400), centre, angle))
        write(scene, faces, rng.choice(EXPOSURES))
    for index in range(10 if quick else 30):
        write(_background(NOBODY[index % len(NOBODY)], rng), [], rng.choice(EXPOSURES))
    return scenes


def _match(face, scene: Scene) -> Placed | None:
    """The pasted face that a found face is, if any."""
    left, top, width, height = face.box
    centre = ((left + width / 2) * SCENE[0], (top + height / 2) * SCENE[1])
    for placed in scene.faces:
        near = np.hypot(centre[0] - placed.centre[0], centre[1] - placed.centre[1])
        if near < placed.width / 2 and 0.5 < width * SCENE[0] / placed.width < 2:
            return placed
    return None


@dataclass
class Measured:
    side: int
    upsample: int
    seconds: list[float] = field(default_factory=list)
    found: list[Found] = field(default_factory=list)
    by_scene: list[list[Found]] = field(default_factory=list)  # the found faces of each scene
    missed: list[Placed] = field(default_factory=list)
    nobody_with_faces: int = 0
    nobody: int = 0
    stray: int = 0  # faces found where none was pasted, in scenes with people
    wall: float = 0.0


def _find(model, path: Path, side: int):
    with decode(path.read_bytes(), max_pixels=MAX_PIXELS, min_side=side) as decoded:
        return model.find(decoded.image)


def measure(scenes: list[Scene], side: int, upsample: int) -> Measured:
    """Every scene's faces, found on as many threads as there are cores (the pass's threads),
    each with a model of its own: dlib's HOG detector shared by two threads hands one photo's
    boxes to the other."""
    from photosearch.faces.dlib_faces import load_dlib  # dlib loads only when measuring

    result, own = Measured(side, upsample), threading.local()

    def timed_find(scene: Scene):
        if not hasattr(own, "model"):
            own.model = load_dlib(side=side, upsample=upsample)
        started = time.perf_counter()
        faces = _find(own.model, scene.path, side)
        return faces, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        answers = list(pool.map(timed_find, scenes))
    result.wall = time.perf_counter() - started
    for scene, (faces, seconds) in zip(scenes, answers, strict=True):
        result.seconds.append(seconds)
        matched = {}
        for face in faces:
            placed = _match(face, scene)
            if placed is None:
                result.stray += bool(scene.faces)
            elif placed not in matched:
                matched[placed] = Found(placed, face)
        result.found += matched.values()
        result.by_scene.append(list(matched.values()))
        result.missed += [placed for placed in scene.faces if placed not in matched]
        if not scene.faces:
            result.nobody += 1
            result.nobody_with_faces += bool(faces)
    return result


def smallest_found(result: Measured) -> tuple[int, int]:
    """The smallest face width found at all, and the smallest from which on every width was
    found at least 90 % of the time (0 when none)."""
    widths = sorted({f.placed.width for f in result.found} | {p.width for p in result.missed})
    rates = {}
    for width in widths:
        found = sum(f.placed.width == width for f in result.found)
        rates[width] = found / (found + sum(p.width == width for p in result.missed))
    reliable = [w for w in widths if all(rates[v] >= 0.9 for v in widths if v >= w)]
    hits = [f.placed.width for f in result.found]
    return (round(min(hits)) if hits else 0), (round(min(reliable)) if reliable else 0)


def _row(label, figure, value, unit, at_least=None, at_most=None) -> Row:
    if at_least is None and at_most is None:
        return Row(NAME, f"{label}: {figure}", value, unit)
    met = value >= at_least if at_least is not None else value <= at_most
    target = f">= {at_least}" if at_least is not None else f"<= {at_most}"
    return Row(NAME, f"{label}: {figure}", value, unit, target=target, met=met)


def _index(work: Path, folder: Path, model: str, **settings):
    """One `index` of the folder into a new library with these settings: its summary."""
    data = work / "faces-together-data"
    shutil.rmtree(data, ignore_errors=True)
    config = config_for(data, model, device="cpu", runtime="torch", precision="fp32", **settings)
    library = PhotoLibrary(config)
    try:
        return library.index([folder])
    finally:
        library.close()


def together(quick: bool, work: Path, scenes: list[Scene]) -> list[Row]:
    """The text pass and the faces pass of `index`, each alone (T, F) and both at once, over
    24 (12) of the album's scenes taken evenly through it, with the face model's own settings
    and the text readers loaded before (once a process, as benchmark (m) does)."""
    count = 12 if quick else 24
    folder = work / "faces-together"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for scene in scenes[:: len(scenes) // count][:count]:
        shutil.copy(scene.path, folder / scene.path.name)
    model = random_checkpoint(work, TEST_ARCH)
    shared_reader(reading_plan(usable_cores())[1]).load()
    text = _index(work, folder, model, ocr=True, faces=False).texts_per_second
    faces = _index(work, folder, model, ocr=False, faces=True).faces_per_second
    both = _index(work, folder, model, ocr=True, faces=True).faces_per_second
    bound = 1 / (1 / text + 1 / faces)
    label = f"index, {count} 12 MP JPEGs"
    return [
        Row(NAME, f"{label}: text pass alone (T)", text, "photo/s"),
        Row(NAME, f"{label}: faces pass alone (F)", faces, "photo/s"),
        Row(NAME, f"{label}: text and faces together", both, "photo/s", "1/(1/T + 1/F)", bound,
            ">= 0.9 x", both >= 0.9 * bound),
    ]  # fmt: skip


def run(quick: bool, work: Path) -> list[Row]:
    scenes = build_album(work / ("faces-album-quick" if quick else "faces-album"), quick)
    people_faces = sum(len(scene.faces) for scene in scenes)
    mean_mb = np.mean([scene.path.stat().st_size for scene in scenes]) / 1e6
    print(f"  album: {len(scenes)} scenes, {people_faces} faces, JPEGs of {mean_mb:.1f} MB")
    rows, results = [], []
    for side, upsample in QUICK_SETTINGS if quick else SETTINGS:
        result = measure(scenes, side, upsample)
        results.append(result)
        label = f"side {side}, upsample {upsample}"
        speed = len(scenes) / result.wall
        smallest, reliable = smallest_found(result)
        false_rate = result.nobody_with_faces / max(result.nobody, 1)
        threshold, precision, recall, apart = chosen_distance(curve(result.found))
        rows += [
            _row(label, "photos/s, all cores", speed, "photo/s", at_least=THROUGHPUT_TARGET),
            _row(label, "seconds a photo, all cores busy", float(np.mean(result.seconds)), "s"),
            _row(label, "faces found", len(result.found) / people_faces, "share"),
            _row(label, "smallest face found", smallest, "px"),
            _row(label, "found >= 90 % from", reliable, "px"),
            _row(
                label,
                "photos of nobody with a face",
                false_rate,
                "share",
                at_most=FALSE_FACES_TARGET,
            ),
            _row(label, "faces where none was", result.stray, "faces"),
            _row(label, "same person under distance", threshold, "cosine"),
            _row(label, "  its precision", precision, "share", at_least=PRECISION_TARGET),
            _row(label, "  its recall", recall, "share", at_least=RECALL_TARGET),
            _row(label, "  its recall, different photos", apart, "share"),
        ]
    fast = [r for r in results if len(scenes) / r.wall >= THROUGHPUT_TARGET]
    best = max(fast, key=lambda r: len(r.found), default=results[0])
    label = f"side {best.side}, upsample {best.upsample}"
    print(f"  chosen: {label}; loads {os.getloadavg()}")
    print("  threshold precision recall recall-different-photos")
    for point in curve(best.found):
        print("  " + " ".join(f"{value:.3f}" for value in point))
    for distance, one, other in closest_strangers(best.found):
        print(f"  different people {distance:.3f} apart: {one} and {other}")
    chosen = next(r for r in results if (r.side, r.upsample) == (SIDE, UPSAMPLE))  # the model's
    rows += face_grouping.rows(NAME, chosen.by_scene, work, Settings(distance=SAME_PERSON))
    rows += together(quick, work, scenes)
    return rows
