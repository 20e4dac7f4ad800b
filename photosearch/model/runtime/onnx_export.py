"""ONNX files of a model's towers, exported once per model identity into the data dir and
reused: written atomically, checked against the weights they came from, rebuilt when stale or
broken. int8 files are the fp32 export with dynamically quantised weights."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import re
import warnings
from pathlib import Path

import torch
from torch import nn

from ...files import atomic_write
from .towers import TextTower

log = logging.getLogger(__name__)
FORMAT = 1  # bump when what is exported changes: older files then count as stale
INT8_FORMAT = 2  # bump when the quantisation changes: older int8 files then count as stale


class ExportFailed(Exception):
    """The tower could not be exported or loaded by ONNX Runtime; the message says why."""


def onnx_session(
    tower: nn.Module, kind: str, precision: str, model_key: str, cache_dir: Path, threads: int
):
    """An ONNX Runtime session for `tower` ("image" or "text") at fp32 or int8, from the cache
    when a fresh file is there, else exported now. A file that fails to load is rebuilt once."""
    path = _file(cache_dir, model_key, kind, precision)
    for rebuild in (False, True):
        _ensure(tower, kind, precision, path.parent, _expected_stamp(tower, model_key), rebuild)
        try:
            return _session(path, threads)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types
            if rebuild:
                raise ExportFailed(f"ONNX Runtime cannot load {path}: {exc}") from None
            log.warning("The ONNX file %s is broken (%s); exporting it again", path, exc)
    raise AssertionError("unreachable")


def fresh_file(
    tower: nn.Module, kind: str, precision: str, model_key: str, cache_dir: Path
) -> Path | None:
    """The exported file of `tower` when it is there and was made from these weights by this
    FORMAT (nothing is exported); None otherwise."""
    path = _file(cache_dir, model_key, kind, precision)
    expected = _expected_stamp(tower, model_key, precision)
    return path if path.is_file() and _stamp(path) == expected else None


def _file(cache_dir: Path, model_key: str, kind: str, precision: str) -> Path:
    return cache_dir / _safe(model_key) / f"{kind}-{precision}-v{FORMAT}.onnx"


def _expected_stamp(tower: nn.Module, model_key: str, precision: str = "fp32") -> dict:
    """What a file exported from these weights by this FORMAT is stamped with."""
    stamp = {"model": model_key, "weights": weights_digest(tower), "format": FORMAT}
    return _quantised(stamp) if precision == "int8" else stamp


def _quantised(stamp: dict) -> dict:
    return {**stamp, "int8": INT8_FORMAT}


def _ensure(tower, kind: str, precision: str, directory: Path, stamp: dict, rebuild: bool):
    """Make the file fresh: exported from these weights, by this FORMAT, loadable."""
    if precision not in ("fp32", "int8"):
        raise ExportFailed(f"precision {precision} is not exported to ONNX")
    directory.mkdir(parents=True, exist_ok=True)
    fp32 = directory / f"{kind}-fp32-v{FORMAT}.onnx"
    if rebuild or _stamp(fp32) != stamp:
        _write(fp32, stamp, lambda temporary: _export(tower, kind, temporary))
    if precision == "int8":
        int8 = directory / f"{kind}-int8-v{FORMAT}.onnx"
        if rebuild or _stamp(int8) != _quantised(stamp):
            _write(int8, _quantised(stamp), lambda temporary: _quantise(fp32, temporary))


def weights_digest(tower: nn.Module) -> str:
    """A cheap fingerprint of the weights: a strided sample of every parameter."""
    digest = hashlib.sha256()
    for name, tensor in tower.state_dict().items():
        flat = tensor.detach().flatten()
        sample = flat[:: max(1, flat.numel() // 64)].float().cpu().numpy()
        digest.update(name.encode())
        digest.update(str(tuple(tensor.shape)).encode())
        digest.update(sample.tobytes())
    return digest.hexdigest()[:32]


def _session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Idle ONNX threads must not spin: decoding threads share these cores while indexing.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _write(path: Path, stamp: dict, produce) -> None:
    """Produce into a temporary file beside `path`, then rename it and its stamp into place."""
    log.warning("Exporting %s to ONNX (once per model and machine)", path.name)
    try:
        atomic_write(path, produce)
    except ExportFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - exporters raise many types
        raise ExportFailed(f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}") from None
    atomic_write(_stamp_path(path), lambda temporary: Path(temporary).write_text(json.dumps(stamp)))


def _export(tower: nn.Module, kind: str, target: str) -> None:
    batch = torch.export.Dim("batch", min=1, max=4096)
    if kind == "image":
        size = _image_size(tower)
        example = torch.zeros(2, 3, size, size)  # a batch of 2: 1 would be specialised away
        name, shapes = "pixels", {0: batch}
    else:
        assert isinstance(tower, TextTower)
        example = _example_tokens(tower)
        name = "tokens"
        shapes = {0: batch}
        if tower.truncatable:  # trimmed queries vary in length
            shapes[1] = torch.export.Dim("length", min=2, max=example.shape[1])
            example = example[:, :8]
    with _quiet(), torch.inference_mode(False), torch.no_grad():
        torch.onnx.export(
            tower.eval(),
            (example,),
            target,
            input_names=[name],
            output_names=["features"],
            dynamic_shapes={name: shapes},
            dynamo=True,
            external_data=False,
            optimize=True,
            verbose=False,
        )


def _example_tokens(tower: TextTower) -> torch.Tensor:
    if hasattr(tower.model, "example_tokens"):  # a family's model knows its own
        return tower.model.example_tokens()
    if tower.pad_id is not None:  # a Hugging Face tower: a caption, then padding
        longest = min(512, tower.model.text.config.max_position_embeddings - 2)
        tokens = torch.full((2, longest), tower.pad_id, dtype=torch.long)
        tokens[:, :4] = torch.arange(4) + tower.pad_id + 1
        return tokens
    text = getattr(tower.model, "text", tower.model)  # CustomTextCLIP keeps its tower in .text
    context = text.positional_embedding.shape[0]
    tokens = torch.zeros(2, context, dtype=torch.long)
    tokens[:, 0] = 1
    tokens[:, 5] = tokens.new_tensor(text.token_embedding.num_embeddings - 1)  # an end
    return tokens


def _image_size(tower) -> int:
    size = tower.visual.image_size
    return int(size[0] if isinstance(size, tuple | list) else size)


def _quantise(source: Path, target: str) -> None:
    """int8 weights, one scale per output channel, in 7 bits: without VNNI (AVX2 processors)
    ONNX Runtime multiplies int8 pairs with an instruction that saturates at 16 bits, and on
    XLM-R's text tower full 8-bit weights lost that much (cosine 0.985 to fp32 against
    0.9993). Activations are quantised per call, as they come."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet():
        quantize_dynamic(
            str(source), target, weight_type=QuantType.QInt8, per_channel=True, reduce_range=True
        )


@contextlib.contextmanager
def _quiet():
    """The exporters' and the quantiser's chatter (hundreds of lines) is not for users."""
    loggers = [logging.getLogger(name) for name in ("", "onnx_ir", "onnxscript", "torch.onnx")]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)


def _stamp_path(path: Path) -> Path:
    return path.with_suffix(".json")


def _stamp(path: Path) -> dict | None:
    try:
        if not path.is_file():
            return None
        return json.loads(_stamp_path(path).read_text())
    except (OSError, ValueError):
        return None


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key)
