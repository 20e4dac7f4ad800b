"""The synthetic benchmark's measures beyond the audit: retrieval with true and with
word-shuffled captions (ARO's claim that retrieval never needed word order), zero-shot naming
of single objects (what the fix may cost), and swapped queries asked of a real index."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from photosearch.audit.probe import probe_pairs
from photosearch.audit.synthetic import (
    Thing,
    World,
    draw,
    holds,
    related_pair,
    relation_caption,
    relation_scene,
    single_caption,
    single_scene,
    two_things,
)
from photosearch.library import PhotoLibrary
from photosearch.model.embedder import Embedder

from .common import config_for


def recall_at_1(embedder: Embedder, images: list[Path], captions: list[str]) -> float:
    """Text-to-image R@1: each caption's own image ranked first among all the images."""
    pictures = []
    for path in images:
        with Image.open(path) as image:
            pictures.append(image.convert("RGB"))
    image_vectors = embedder.embed_images(pictures)
    text_vectors = embedder.embed_texts(captions)
    best = (text_vectors @ image_vectors.T).argmax(axis=1)
    return float(np.mean(best == np.arange(len(captions))))


def shuffle_words(captions: list[str], seed: int) -> list[str]:
    """Every caption's words in a random order (ARO's "shuffle all words")."""
    rng = random.Random(seed)
    shuffled = []
    for caption in captions:
        words = caption.split()
        rng.shuffle(words)
        shuffled.append(" ".join(words))
    return shuffled


def write_singles(directory: Path, count: int, seed: int, world: World) -> list[tuple[Path, str]]:
    """Scenes of one object each, with the prompt that names it."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    singles = []
    for number in range(count):
        thing = single_scene(rng, world)
        path = directory / f"single-{number:05d}.png"
        draw([thing], rng, world).save(path, compress_level=1)
        singles.append((path, single_caption(thing)))
    return singles


def zero_shot(embedder: Embedder, singles: list[tuple[Path, str]], world: World) -> float:
    """Accuracy of naming each object among every colour-shape prompt of the world."""
    prompts = [
        single_caption(Thing(shape, colour, ()))
        for colour in world.colours
        for shape in world.shapes
    ]
    pictures = []
    for path, _ in singles:
        with Image.open(path) as image:
            pictures.append(image.convert("RGB"))
    scores = embedder.embed_images(pictures) @ embedder.embed_texts(prompts).T
    chosen = [prompts[i] for i in scores.argmax(axis=1)]
    return float(np.mean([c == truth for c, (_, truth) in zip(chosen, singles, strict=True)]))


Query = tuple[tuple[str, str], str, tuple[str, str]]  # (shape, colour), relation, (shape, colour)


def query_text(query: Query) -> str:
    (shape_a, colour_a), relation, (shape_b, colour_b) = query
    return relation_caption(Thing(shape_a, colour_a, ()), relation, Thing(shape_b, colour_b, ()))


def describes(query: Query, things: list[Thing]) -> bool:
    """Whether the query is exactly true of the scene: its two objects, in that relation."""
    a, relation, b = query
    if len(things) != 2:
        return False
    return any(
        (x.shape, x.colour) == a and (y.shape, y.colour) == b and holds(relation, x, y)
        for x, y in (things, things[::-1])
    )


@dataclass
class Gallery:
    directory: Path
    scenes: dict[str, list[Thing]]  # file name: what is in it
    pairs: list[tuple[Query, Query]]  # a query and its subject-object swap


def write_gallery(
    directory: Path, pairs: int, per_query: int, distractors: int, seed: int, world: World
) -> Gallery:
    """Photos to index: for each pair of swapped queries, `per_query` scenes of each side,
    among `distractors` random scenes of the world."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    scenes: dict[str, list[Thing]] = {}
    chosen: list[tuple[Query, Query]] = []

    def add(things: list[Thing]) -> None:
        name = f"scene-{len(scenes):05d}.png"
        draw(things, rng, world).save(directory / name, compress_level=1)
        scenes[name] = things

    for _ in range(pairs):
        a, b = two_things(rng, world)
        relation = rng.choice(world.relations)
        chosen.append(((a, relation, b), (b, relation, a)))
        for _ in range(per_query):
            add(related_pair(rng, world, a, relation, b))
            add(related_pair(rng, world, b, relation, a))
    for _ in range(distractors):
        add(relation_scene(rng, world)[0])
    return Gallery(directory, scenes, chosen)


def search_figures(model: str, gallery: Gallery, data_dir: Path) -> tuple[float, float]:
    """Index the gallery with `model` (ARCH:/path) through the indexer, then ask its searcher
    every pair: mean precision@10 of the queries, mean top-20 overlap of the pairs."""
    config = config_for(data_dir, model, device="cpu", runtime="torch", precision="fp32")
    library = PhotoLibrary(config)
    try:
        library.index([gallery.directory])
        searcher = library.searcher
        texts = [(query_text(a), query_text(b)) for a, b in gallery.pairs]
        overlap = np.mean([result.overlap for result in probe_pairs(searcher, texts, k=20)])
        precisions = []
        for query in (query for pair in gallery.pairs for query in pair):
            hits = searcher.text(query_text(query), limit=10)
            things = [gallery.scenes[Path(hit.photo.path).name] for hit in hits]
            precisions.append(sum(describes(query, t) for t in things) / 10)
        return float(np.mean(precisions)), float(overlap)
    finally:
        library.close()
