"""How the model runs: eager torch or ONNX Runtime, at fp32, bf16, fp16 or int8, chosen per
tower and per machine by measurement (selection.py); the Embedder only ever sees an engine.
This module stays light (no torch) so that `status` can report the choice."""

from .memory import machine_fingerprint, runtime_status

__all__ = ["machine_fingerprint", "runtime_status"]
