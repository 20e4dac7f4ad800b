"""The language a query is written in, among those with word tables (search/languages), when a
detector is confident enough: lingua's low-accuracy models, some 15 MB, loaded on first use.

A query is a few words, which no detector reads well, so a guess below MIN_CONFIDENCE is no
answer. Measured on 44 short queries in the seven languages (docs/search.md, "Other
languages"): the high-accuracy models are right more often but hold some 200 MB."""

from __future__ import annotations

import threading

from .languages import LANGUAGES

MIN_CONFIDENCE = 0.4  # "the war" reads as German at 0.33, "chiens sur la plage" French at 0.49

_lock = threading.Lock()
_detector = None


def language_of(text: str) -> str | None:
    """The ISO 639-1 code ("fr") of the language `text` is written in, or None when unsure."""
    values = _loaded().compute_language_confidence_values(text)
    if not values or values[0].value < MIN_CONFIDENCE:
        return None
    return values[0].language.iso_code_639_1.name.lower()


def _loaded():
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

                languages = [
                    Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
                    for code in LANGUAGES
                ]
                builder = LanguageDetectorBuilder.from_languages(*languages)
                _detector = builder.with_low_accuracy_mode().build()
    return _detector
