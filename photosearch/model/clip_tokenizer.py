"""CLIP's byte-level BPE tokenizer, giving the tokens open_clip's `SimpleTokenizer` gives for the
ViT-B-32 family, without importing open_clip (which imports torch and torchvision, seconds
that a search from the terminal must not spend). The vocabulary is the file open_clip ships,
found without importing it."""

from __future__ import annotations

import functools
import gzip
import html
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import regex

VOCABULARY_FILE = "bpe_simple_vocab_16e6.txt.gz"
# CLIP uses the file's first 48,894 merges: with the 512 byte symbols and the two markers
# they make its 49,408 tokens. The file lists many more.
MERGES = 49152 - 256 - 2
START, END = "<start_of_text>", "<end_of_text>"
WORD_END = "</w>"
# A word is a run of letters, one digit, a run of other non-space characters or an English
# contraction's ending; the markers are words of their own when written in a text.
WORD = rf"""{START}|{END}|'s|'t|'re|'ve|'m|'ll|'d|[\p{{L}}]+|[\p{{N}}]|[^\s\p{{L}}\p{{N}}]+"""


class ClipTokenizer:
    """Texts to CLIP's token ids, an int64 row of `context_length` per text: the start marker,
    the text's tokens, the end marker, zeros after. A longer text is cut to the context length
    and its last kept token becomes the end marker, as open_clip does."""

    def __init__(self, context_length: int = 77) -> None:
        self.context_length = context_length

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            texts = [texts]
        vocabulary = _vocabulary(shipped_vocabulary())
        start, end = vocabulary.ids[START], vocabulary.ids[END]
        rows = np.zeros((len(texts), self.context_length), dtype=np.int64)
        for row, text in zip(rows, texts, strict=True):
            ids = [start, *vocabulary.encode(clean(text)), end][: self.context_length]
            ids[-1] = end
            row[: len(ids)] = ids
        return rows

    def matches(self, tokenizer: object) -> bool:
        """Whether an open_clip tokenizer gives the same rows as this one: a `SimpleTokenizer`
        (not a subclass) of the same context length, cleaning in its default way, without a
        reduction, over the same vocabulary and merges."""
        module = sys.modules.get("open_clip.tokenizer")
        if module is None or type(tokenizer) is not getattr(module, "SimpleTokenizer", None):
            return False
        vocabulary = _vocabulary(shipped_vocabulary())
        return (
            tokenizer.context_length == self.context_length
            and tokenizer.clean_fn is getattr(module, "_clean_lower", None)
            and tokenizer.reduction_fn is None
            and tokenizer.encoder == vocabulary.ids
            and len(tokenizer.bpe_ranks) == len(vocabulary.ranks)
            and all(
                vocabulary.ranks.get(" ".join(pair)) == rank
                for pair, rank in tokenizer.bpe_ranks.items()
            )
        )


def shipped_vocabulary() -> Path:
    """The vocabulary file inside the installed open_clip package; `find_spec` finds a
    top-level package without importing it."""
    spec = importlib.util.find_spec("open_clip")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("open_clip is not installed: CLIP's vocabulary comes with it")
    return Path(next(iter(spec.submodule_search_locations))) / VOCABULARY_FILE


def clean(text: str, lower: bool = True) -> str:
    """open_clip's default ("lower") cleaning: ftfy's repairs, HTML entities unescaped twice,
    whitespace runs made one space, lower case (without `lower`: its "whitespace" cleaning).
    Printable ASCII without `&` is already what ftfy and unescaping would make of it, so it
    skips importing ftfy (about 50 ms)."""
    if not (text.isascii() and text.isprintable() and "&" not in text):
        import ftfy

        text = html.unescape(html.unescape(ftfy.fix_text(text)))
    text = " ".join(text.split())
    return text.lower() if lower else text


class _Vocabulary:
    """The tokens' ids and the merges' ranks, and BPE over them."""

    def __init__(self, path: Path) -> None:
        merges = _read_merges(path)
        self.ranks = dict(zip(merges, range(len(merges)), strict=True))  # "first second": rank
        symbols = list(_BYTE_SYMBOLS.values())
        tokens = [
            *symbols,
            *(symbol + WORD_END for symbol in symbols),
            *(merge.replace(" ", "") for merge in merges),
            START,
            END,
        ]
        self.ids = dict(zip(tokens, range(len(tokens)), strict=True))
        self.words = regex.compile(WORD, regex.IGNORECASE)
        self.word_ids = functools.lru_cache(maxsize=1 << 16)(self._word_ids)

    def encode(self, cleaned: str) -> list[int]:
        """The token ids of a cleaned text, word by word."""
        ids: list[int] = []
        for word in self.words.findall(cleaned):
            ids.extend(self.word_ids(word.encode("utf-8").decode("latin-1").translate(_BYTES)))
        return ids

    def _word_ids(self, word: str) -> tuple[int, ...]:
        """One word's ids: its symbols (the last marked as a word's end) merged, pair by pair,
        the adjacent pair of lowest rank first, until no adjacent pair is a merge."""
        if word in (START, END):
            return (self.ids[word],)
        symbols = [*word[:-1], word[-1] + WORD_END]
        while len(symbols) > 1:
            ranked = [
                (rank, pair)
                for pair in zip(symbols, symbols[1:], strict=False)
                if (rank := self.ranks.get(" ".join(pair))) is not None
            ]
            if not ranked:
                break
            symbols = _merged(symbols, min(ranked)[1])
        return tuple(self.ids[symbol] for symbol in symbols)


def _merged(symbols: list[str], pair: tuple[str, str]) -> list[str]:
    """Symbols with every occurrence of the adjacent pair made one symbol, left to right."""
    first, second = pair
    merged: list[str] = []
    index = 0
    while index < len(symbols):
        if symbols[index] == first and symbols[index + 1 : index + 2] == [second]:
            merged.append(first + second)
            index += 2
        else:
            merged.append(symbols[index])
            index += 1
    return merged


def _read_merges(path: Path) -> list[str]:
    """The first MERGES merges, "first second" a line after a header line; only the part of
    the file they take is decompressed (a quarter of it)."""
    data = b""
    with gzip.open(path) as file:
        while data.count(b"\n") <= MERGES and (chunk := file.read(1 << 16)):
            data += chunk
    merges = data.decode("utf-8").split("\n", MERGES + 1)[1 : MERGES + 1]
    if len(merges) < MERGES:
        raise ValueError(f"{path} has {len(merges)} merges, CLIP's vocabulary needs {MERGES}")
    return merges


def _byte_symbols() -> dict[int, str]:
    """The character standing for each byte in BPE, in vocabulary order: printable Latin-1
    bytes stand for themselves, the others (spaces, controls) for characters from 256 up, so
    that no symbol is whitespace."""
    printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    others = [byte for byte in range(256) if byte not in printable]
    return {
        **{byte: chr(byte) for byte in printable},
        **{byte: chr(256 + offset) for offset, byte in enumerate(others)},
    }


_BYTE_SYMBOLS = _byte_symbols()
# A text's UTF-8 bytes, read as Latin-1 (a character a byte), become their symbols by this.
_BYTES = str.maketrans({chr(byte): symbol for byte, symbol in _BYTE_SYMBOLS.items()})


@functools.cache
def _vocabulary(path: Path) -> _Vocabulary:
    return _Vocabulary(path)
