"""A Hugging Face tokenizer without transformers or torch, for the query kit: its
tokenizer.json run by the `tokenizers` package, the text cleaned, cut and padded as open_clip's
HFTokenizer does (its default whitespace cleaning, `max_length` padding with the pad id)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..files import atomic_write
from .clip_tokenizer import clean

PROBE = ("a dog on the beach", "海滩上的狗 2017年夏天", "des chiens sur la plage &amp; la mer")


class JsonTokenizer:
    """Texts to an int64 row of `context_length` ids per text, padded with `pad_id`."""

    def __init__(self, path: Path, context_length: int, pad_id: int):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(context_length)
        self.context_length = context_length
        self.pad_id = pad_id

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        texts = [texts] if isinstance(texts, str) else texts
        rows = np.full((len(texts), self.context_length), self.pad_id, dtype=np.int64)
        cleaned = [clean(text, lower=False) for text in texts]
        for row, encoding in zip(rows, self.tokenizer.encode_batch(cleaned), strict=True):
            row[: len(encoding.ids)] = encoding.ids
        return rows


def save_light(tokenizer: object, path: Path) -> dict | None:
    """Save open_clip's HFTokenizer as a tokenizer.json at path when the light tokenizer then
    gives the same rows on a probe; its description for the kit, else None (a tokenizer mode,
    another cleaning, or one that writes the query's language first: NLLB's)."""
    module = sys.modules.get("open_clip.tokenizer")
    if module is None or type(tokenizer) is not getattr(module, "HFTokenizer", None):
        return None
    backend = getattr(tokenizer.tokenizer, "backend_tokenizer", None)
    if backend is None or tokenizer.tokenizer_mode or tokenizer.strip_sep_token:
        return None
    atomic_write(path, lambda temporary: backend.save(str(temporary)))
    light = JsonTokenizer(path, tokenizer.context_length, tokenizer.tokenizer.pad_token_id)
    if not np.array_equal(light(PROBE), tokenizer(list(PROBE)).numpy()):
        path.unlink()
        return None
    return {
        "kind": "hf-json",
        "file": path.name,
        "context_length": light.context_length,
        "pad": light.pad_id,
    }
