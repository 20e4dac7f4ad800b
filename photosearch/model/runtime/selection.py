"""Which runtime and precision each tower runs at: what the settings allow, narrowed by
measurement on this machine. `auto` takes the fastest choice whose embeddings keep a cosine of
at least COSINE_FLOOR to eager fp32 torch on a fixed probe batch; the verdict is remembered in
the data dir per machine and model, so the measurement runs once."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from ...config import Config
from ...errors import ConfigError
from .engines import Choice, OnnxEngine, TorchEngine
from .memory import recall, remember
from .onnx_export import ExportFailed, onnx_session
from .towers import ImageTower, TextTower

log = logging.getLogger(__name__)
COSINE_FLOOR = 0.999
CPU_CHOICES = (("torch", "fp32"), ("torch", "bf16"), ("onnx", "fp32"), ("onnx", "int8"))
ROUNDS = 3
PROBE_CAPTIONS = (
    "a dog running on the beach",
    "two children building a snowman in the garden",
    "a red car parked at night under a street lamp",
    "birthday cake",
    "a cat sleeping on a sofa next to a window with the curtains open",
    "mountains",
    "a bowl of soup and a spoon on a wooden table",
    "the grass is eating the horse",
)


@dataclass
class Engines:
    image: TorchEngine | OnnxEngine
    text: TorchEngine | OnnxEngine

    @property
    def label(self) -> str:
        """`torch bf16`, or `image onnx fp32, text torch bf16` when the towers differ."""
        image, text = self.image.choice.label, self.text.choice.label
        return image if image == text else f"image {image}, text {text}"


def eager_engines(loaded, device: str) -> Engines:
    """Eager torch at full precision on the CPU, fp16 autocast on CUDA: no measuring."""
    precision = "fp16" if device == "cuda" else "fp32"
    choice = Choice("torch", precision)
    return Engines(
        TorchEngine(ImageTower(loaded.model), device, precision, choice),
        TorchEngine(TextTower(loaded.model), device, precision, choice),
    )


def allowed(
    runtime: str, precision: str, device: str, kind: str = "image"
) -> list[tuple[str, str]]:
    """The (runtime, precision) pairs the settings admit on this device for the `kind` tower,
    in trial order. `auto` tries int8 on the text tower only: a query's vector lives for one
    search, while the image vectors stay in the index, so those keep the lossless choices."""
    if device == "cuda":
        if runtime == "onnx" or precision == "int8":
            raise ConfigError(
                "The ONNX runtime and int8 run on the CPU; on CUDA photosearch runs torch "
                "(fp16 by default, or --precision fp32/bf16). Use --device cpu for ONNX."
            )
        return [("torch", "fp16" if precision == "auto" else precision)]
    if precision == "fp16":
        raise ConfigError("fp16 is for CUDA; on the CPU use --precision bf16, fp32 or int8.")
    pairs = [
        (r, p)
        for r, p in CPU_CHOICES
        if runtime in ("auto", r)
        and (precision == p or (precision == "auto" and (p != "int8" or kind == "text")))
    ]
    if not pairs:
        raise ConfigError(
            f"The {runtime} runtime has no {precision} precision here: torch runs fp32 and "
            "bf16, onnx runs fp32 and int8."
        )
    if not _has_onnxruntime():
        if all(r == "onnx" for r, _ in pairs):
            raise ConfigError(
                "The onnx runtime needs the onnxruntime package: pip install onnxruntime onnx "
                "onnxscript (they come with photosearch; was the install partial?)."
            )
        pairs = [(r, p) for r, p in pairs if r != "onnx"]
    return pairs


def select_engines(loaded, config: Config, device: str) -> Engines:
    """Engines for both towers as the settings and this machine's measurements say."""

    def tower(kind: str, module):
        pairs = allowed(config.runtime, config.precision, device, kind)
        return _select(module, kind, pairs, loaded, config, device)

    return Engines(tower("image", ImageTower(loaded.model)), tower("text", TextTower(loaded.model)))


