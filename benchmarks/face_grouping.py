"""Part of (s): how the album's found faces are told apart, pair by pair (`curve`), and how
the real grouping makes them into people, against the truth: what the issue's target is
about, not whether two descriptors are close but whether the people made hold the right faces
(the grouping joins faces through neighbours, and a face left waiting, in no person, misses
all its pairs).

Every scene's faces (matched to a pasted face; real dlib descriptors, boxes and scores) are
written as the faces pass writes them into a SQLite store of their own, then grouped by the
service: all at once and re-grouped (`regroup_faces`, as `people regroup` does), or scene by
scene in the album's order with `group_faces` for the faces each scene added (as index runs add
photos). Every pair of found faces counts: one person in truth when both are cut from one
person's photos, together when the grouping gave both one person."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from photosearch.config import Config
from photosearch.metadata import PhotoMeta
from photosearch.people.grouping import NO_PERSON, Settings
from photosearch.people.service import group_faces, regroup_faces
from photosearch.store import FaceScan, Store
from photosearch.store.faces import Faces
from photosearch.store.people import People

from .common import Row
from .people import pair_precision_recall

if TYPE_CHECKING:
    from .faces import Found

VERSION = "benchmark-album"
PRECISION_TARGET, RECALL_TARGET = 0.95, 0.90
DISTANCE_STEP = 0.005  # the grouping's figures around the chosen distance, step by step
THRESHOLDS = tuple(round(0.01 * step, 2) for step in range(1, 41))  # cosine distances


@dataclass(frozen=True)
class Grouped:
    precision: float  # of the pairs of faces grouped together, how many are one person
    recall: float  # of the pairs of one person's faces, how many are grouped together
    recall_apart: float  # the same, of the pairs cut from different photos of the person
    waiting: int  # faces left in no person
    people: int


def curve(found: list[Found]) -> list[tuple[float, float, float, float]]:
    """(threshold, precision, recall, recall of pairs from different photos) of the rule
    'one person when closer than the threshold', over every pair of found faces."""
    vectors = np.stack([f.descriptor for f in found])
    distances = 1.0 - vectors @ vectors.T
    upper = np.triu_indices(len(found), 1)
    people = np.array([f.placed.person for f in found])
    photos = np.array([f.placed.photo for f in found])
    same = (people[:, None] == people[None, :])[upper]
    other_photo = (photos[:, None] != photos[None, :])[upper]
    pair_distances = distances[upper]
    points = []
    for threshold in THRESHOLDS:
        close = pair_distances < threshold
        precision = (close & same).sum() / close.sum() if close.any() else 1.0  # none claimed
        recall = (close & same).sum() / max(same.sum(), 1)
        apart = (close & same & other_photo).sum() / max((same & other_photo).sum(), 1)
        points.append((threshold, float(precision), float(recall), float(apart)))
    return points


def chosen_distance(points) -> tuple[float, float, float, float]:
    """The largest threshold whose precision is still at least the target (most recall)."""
    good = [point for point in points if point[1] >= PRECISION_TARGET]
    return good[-1] if good else points[0]


def closest_strangers(found: list[Found], count: int = 5) -> list[tuple[float, str, str]]:
    """The closest pairs of faces of different people: whom the descriptor mixes up."""
    vectors = np.stack([f.descriptor for f in found])
    distances = 1.0 - vectors @ vectors.T
    pairs = [
        (float(distances[i, j]), found[i].placed.photo, found[j].placed.photo)
        for i in range(len(found))
        for j in range(i + 1, len(found))
        if found[i].placed.person != found[j].placed.person
    ]
    return sorted(pairs)[:count]


def group_album(scenes_found: list[list[Found]], work: Path, settings: Settings, incremental: bool):
    """The faces found in each scene (`Found`s, scene by scene), grouped in a new store."""
    data = work / "face-grouping-store"
    shutil.rmtree(data, ignore_errors=True)
    store = Store(Config.load(environ={}, data_dir=data))
    try:
        for number, found in enumerate(scenes_found):
            _write_scene(store, number, found)
            if incremental and found:  # the scene's faces, as an index run's new faces
                added = store.concern(Faces).photo_faces(f"{number:064x}", VERSION)
                group_faces(store, VERSION, settings, [face.id for face in added])
        if not incremental:
            regroup_faces(store, VERSION, settings)
        return _against_truth(store, scenes_found)
    finally:
        store.close()
        shutil.rmtree(data, ignore_errors=True)


def _write_scene(store: Store, number: int, found: list) -> None:
    digest = f"{number:064x}"
    with store.writer() as writer:
        writer.add_photo(f"/album/scene-{number:03d}.jpg", 1, 1, digest, PhotoMeta())
        faces = tuple(face.face for face in found)
        writer.concern(Faces).set_faces([FaceScan(digest, VERSION, faces)])


def _against_truth(store: Store, scenes_found: list[list[Found]]) -> Grouped:
    assigned = store.concern(People).assignments(VERSION)
    people, truth, photos = [], [], []
    for number, found in enumerate(scenes_found):
        stored = store.concern(Faces).photo_faces(f"{number:064x}", VERSION)
        for face, one in zip(stored, found, strict=True):  # both in the detector's order
            person = assigned[face.id][0]
            people.append(NO_PERSON if person is None else person)
            truth.append(one.placed.person)
            photos.append(one.placed.photo)
    grouped, truth, photos = np.array(people, "int64"), np.array(truth), np.array(photos)
    precision, recall = pair_precision_recall(grouped, np.unique(truth, return_inverse=True)[1])
    upper = np.triu_indices(len(grouped), 1)
    apart = ((truth[:, None] == truth) & (photos[:, None] != photos))[upper]
    together = ((grouped[:, None] == grouped) & (grouped[:, None] != NO_PERSON))[upper]
    placed = grouped != NO_PERSON
    return Grouped(
        precision,
        recall,
        float((apart & together).sum() / max(apart.sum(), 1)),
        int((~placed).sum()),
        len(set(grouped[placed].tolist())),
    )


def around(settings: Settings) -> list[Settings]:
    """The settings, those one and two distance steps either side, and one core face either
    side: how stable the choice is."""
    distances = [round(settings.distance + shift * DISTANCE_STEP, 3) for shift in range(-2, 3)]
    cores = [core for core in (settings.core - 1, settings.core + 1) if core >= 1]
    return [Settings(distance, settings.core, settings.neighbours) for distance in distances] + [
        Settings(settings.distance, core, settings.neighbours) for core in cores
    ]


def rows(name: str, scenes_found: list[list], work: Path, chosen: Settings) -> list[Row]:
    """The chosen settings' figures as rows, both ways, and those around them printed."""
    print("  grouping: distance core | re-grouped P R R-apart waiting | photo by photo, the same")
    measured = {}
    for settings in around(chosen):
        both = [group_album(scenes_found, work, settings, way) for way in (False, True)]
        measured[settings] = both
        figures = (
            f"{g.precision:.3f} {g.recall:.3f} {g.recall_apart:.3f} {g.waiting}" for g in both
        )
        print(f"  {settings.distance:.3f} {settings.core} | " + " | ".join(figures))
    faces = sum(map(len, scenes_found))
    people = len({one.placed.person for found in scenes_found for one in found})
    label = f"grouping {faces} faces, distance {chosen.distance:g}, core {chosen.core}"
    result = []
    for way, grouped in zip(("re-grouped", "photo by photo"), measured[chosen], strict=True):
        result += [
            Row(name, f"{label}, {way}: precision", grouped.precision, "share", target=">= 0.95",
                met=grouped.precision >= PRECISION_TARGET),
            Row(name, f"{label}, {way}: recall", grouped.recall, "share", target=">= 0.9",
                met=grouped.recall >= RECALL_TARGET),
            Row(name, f"{label}, {way}: recall, different photos", grouped.recall_apart, "share"),
            Row(name, f"{label}, {way}: faces in no person", grouped.waiting, "faces"),
            Row(name, f"{label}, {way}: people ({people} in truth)", grouped.people, "people"),
        ]  # fmt: skip
    return result
