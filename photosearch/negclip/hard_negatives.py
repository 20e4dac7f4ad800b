"""Hard-negative captions: the same words, two of the same kind swapped, another meaning."""

from __future__ import annotations

from itertools import combinations

from ..audit.perturb import ADJECTIVE_TAGS, NOUN_TAGS, english

VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})
PHRASE_TAGS = NOUN_TAGS | ADJECTIVE_TAGS


def _phrases(tags: list[str]) -> list[tuple[int, int]]:
    """Spans [start, end) of adjective-noun runs ending in a noun: "red circle", "grass"."""
    spans, start = [], None
    for position, tag in enumerate([*tags, ""]):
        if tag in PHRASE_TAGS:
            start = position if start is None else start
            continue
        if start is not None and tags[position - 1] in NOUN_TAGS:
            spans.append((start, position))
        start = None
    return spans


def swap_negatives(caption: str, limit: int = 8) -> list[str]:
    """Captions made by swapping two nouns, two adjectives, two verbs or two noun phrases."""
    doc = english()(caption)
    tokens = [token.text for token in doc]
    tags = [token.tag_ for token in doc]
    original = " ".join(tokens)
    found: list[str] = []

    def keep(words: list[str]) -> None:
        text = " ".join(words)
        if text != original and text not in found:
            found.append(text)

    for spans in (_phrases(tags),):
        for (a0, a1), (b0, b1) in combinations(spans, 2):
            keep(tokens[:a0] + tokens[b0:b1] + tokens[a1:b0] + tokens[a0:a1] + tokens[b1:])
    for kind in (NOUN_TAGS, ADJECTIVE_TAGS, VERB_TAGS):
        positions = [i for i, tag in enumerate(tags) if tag in kind]
        for a, b in combinations(positions, 2):
            if tokens[a].lower() != tokens[b].lower():
                swapped = list(tokens)
                swapped[a], swapped[b] = swapped[b], swapped[a]
                keep(swapped)
    return found[:limit]
