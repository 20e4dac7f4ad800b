"""BERT's word-piece tokenizer over a model's `vocab.txt`, as Hugging Face's `BertTokenizerFast`
builds it, on the `tokenizers` package alone: Chinese-CLIP's text tower reads these ids, and a
search from the terminal tokenizes with this without importing torch or transformers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

CLS, SEP, PAD, UNK = "[CLS]", "[SEP]", "[PAD]", "[UNK]"


class WordPieceTokenizer:
    """Texts to an int64 row of `context_length` ids each: [CLS], the word pieces, [SEP], then
    [PAD]. Chinese characters are words of their own; a longer text is cut before its [SEP]."""

    def __init__(self, vocabulary: Path, context_length: int, lowercase: bool = True) -> None:
        from tokenizers import BertWordPieceTokenizer

        self.vocabulary = Path(vocabulary)
        self.context_length = context_length
        self.lowercase = lowercase
        self._tokenizer = BertWordPieceTokenizer(
            str(self.vocabulary),
            clean_text=True,
            handle_chinese_chars=True,
            strip_accents=None,  # BERT then strips them when it lower-cases, as Hugging Face
            lowercase=lowercase,
        )
        self.pad_id = self._tokenizer.token_to_id(PAD)
        if self.pad_id is None or self._tokenizer.token_to_id(UNK) is None:
            raise ValueError(
                f"{self.vocabulary} is not a BERT vocabulary: it has no {PAD} or {UNK}"
            )
        self._tokenizer.enable_truncation(max_length=context_length)
        self._tokenizer.enable_padding(length=context_length, pad_id=self.pad_id, pad_token=PAD)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            texts = [texts]
        encodings = self._tokenizer.encode_batch(list(texts))
        return np.array([encoding.ids for encoding in encodings], dtype=np.int64).reshape(
            len(texts), self.context_length
        )
