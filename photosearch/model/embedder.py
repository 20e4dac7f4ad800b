"""Images and texts to L2-normalised float32 vectors with one loaded model. How the model runs
(torch or ONNX Runtime, which precision, CPU or CUDA) is the engines' business."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import torch
from PIL import Image

from ..config import Config
from .loading import LoadedModel, load_model, parse_model, resolve_device
from .runtime.query_kit import ensure_query_kit
from .runtime.selection import Engines, eager_engines, select_engines

QUERY_CACHE_SIZE = 256


class Embedder:
    """The only code that runs the model; it counts its calls so tests can see skipped work."""

    is_loaded = True

    def __init__(self, loaded: LoadedModel, device: str, engines: Engines | None = None):
        self.loaded = loaded
        self.device = device
        self.identity = loaded.identity
        self.image_size = loaded.image_size
        self.engines = engines or eager_engines(loaded, device)
        self.images_embedded = 0
        self.texts_embedded = 0
        self._lock = threading.Lock()  # one image batch at a time: each one uses every core
        # Texts asked for while the model encodes others wait here, then go through it as one
        # batch: concurrent searches share model calls instead of queueing for one each.
        self._text_lock = threading.Lock()
        self._waiting: list[_Ticket] = []
        self._waiting_lock = threading.Lock()
        # Paging through results and repeated queries ask for the same text again.
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_lock = threading.Lock()

    @property
    def runtime(self) -> str:
        """Which runtime and precision run the model, e.g. `torch bf16`."""
        return self.engines.label

    @property
    def image_runtime(self) -> str:
        """What encodes images; a lossy int8 choice carries its measured cosine to fp32."""
        choice = self.engines.image.choice
        if choice.precision == "int8" and choice.cosine is not None:
            return f"{choice.label}, cosine {choice.cosine:.4f} to fp32"
        return choice.label

    def runtime_report(self) -> dict:
        """Per tower: runtime, precision and, when measured, speed and cosine to fp32."""
        return {
            "summary": self.runtime,
            "image": self.engines.image.choice.to_dict(),
            "text": self.engines.text.choice.to_dict(),
        }

    def preprocess(self, image: Image.Image) -> torch.Tensor:
        """Resize, crop and normalise one RGB image; safe to call from worker threads."""
        return self.loaded.preprocess(image)

    def embed_pixels(self, pixels: torch.Tensor) -> np.ndarray:
        """Encode a batch of preprocessed images (N, 3, H, W)."""
        if len(pixels) == 0:
            return np.zeros((0, self.identity.dim), dtype=np.float32)
        with self._lock:
            features = self.engines.image(pixels)
            self.images_embedded += len(pixels)
        return _normalised(features)

    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.identity.dim), dtype=np.float32)
        return self.embed_pixels(torch.stack([self.preprocess(image) for image in images]))

    def embed_texts(self, texts: list[str], language: str | None = None) -> np.ndarray:
        """Encode texts; those asked for recently come from a small cache, not the model. A
        model that reads the query's language (NLLB) takes `language`, or detects it."""
        if language and hasattr(self.loaded.tokenizer, "tagged"):
            return self.embed_texts([self.loaded.tokenizer.tagged(t, language) for t in texts])
        if not texts:
            return np.zeros((0, self.identity.dim), dtype=np.float32)
        with self._queries_lock:
            known = {text: self._queries[text] for text in texts if text in self._queries}
            for text in known:
                self._queries.move_to_end(text)
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            fresh = self._encoded_together(missing)
            known.update(fresh)
            with self._queries_lock:
                self._queries.update(fresh)
                while len(self._queries) > QUERY_CACHE_SIZE:
                    self._queries.popitem(last=False)
        return np.stack([known[text] for text in texts])

    def _encoded_together(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Vectors of texts, encoded with whatever other threads asked for meanwhile: the
        thread that gets the model takes every waiting text into one batch (8 short queries
        cost about 2.5 ms each together against 6 ms alone, on 2 cores), and the threads
        whose texts it took find them done."""
        ticket = _Ticket(texts)
        with self._waiting_lock:
            self._waiting.append(ticket)
        with self._text_lock:
            if ticket.vectors is None and ticket.error is None:
                with self._waiting_lock:
                    batch, self._waiting = self._waiting, []
                wanted = list(dict.fromkeys(text for waiting in batch for text in waiting.texts))
                try:
                    features = _normalised(self.engines.text(self.loaded.tokenizer(wanted)))
                except Exception as exc:  # noqa: BLE001 - each waiting thread raises it
                    for waiting in batch:
                        waiting.error = exc
                else:
                    vectors = dict(zip(wanted, features, strict=True))
                    for waiting in batch:
                        waiting.vectors = {text: vectors[text] for text in waiting.texts}
                    with self._queries_lock:
                        self.texts_embedded += len(wanted)
        if ticket.error is not None:
            raise ticket.error
        return ticket.vectors


class _Ticket:
    """Texts one thread waits for, and their vectors (or the error) once encoded."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.vectors: dict[str, np.ndarray] | None = None
        self.error: Exception | None = None


def _normalised(features: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(features, axis=-1, keepdims=True)
    return (features / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def load_embedder(model: str, config: Config) -> Embedder:
    """The embedder for a model name, on the configured device, with the runtimes chosen for
    this machine: what the library loads, and each Ray worker loads for itself."""
    spec = parse_model(model, config)
    device = resolve_device(config.device)
    loaded = load_model(spec, config, device)
    engines = select_engines(loaded, config, device)
    ensure_query_kit(loaded, engines.text, config, device)
    return Embedder(loaded, device, engines)
