"""Text queries to vectors without torch or open_clip: the model's text tower as ONNX Runtime
optimised it for this machine, and CLIP's tokenizer. A search from the terminal loads this
(a few tenths of a second) instead of the whole model (seconds); what it finds is the same,
since it runs the very ONNX file that the model's text runtime was measured with.

The kit (`query_kit.py` writes it whenever the full model is loaded on the CPU) is a folder of
the data dir per model: the optimised graph, its weights beside it (memory-mapped, not parsed),
and a JSON file per machine and runtime setting saying how to tokenize and where the tokens
end. Anything missing, stale or unreadable means no kit: the caller loads the model instead."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from pathlib import Path

import numpy as np

from ...config import Config
from .memory import machine_fingerprint

log = logging.getLogger(__name__)
KIT_FORMAT = 1  # bump when the kit's files change meaning: older kits are then rebuilt
VOCABULARY = "vocab.txt"  # a word-piece tokenizer's vocabulary, copied into the kit


def kit_dir(config: Config, model_key: str) -> Path:
    return config.models_dir / "query" / re.sub(r"[^A-Za-z0-9._-]+", "_", model_key)


def kit_file(config: Config, model_key: str) -> Path:
    """The kit's description for this machine and these runtime settings."""
    name = f"{machine_fingerprint()}-{config.runtime}-{config.precision}.json"
    return kit_dir(config, model_key) / name


def source_stamp(source: Path) -> dict | None:
    """The stamp the ONNX export left beside its file (which weights, which format)."""
    try:
        return json.loads(source.with_suffix(".json").read_text())
    except (OSError, ValueError):
        return None


class QueryEncoder:
    """Encodes texts like the Embedder does (normalised float32), with the text tower alone."""

    def __init__(self, session, tokenizer, end: dict | None, model_key: str, dim: int):
        self.session = session
        self.tokenizer = tokenizer
        self.end = end  # where a caption's last token is; None: the tower takes every column
        self.model_key = model_key
        self.dim = dim
        self.texts_embedded = 0
        self._lock = threading.Lock()

    def embed_texts(self, texts: list[str], language: str | None = None) -> np.ndarray:
        """`language` is for models that read it; CLIP's tokenizer (the only kit's) does not."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        tokens = self._trimmed(self.tokenizer(texts))
        with self._lock:
            (features,) = self.session.run(None, {"tokens": tokens})
            self.texts_embedded += len(texts)
        features = np.asarray(features, dtype=np.float32)
        norms = np.linalg.norm(features, axis=-1, keepdims=True)
        return features / np.maximum(norms, 1e-12)

    def _trimmed(self, tokens: np.ndarray) -> np.ndarray:
        """Without the padding after the longest caption's end: the causal tower pools at the
        end token, so those columns cannot change the output (towers.TextTower.trim)."""
        if self.end is None:
            return tokens
        if self.end["kind"] == "pad":
            used = np.flatnonzero((tokens != self.end["token"]).any(axis=0))
            return np.ascontiguousarray(tokens[:, : max(2, int(used.max()) + 1)])
        if self.end["kind"] == "eos":
            ends = (tokens == self.end["token"]).argmax(axis=-1)
        else:
            ends = tokens.argmax(axis=-1)
        return np.ascontiguousarray(tokens[:, : int(ends.max()) + 1])


def load_query_encoder(config: Config, model_key: str) -> QueryEncoder | None:
    """The kit of this model for this machine and these settings, or None when there is none
    (or it is stale or broken: the model is loaded then, and writes it afresh)."""
    path = kit_file(config, model_key)
    try:
        kit = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.info("The query kit %s is unreadable (%s); loading the model", path, exc)
        return None
    try:
        if kit.get("format") != KIT_FORMAT or kit.get("model") != model_key:
            return None
        if source_stamp(config.models_dir / kit["source"]) != kit["source_stamp"]:
            return None  # the model was exported again since: its kit is rebuilt on next load
        graph = kit_dir(config, model_key) / kit["graph"]
        tokenizer = _tokenizer(kit["tokenizer"], kit_dir(config, model_key))
        session = _session(graph)
    except Exception as exc:  # noqa: BLE001 - onnxruntime and a hand-edited file raise anything
        log.info("The query kit %s cannot be used (%s); loading the model", path, exc)
        return None
    return QueryEncoder(session, tokenizer, kit["end"], model_key, int(kit["dim"]))


def _tokenizer(description: dict, directory: Path):
    from ..clip_tokenizer import ClipTokenizer

    if description.get("kind") == "hf-json":
        from ..json_tokenizer import JsonTokenizer

        file = directory / description["file"]
        return JsonTokenizer(file, int(description["context_length"]), int(description["pad"]))
    if description.get("kind") == "wordpiece":
        from ..wordpiece_tokenizer import WordPieceTokenizer

        context, lowercase = int(description["context_length"]), bool(description["lowercase"])
        return WordPieceTokenizer(directory / VOCABULARY, context, lowercase)
    if description.get("kind") != "clip-bpe":
        raise ValueError(f"unknown tokenizer {description.get('kind')!r}")
    return ClipTokenizer(int(description["context_length"]))


def _session(graph: Path):
    """The optimised graph as saved: optimising it again would cost most of the load."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = min(4, os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
