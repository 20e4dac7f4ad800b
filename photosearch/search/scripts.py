"""Scripts written without spaces between words (Chinese, Japanese): a query's run of such
characters is one word unless a segmenter for its script splits it: one per script, plugged in
here without touching the parser. Chinese (han) is split by its words (chinese_words)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from .chinese_words import chinese_words

# Characters of the scripts written without spaces, by script.
SCRIPTS = {
    "kana": r"\u3040-\u30ff",
    "han": r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
    "hangul": r"\uac00-\ud7af",
}
UNSPACED = re.compile(f"[{''.join(SCRIPTS.values())}]")
_SCRIPT = {name: re.compile(f"[{chars}]") for name, chars in SCRIPTS.items()}

# Splits a run of characters written without spaces into its words, in order.
Segmenter = Callable[[str], Sequence[str]]
SEGMENTERS: Mapping[str, Segmenter] = {"han": chinese_words}  # by script name, as in SCRIPTS


def script_of(chunk: str) -> str | None:
    """The first script without spaces that `chunk` is written in, if any."""
    return next((name for name, chars in _SCRIPT.items() if chars.search(chunk)), None)


def segmented(chunk: str, segmenters: Mapping[str, Segmenter]) -> list[tuple[int, str]]:
    """The words of a chunk without spaces, each with its offset: the chunk whole unless a
    segmenter for its script splits it (into words that, joined, give the chunk back)."""
    script = script_of(chunk)
    segmenter = segmenters.get(script) if script else None
    words = [word for word in segmenter(chunk) if word] if segmenter else []
    if not words or "".join(words) != chunk:
        return [(0, chunk)]
    offsets, position = [], 0
    for word in words:
        offsets.append((position, word))
        position += len(word)
    return offsets
