"""(t) People: grouping 200,000 faces of 100,000 photos into people (`--only people`).

The faces are synthetic descriptors spread as dlib's are on real faces (the issue's figures:
one person's photos 0.24-0.43 apart in Euclidean distance, about 0.03-0.09 in cosine distance;
different people 0.81-0.90, about 0.33-0.40): 2,000 people, a few photographed very often and
most a few dozen times, one in ten with a sibling closer to them than the distance, and 20,000
strangers seen once. Timed: a full re-grouping, then 1,000 new photos' faces added to the
people it made; measured: the pairs of faces grouped together against the truth, and the
neighbours the lists find against exact search."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from photosearch.people import neighbours
from photosearch.people.grouping import NO_PERSON, Assignments, Faces, Settings, add_faces, regroup

from .common import Row

DIMENSION = 128
SETTINGS = Settings(distance=0.18)  # dlib's 0.6 Euclidean, the distance it was trained at
NAME = "(t) people: grouping faces (synthetic dlib-like descriptors)"


def run(quick: bool, work: Path) -> list[Row]:
    scale = 10 if quick else 1
    faces, truth = album(2_000 // scale, 180_000 // scale, 20_000 // scale, 100_000 // scale)
    newest = faces.photos >= faces.photos.max() - 1_000 // scale  # the last 1,000 photos
    count = len(faces.ids)
    nobody = Assignments(np.full(count, NO_PERSON), np.zeros(count, bool))

    started = time.perf_counter()
    changes = regroup(faces, nobody, SETTINGS)
    regroup_seconds = time.perf_counter() - started
    people = labels_after(count, changes)
    precision, recall = pair_precision_recall(people, truth)
    known = int(truth.max()) + 1
    whole = sum(
        len(set(people[(truth == person) & (people != NO_PERSON)].tolist())) == 1
        for person in range(known)
    )

    earlier = Faces(*(part[~newest] for part in vars(faces).values()))
    before = np.full(count, NO_PERSON)
    before[~newest] = labels_after(len(earlier.ids), regroup(earlier, nobody_of(earlier), SETTINGS))
    now = Assignments(before, np.zeros(count, bool))
    started = time.perf_counter()
    added = add_faces(faces, now, newest, SETTINGS)
    add_seconds = time.perf_counter() - started
    joined = len(added.assigned) + sum(map(len, added.new_people))

    recall_at, exact_seconds, inverted_seconds = neighbour_recall(faces)
    full = not quick
    return [
        Row(NAME, f"faces {count:,}, people {len(changes.new_people):,} found", count, "faces"),
        Row(
            NAME,
            "full re-grouping",
            regroup_seconds,
            "s",
            target="<= 60 s" if full else "",
            met=regroup_seconds <= 60 if full else None,
        ),  # fmt: skip
        Row(
            NAME,
            f"adding {int(newest.sum()):,} new faces ({joined:,} placed)",
            add_seconds,
            "s",
            target="<= 5 s" if full else "",
            met=add_seconds <= 5 if full else None,
        ),  # fmt: skip
        Row(NAME, f"people found whole, of {known:,}", whole, "people"),
        Row(NAME, "same-person pairs: precision", precision, "ratio"),
        Row(NAME, "same-person pairs: recall", recall, "ratio"),
        Row(NAME, "lists: exact neighbours found (of 1,000 faces)", recall_at, "ratio"),
        Row(
            NAME,
            "every face's neighbours, as a re-grouping finds them",
            inverted_seconds,
            "s",
            "exact (from 1,000 faces)",
            exact_seconds,
        ),  # fmt: skip
    ]


def album(people: int, person_faces: int, strangers: int, photos: int) -> tuple[Faces, np.ndarray]:
    """Faces with their true person (strangers: each their own, below -1), in photos of one to
    three faces."""
    rng = np.random.default_rng(32)
    mean = unit(rng.normal(size=DIMENSION))
    centres = unit(1.41 * mean + rng.normal(size=(people, DIMENSION)) / np.sqrt(DIMENSION))
    siblings = rng.choice(people, people // 10, replace=False)
    nudge = 0.5 * rng.normal(size=(len(siblings), DIMENSION)) / np.sqrt(DIMENSION)
    centres[siblings] = unit(centres[(siblings + 1) % people] + nudge)
    weights = 1 / np.arange(1, people + 1) ** 0.8  # a few people in many photos, most in few
    truth = rng.choice(people, person_faces, p=weights / weights.sum())
    truth = np.concatenate([truth, -2 - np.arange(strangers)])
    stranger_centres = unit(1.41 * mean + rng.normal(size=(strangers, DIMENSION)) / np.sqrt(128))
    centre_of = np.concatenate([centres, stranger_centres])
    which = np.where(truth >= 0, truth, people - 2 - truth)
    spread = np.sqrt(0.075 / DIMENSION) * rng.uniform(0.5, 1.5, (len(truth), 1))
    descriptors = unit(centre_of[which] + spread * rng.normal(size=(len(truth), DIMENSION)))
    photo_of = rng.integers(0, photos, len(truth))  # a stranger anywhere, a person once a photo
    for person in range(people):
        seen = np.flatnonzero(truth == person)
        photo_of[seen] = rng.choice(photos, len(seen), replace=False)
    order = np.argsort(photo_of, kind="stable")  # ids in the order the photos came
    faces = Faces(
        np.arange(len(truth)) + 1,
        descriptors[order],
        photo_of[order],
        rng.uniform(0.5, 1, len(truth)).astype("float32"),
    )
    return faces, truth[order]


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype("float32")


def nobody_of(faces: Faces) -> Assignments:
    return Assignments(np.full(len(faces.ids), NO_PERSON), np.zeros(len(faces.ids), bool))


def labels_after(count: int, changes) -> np.ndarray:
    """Each face's person after a run from nobody (people numbered from 1)."""
    people = np.full(count, NO_PERSON)
    for number, group in enumerate(changes.new_people):
        people[np.array(group) - 1] = number + 1
    return people


def pair_precision_recall(people: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Of the pairs of faces grouped together, how many are one person; of the pairs of one
    person's faces, how many are grouped together (unplaced faces count as alone)."""
    alone = people == NO_PERSON
    grouped = np.where(alone, -10 - np.arange(len(people)), people)

    def pairs(*keys) -> int:
        _, counts = np.unique(np.stack(keys, axis=1), axis=0, return_counts=True)
        return int((counts * (counts - 1) // 2).sum())

    both = pairs(grouped, truth)
    return both / max(pairs(grouped), 1), both / max(pairs(truth), 1)


def neighbour_recall(faces: Faces) -> tuple[float, float, float]:
    """How many of the exact neighbours within the distance (of 1,000 faces) the lists find,
    and the seconds to find every face's neighbours each way (exact: from 1,000 faces)."""
    k, distance, sample = SETTINGS.neighbours, SETTINGS.distance, 1_000
    started = time.perf_counter()
    by_lists = neighbours.nearest(faces.descriptors, faces.descriptors, k, distance)[1][:sample]
    lists_seconds = time.perf_counter() - started
    started = time.perf_counter()
    exact = neighbours.nearest(faces.descriptors[:sample], faces.descriptors, k, distance)[1]
    exact_seconds = (time.perf_counter() - started) * len(faces.ids) / sample
    found = sum(len(set(a[a >= 0]) & set(b[b >= 0])) for a, b in zip(by_lists, exact, strict=True))
    return found / max(int((exact >= 0).sum()), 1), exact_seconds, lists_seconds
