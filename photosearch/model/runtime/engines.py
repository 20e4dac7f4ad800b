"""Engines: one tower of the model on one runtime at one precision, turning a batch of pixels
or tokens into float32 features. Eager torch (fp32, bf16 weights, fp16/bf16 autocast on CUDA)
and ONNX Runtime (fp32, int8 weights) share this shape, so the Embedder never branches."""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .towers import TextTower


@dataclass(frozen=True)
class Choice:
    """A runtime and precision for one tower, with how it measured against eager fp32."""

    runtime: str
    precision: str
    per_second: float | None = None  # items per second on the probe, if measured
    cosine: float | None = None  # lowest cosine to eager fp32 on the probe, if measured

    @property
    def label(self) -> str:
        return f"{self.runtime} {self.precision}"

    def to_dict(self) -> dict:
        return {
            "runtime": self.runtime,
            "precision": self.precision,
            "per_second": None if self.per_second is None else round(self.per_second, 2),
            "cosine": None if self.cosine is None else round(self.cosine, 6),
        }


class TorchEngine:
    """A tower in eager torch. On the CPU, bf16 runs a bfloat16 copy of the weights (autocast
    there converts per operation and gains nothing); on CUDA, fp16/bf16 use autocast."""

    def __init__(self, tower: nn.Module, device: str, precision: str, choice: Choice):
        self.device = device
        self.precision = precision
        self.choice = choice
        self.trim = tower.trim if isinstance(tower, TextTower) else None
        if device == "cpu" and precision == "bf16":
            tower = copy.deepcopy(tower).to(torch.bfloat16)
        if device == "cuda" and not isinstance(tower, TextTower):
            tower = tower.to(memory_format=torch.channels_last)  # NHWC convolutions are faster
        self.tower = tower.eval()

    def __call__(self, inputs: torch.Tensor) -> np.ndarray:
        if self.trim is not None:
            inputs = self.trim(inputs)
        with torch.inference_mode(), self._autocast():
            if self.device == "cuda":
                inputs = _to_cuda(inputs)
            elif inputs.is_floating_point() and self.precision == "bf16":
                inputs = inputs.to(torch.bfloat16)
            return _float32(self.tower(inputs))

    def _autocast(self):
        if self.device == "cuda" and self.precision in ("fp16", "bf16"):
            dtype = torch.float16 if self.precision == "fp16" else torch.bfloat16
            return torch.autocast("cuda", dtype=dtype)
        return contextlib.nullcontext()


class OnnxEngine:
    """A tower exported to ONNX and run by ONNX Runtime on the CPU."""

    def __init__(self, session, input_name: str, choice: Choice, trim=None):
        self.session = session
        self.input_name = input_name
        self.choice = choice
        self.precision = choice.precision
        self.trim = trim

    def __call__(self, inputs: torch.Tensor) -> np.ndarray:
        if self.trim is not None:
            inputs = self.trim(inputs)
        array = inputs.detach().cpu().numpy()
        array = array.astype(np.int64 if self.input_name == "tokens" else np.float32, copy=False)
        return _float32(self.session.run(None, {self.input_name: array})[0])


def _to_cuda(inputs: torch.Tensor) -> torch.Tensor:
    if not inputs.is_floating_point():
        return inputs.to("cuda")
    if inputs.device.type == "cuda":
        return inputs.contiguous(memory_format=torch.channels_last)
    return inputs.pin_memory().to("cuda", non_blocking=True, memory_format=torch.channels_last)


def _float32(features) -> np.ndarray:
    if isinstance(features, torch.Tensor):
        features = features.float().cpu().numpy()
    return np.ascontiguousarray(features, dtype=np.float32)