def _select(tower, kind: str, pairs, loaded, config: Config, device: str):
    if len(pairs) == 1 and pairs[0][1] != "int8":
        return _engine(tower, kind, Choice(*pairs[0]), loaded, config, device)
    tried = [f"{runtime} {precision}" for runtime, precision in pairs]
    entry = recall(config, loaded.identity.key, kind)
    # A verdict stands while the same choices are on offer: one measured before int8 was
    # tried for queries must not keep the text tower off it.
    if entry and entry.get("tried") == tried:
        choice = Choice(entry["runtime"], entry["precision"], entry["per_second"], entry["cosine"])
        try:
            return _engine(tower, kind, choice, loaded, config, device)
        except ExportFailed as exc:
            log.warning("The remembered %s runtime failed (%s); measuring again", kind, exc)
    engine = _measure(tower, kind, pairs, loaded, config, device)
    remember(config, loaded.identity.key, kind, {**engine.choice.to_dict(), "tried": tried})
    return engine


def _measure(tower, kind: str, pairs, loaded, config: Config, device: str):
    """Time every admitted pair on the probe; the fastest close enough to eager fp32 wins."""
    log.warning(
        "Measuring which runtime encodes %ss fastest on this machine (once per model)", kind
    )
    probe = _probe(kind, loaded)
    reference = TorchEngine(tower, device, "fp32", Choice("torch", "fp32"))(probe)
    engines = []
    for runtime, precision in pairs:
        try:
            engines.append(_engine(tower, kind, Choice(runtime, precision), loaded, config, device))
        except ExportFailed as exc:
            log.warning("%s %s cannot run the %s tower: %s", runtime, precision, kind, exc)
    if not engines:
        raise ConfigError(f"No runtime could run the {kind} tower; see the warnings above.")
    for engine, (per_second, output) in zip(engines, _speeds(engines, probe, kind), strict=True):
        cosine = _lowest_cosine(output, reference)
        engine.choice = Choice(engine.choice.runtime, engine.choice.precision, per_second, cosine)
        log.info("%s tower: %s", kind, engine.choice.to_dict())
    good = [e for e in engines if e.choice.cosine >= COSINE_FLOOR]
    if not good:  # only an explicitly asked-for lossy precision was admitted: honour it
        good = engines
        log.warning(
            "%s keeps a cosine of only %.4f to fp32 on the probe (floor %s)",
            engines[0].choice.label,
            engines[0].choice.cosine,
            COSINE_FLOOR,
        )
    return max(good, key=lambda e: e.choice.per_second)


def _engine(tower, kind: str, choice: Choice, loaded, config: Config, device: str):
    if choice.runtime == "torch":
        return TorchEngine(tower, device, choice.precision, choice)
    session = onnx_session(
        tower,
        kind,
        choice.precision,
        loaded.identity.key,
        config.models_dir / "onnx",
        torch.get_num_threads(),
    )
    trim = tower.trim if isinstance(tower, TextTower) else None
    return OnnxEngine(session, "pixels" if kind == "image" else "tokens", choice, trim)


def _probe(kind: str, loaded) -> torch.Tensor:
    """Fixed inputs: eight smooth random images, or the tokens of eight captions."""
    if kind == "text":
        return loaded.tokenizer(list(PROBE_CAPTIONS))
    rng = np.random.default_rng(0)
    images = []
    for _ in range(8):
        coarse = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
        images.append(Image.fromarray(coarse).resize((320, 240), Image.BICUBIC))
    return torch.stack([loaded.preprocess(image) for image in images])


def _speeds(engines, probe: torch.Tensor, kind: str) -> list[tuple[float, np.ndarray]]:
    """Items per second of each engine, and its output: image batches as the indexer sends
    them, texts one at a time as queries arrive. After a warm-up, the engines take turns for
    ROUNDS rounds and each keeps its best, so a busy moment of the machine hurts all alike."""

    def run(engine) -> np.ndarray:
        if kind == "image":
            return engine(probe)
        return np.concatenate([engine(probe[i : i + 1]) for i in range(len(probe))])

    outputs = [run(engine) for engine in engines]
    best = [float("inf")] * len(engines)
    for _ in range(ROUNDS):
        for number, engine in enumerate(engines):
            started = time.perf_counter()
            run(engine)
            best[number] = min(best[number], time.perf_counter() - started)
    return [(len(probe) / seconds, output) for seconds, output in zip(best, outputs, strict=True)]


def _lowest_cosine(output: np.ndarray, reference: np.ndarray) -> float:
    a = output / np.linalg.norm(output, axis=1, keepdims=True)
    b = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    return float((a * b).sum(axis=1).min())


def _has_onnxruntime() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True
