"""Writes the query kit (query_encoder.py reads it): whenever the whole model is loaded on the
CPU, the ONNX file of its text tower that this machine runs (or, when torch runs the text
tower, the fp32 one its measurement exported) is optimised once by ONNX Runtime and saved
with its weights in a file of their own, so that a search can load it in a fraction of the
time. A model whose tokenizer the light ones (CLIP's BPE, BERT's word pieces) do not reproduce
gets no kit."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from ...config import Config
from ...files import atomic_write
from .memory import machine_fingerprint
from .onnx_export import fresh_file
from .query_encoder import KIT_FORMAT, VOCABULARY, kit_dir, kit_file, source_stamp
from .towers import TextTower

log = logging.getLogger(__name__)


def ensure_query_kit(loaded, text_engine, config: Config, device: str) -> None:
    """Write the kit of a loaded model when it is missing or stale; never fails the caller
    (the kit only makes searches faster)."""
    if device != "cpu" or config.runtime == "torch":
        return
    try:
        _ensure(loaded, text_engine, config)
    except Exception as exc:  # noqa: BLE001 - a search without a kit still works, slower
        log.info("No query kit for %s: %s", loaded.identity.key, exc)


def _ensure(loaded, text_engine, config: Config) -> None:
    key = loaded.identity.key
    precision = text_engine.choice.precision if text_engine.choice.runtime == "onnx" else "fp32"
    tower = TextTower(loaded.model)
    source = fresh_file(tower, "text", precision, key, config.models_dir / "onnx")
    if source is None:
        return  # the text tower was never exported here: nothing to optimise
    path = kit_file(config, key)
    stamp = source_stamp(source)
    if _current(path, key, source.relative_to(config.models_dir), stamp):
        return
    graph = f"text-{precision}-{machine_fingerprint()}.onnx"
    kit_dir(config, key).mkdir(parents=True, exist_ok=True)
    tokenizer = _light_tokenizer(loaded.tokenizer, kit_dir(config, key))
    if tokenizer is None:
        return  # SigLIP's and NLLB's tokenizers: those models' searches load them whole
    _optimise(source, kit_dir(config, key), graph)
    kit = {
        "format": KIT_FORMAT,
        "model": key,
        "source": str(source.relative_to(config.models_dir)),
        "source_stamp": stamp,
        "graph": graph,
        "tokenizer": tokenizer,
        "end": _end(tower),
        "dim": loaded.identity.dim,
    }
    atomic_write(path, lambda temporary: Path(temporary).write_text(json.dumps(kit, indent=1)))
    log.info("Wrote the query kit of %s for fast searches: %s", key, path)


def _light_tokenizer(tokenizer, directory: Path) -> dict | None:
    """How the kit tokenizes without torch: CLIP's own tokenizer, BERT's word pieces over a
    copy of the vocabulary (Chinese-CLIP), or a Hugging Face one's tokenizer.json saved in the
    kit; None when neither gives the model's rows."""
    from ..clip_tokenizer import ClipTokenizer
    from ..json_tokenizer import save_light
    from ..wordpiece_tokenizer import WordPieceTokenizer

    light = getattr(tokenizer, "light", None)
    if isinstance(light, WordPieceTokenizer):  # the kit keeps its own copy of the vocabulary
        copy = directory / VOCABULARY
        atomic_write(copy, lambda temporary: shutil.copyfile(light.vocabulary, temporary))
        return {"kind": "wordpiece", "context_length": light.context_length,
                "lowercase": light.lowercase}  # fmt: skip
    clip = ClipTokenizer(getattr(tokenizer, "context_length", 0))
    if clip.matches(tokenizer):
        return {"kind": "clip-bpe", "context_length": clip.context_length}
    return save_light(tokenizer, directory / "tokenizer.json")


def _current(path: Path, key: str, source: Path, stamp: dict | None) -> bool:
    try:
        kit = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    word_pieces = kit.get("tokenizer", {}).get("kind") == "wordpiece"
    return (
        kit.get("format") == KIT_FORMAT
        and kit.get("model") == key
        and kit.get("source") == str(source)
        and kit.get("source_stamp") == stamp
        and (path.parent / kit.get("graph", "-")).is_file()
        and (not word_pieces or (path.parent / VOCABULARY).is_file())
    )


def _optimise(source: Path, directory: Path, graph: str) -> None:
    """ONNX Runtime's optimised graph of `source`, its weights in `graph`.weights beside it
    (read by mapping the file, not by parsing it), both moved into place when whole."""
    import onnxruntime as ort

    directory.mkdir(parents=True, exist_ok=True)
    weights = graph.removesuffix(".onnx") + ".weights"
    scratch = Path(tempfile.mkdtemp(dir=directory, prefix=".writing-"))
    try:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.optimized_model_filepath = str(scratch / graph)
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_file_name", weights
        )
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
        )
        options.log_severity_level = 3  # its warning that the graph suits this machine alone
        ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        os.replace(scratch / weights, directory / weights)
        os.replace(scratch / graph, directory / graph)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _end(tower: TextTower) -> dict | None:
    """Where a caption ends, for trimming its tokens as TextTower.trim does."""
    if tower.pad_id is not None:  # a Hugging Face tower: its last column of any caption
        return {"kind": "pad", "token": tower.pad_id}
    if not tower.causal:
        return None
    model = tower.model
    if model.text_pool_type == "eos":
        return {"kind": "eos", "token": int(model.text_eos_id)}
    return {"kind": "argmax"}
