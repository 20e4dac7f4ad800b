"""(s) dlib's face detection: the smallest face found and the time of one photo, at several
detection sides, with and without one upsample, and the detector's scores of real faces against
those of false faces on photos of nobody: the figures that chose dlib_faces' SIDE, UPSAMPLE and
MIN_SCORE.

Scenes are 12 MP (4000x3000), from tests/faces.py: scikit-image's photos of nobody scaled up,
with the astronaut's face pasted at a known width (dlib's box, in the 12 MP photo's pixels), on
three backgrounds, upright and turned 10 degrees. Each scene is reduced to the side measured (its
shortest side) as the face pass reduces a photo, then `find` runs on it: detection, landmarks
and descriptors, one thread. A face counts as found when a box overlaps its own by half."""

from __future__ import annotations

import statistics
from pathlib import Path

from PIL import Image

from photosearch.faces.dlib_faces import load_dlib
from tests.faces import NOBODY, background, overlap, paste

from .common import Row, timed

CHOICES = ((640, 0), (800, 0), (1024, 0), (1280, 0), (640, 1), (800, 1))  # (side, upsample)
WIDTHS = (60, 80, 100, 120, 140, 160, 200, 250, 300, 400)  # in the 12 MP photo's pixels
BACKGROUNDS = ("coffee", "rocket")
FLOOR = -1.0  # scores measured down to this; the chosen MIN_SCORE drops below it
MIN_SCORES = (0.0, 0.2, 0.4, 0.6)


def _reduced(scene, side):
    scale = side / min(scene.size)
    return scene.resize((round(scene.width * scale), round(scene.height * scale)))


def _scenes(quick: bool):
    """(scene, placed face or None): the astronaut at each width, upright and turned, then
    the photos of nobody, as they are and mirrored."""
    for name in BACKGROUNDS[:1] if quick else BACKGROUNDS:
        base = background(name)
        for width in WIDTHS:
            for angle in (0, 10):
                scene = base.copy()
                yield scene, paste(scene, "astronaut", width, (0.4, 0.45), angle=angle)
    for name in NOBODY:
        for mirrored in (False, True):
            scene = background(name)
            yield (scene.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if mirrored else scene), None


def measure(quick: bool) -> dict:
    """For each (side, upsample): seconds of find() per scene, the best score of each placed
    face (nan when not found) by width, and the scores of faces found on photos of nobody."""
    models = {
        choice: load_dlib(side=choice[0], upsample=choice[1], min_score=FLOOR) for choice in CHOICES
    }
    results = {
        choice: {"seconds": [], "found": {w: [] for w in WIDTHS}, "false": []} for choice in CHOICES
    }
    for scene, placed in _scenes(quick):
        truth = placed and placed.as_fractions(scene.size)
        for choice, model in models.items():
            copy = _reduced(scene, choice[0])
            seconds, faces = timed(model.find, copy)
            result = results[choice]
            if placed is None:
                result["false"] += [face.score for face in faces]
                continue
            result["seconds"].append(seconds)
            hits = [face.score for face in faces if overlap(face.box, truth) >= 0.5]
            result["found"][placed.box[2]].append(max(hits) if hits else float("nan"))
    return results


def _smallest(found: dict[int, list[float]], min_score: float) -> float:
    """The smallest width from which every placed face was found at `min_score` or more."""
    always = [w for w in WIDTHS if all(score >= min_score for score in found[w])]
    larger_all = [w for w in always if all(v in always for v in WIDTHS if v >= w)]
    return min(larger_all, default=float("nan"))


def run(quick: bool, work: Path) -> list[Row]:
    name = "(s) dlib face detection on 12 MP scenes"
    rows = []
    for (side, upsample), result in measure(quick).items():
        label = f"side {side}, upsample {upsample}"
        seconds = statistics.median(result["seconds"])
        rows.append(Row(name, f"{label}: find() per photo, one thread", seconds, "s"))
        for min_score in MIN_SCORES:
            smallest = _smallest(result["found"], min_score)
            false = sum(score >= min_score for score in result["false"])
            at = f"{label}, score >= {min_score}"
            rows += [
                Row(name, f"{at}: smallest face always found, 12 MP pixels", smallest, "px"),
                Row(name, f"{at}: false faces on {2 * len(NOBODY)} photos of nobody", false, ""),
            ]
        lowest = {w: min(s, default=float("nan")) for w, s in result["found"].items()}
        rows.append(Row(name, f"{label}: lowest score of a found face, by width {lowest}", 0, ""))
        rows.append(Row(name, f"{label}: false-face scores {sorted(result['false'])}", 0, ""))
    return rows


if __name__ == "__main__":
    import sys

    for row in run("--quick" in sys.argv, Path(".")):
        print(f"{row.figure} = {row.value:.3f} {row.unit}", flush=True)
