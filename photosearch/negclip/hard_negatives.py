"""Hard-negative captions: the same words, two of the same kind swapped, another meaning; and
a relation word traded for its opposite ("above" for "below"), the same scene read backwards."""

from __future__ import annotations

from itertools import combinations

from ..audit.perturb import ADJECTIVE_TAGS, NOUN_TAGS, english

VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})
PHRASE_TAGS = NOUN_TAGS | ADJECTIVE_TAGS
OPPOSITES = {"above": "below", "over": "under", "left": "right", "top": "bottom",
             "front": "back", "inside": "outside"}  # fmt: skip
OPPOSITES |= {b: a for a, b in OPPOSITES.items()}
# "to the left of", "on top of": these nouns name where, not what, so they are never swapped.
RELATION_NOUNS = frozenset({"left", "right", "top", "bottom", "front", "back", "side", "middle"})


def _relation_nouns(tokens: list[str]) -> set[int]:
    return {
        i
        for i, token in enumerate(tokens[:-1])
        if token.lower() in RELATION_NOUNS and tokens[i + 1].lower() == "of"
    }


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
    """Captions made by swapping two noun phrases, two nouns, two adjectives or two verbs, or
    by one relation word's opposite; the ones that change who is where come first."""
    doc = english()(caption)
    tokens = [token.text for token in doc]
    relational = _relation_nouns(tokens)
    tags = ["IN" if i in relational else token.tag_ for i, token in enumerate(doc)]
    original = " ".join(tokens)
    found: list[str] = []

    def keep(words: list[str]) -> None:
        text = " ".join(words)
        if text != original and text not in found:
            found.append(text)

    for (a0, a1), (b0, b1) in combinations(_phrases(tags), 2):
        if all(tag in ("CC", "DT", ",") for tag in tags[a1:b0]):
            continue  # "the cat and the dog" means "the dog and the cat": no negative
        keep(tokens[:a0] + tokens[b0:b1] + tokens[a1:b0] + tokens[a0:a1] + tokens[b1:])
    for i, token in enumerate(tokens):
        if token.lower() in OPPOSITES and (tags[i] not in NOUN_TAGS or i in relational):
            keep(tokens[:i] + [OPPOSITES[token.lower()]] + tokens[i + 1 :])
    for kind in (NOUN_TAGS, ADJECTIVE_TAGS, VERB_TAGS):
        positions = [i for i, tag in enumerate(tags) if tag in kind]
        for a, b in combinations(positions, 2):
            if tokens[a].lower() != tokens[b].lower():
                swapped = list(tokens)
                swapped[a], swapped[b] = swapped[b], swapped[a]
                keep(swapped)
    return found[:limit]
