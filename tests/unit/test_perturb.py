"""Invariants of ARO's order perturbations."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from photosearch.audit.perturb import (
    ADJECTIVE_TAGS,
    NOUN_TAGS,
    _tagged,
    _tokens,
    order_options,
    pre_caption,
    shuffle_all_but_nouns_and_adjectives,
    shuffle_nouns_and_adjectives,
    shuffle_trigrams,
    shuffle_within_trigrams,
)

CAPTIONS = [
    "A large brown dog chases a small white cat across the green field",
    "the horse is eating the grass",
    "Two young men ride old bicycles down a steep hill near the sea",
    "a red circle is above the blue square",
]
PERTURBATIONS = [
    shuffle_nouns_and_adjectives,
    shuffle_all_but_nouns_and_adjectives,
    shuffle_within_trigrams,
    shuffle_trigrams,
]


@pytest.mark.parametrize("caption", CAPTIONS)
@pytest.mark.parametrize("perturb", PERTURBATIONS)
def test_same_multiset_of_words(caption, perturb):
    for seed in range(5):
        result = perturb(caption, random.Random(seed))
        assert Counter(result.split()) == Counter(_tokens(caption))


@pytest.mark.parametrize("caption", CAPTIONS)
def test_noun_adjective_shuffle_keeps_every_other_word_in_place(caption):
    tagged = _tagged(caption)
    content = NOUN_TAGS | ADJECTIVE_TAGS
    for seed in range(5):
        result = shuffle_nouns_and_adjectives(caption, random.Random(seed)).split()
        for position, (text, tag) in enumerate(tagged):
            if tag not in content:
                assert result[position] == text
            elif tag in NOUN_TAGS:
                assert _tag_of(tagged, result[position]) in NOUN_TAGS
            else:
                assert _tag_of(tagged, result[position]) in ADJECTIVE_TAGS


def _tag_of(tagged, text):
    return next(tag for word, tag in tagged if word == text)


@pytest.mark.parametrize("caption", CAPTIONS)
def test_all_but_shuffle_keeps_nouns_and_adjectives_in_place(caption):
    tagged = _tagged(caption)
    for seed in range(5):
        result = shuffle_all_but_nouns_and_adjectives(caption, random.Random(seed)).split()
        for position, (text, tag) in enumerate(tagged):
            if tag in NOUN_TAGS | ADJECTIVE_TAGS:
                assert result[position] == text


@pytest.mark.parametrize("caption", CAPTIONS)
def test_trigram_shuffles(caption):
    tokens = _tokens(caption)
    groups = [tokens[i : i + 3] for i in range(0, len(tokens), 3)]
    for seed in range(5):
        within = shuffle_within_trigrams(caption, random.Random(seed)).split()
        regrouped = [within[i : i + 3] for i in range(0, len(within), 3)]
        assert [Counter(g) for g in regrouped] == [Counter(g) for g in groups]
        across = shuffle_trigrams(caption, random.Random(seed)).split()
        pieces = sorted(" ".join(g) for g in groups)
        # the result is the same groups, each intact, in some order
        assert _split_into(across, [len(g) for g in groups], pieces)


def _split_into(words, sizes, pieces) -> bool:
    from itertools import permutations

    for order in permutations(range(len(sizes))):
        cut, out = 0, []
        for index in order:
            out.append(" ".join(words[cut : cut + sizes[index]]))
            cut += sizes[index]
        if sorted(out) == pieces:
            return True
    return False


def test_options_are_seeded_and_start_with_the_caption():
    first = order_options(CAPTIONS[0], random.Random(3))
    assert first == order_options(CAPTIONS[0], random.Random(3))
    assert first[0] == pre_caption(CAPTIONS[0]) and len(first) == 5
    assert {order_options(CAPTIONS[0], random.Random(s))[1] for s in range(10)} != {first[1]}


def test_pre_caption():
    assert pre_caption('A "Dog" (big); runs: fast!  #1 ~ok.') == "a dog big runs fast 1 ok"
    assert len(pre_caption(" ".join(["word"] * 40)).split()) == 30
