"""Cosine scores of every caption option against its image, with the search model's own
encoders and preprocessing: images and texts are each embedded once, in batches."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from PIL import Image

from ..imaging.decoder import reserve_for
from ..model.embedder import Embedder
from ..parallel import bounded_map
from ..progress import Progress
from .datasets import AuditDataError
from .tasks import AuditItem

TEXT_BATCH = 256


def _load_crop(item: AuditItem, embedder: Embedder) -> torch.Tensor:
    """As the reference code does: open as RGB, crop to the box (x, y, x+w, y+h); at full
    size, within the decode budget."""
    try:
        with Image.open(item.image) as image, reserve_for(image, str(item.image)):
            image = image.convert("RGB")
            if item.bbox is not None:
                x, y, w, h = item.bbox
                image = image.crop((x, y, x + w, y + h))
            return embedder.preprocess(image)
    except (OSError, ValueError, SyntaxError) as exc:
        raise AuditDataError(f"The benchmark image {item.image} cannot be read: {exc}.") from None


def score_items(
    items: list[AuditItem],
    embedder: Embedder,
    batch_size: int = 64,
    workers: int = 2,
    progress: Progress | None = None,
    label: str = "",
) -> np.ndarray:
    """Scores of shape (len(items), options): cosine of image (crop) and caption embeddings."""
    progress = progress or Progress()
    views = list(dict.fromkeys((item.image, item.bbox) for item in items))
    view_row = {view: row for row, view in enumerate(views)}
    captions = list(dict.fromkeys(option for item in items for option in item.options))
    caption_row = {caption: row for row, caption in enumerate(captions)}

    progress.start(len(views) + len(captions), label)
    image_vectors = []
    with ThreadPoolExecutor(workers) as pool:
        load = lambda view: _load_crop(AuditItem(view[0], (), view[1]), embedder)  # noqa: E731
        loader = bounded_map(pool, load, views)
        batch = []
        for pixels in loader:
            batch.append(pixels)
            if len(batch) == batch_size:
                image_vectors.append(embedder.embed_pixels(torch.stack(batch)))
                progress.advance(len(batch))
                batch = []
        if batch:
            image_vectors.append(embedder.embed_pixels(torch.stack(batch)))
            progress.advance(len(batch))
    text_vectors = []
    for start in range(0, len(captions), TEXT_BATCH):
        chunk = captions[start : start + TEXT_BATCH]
        text_vectors.append(embedder.embed_texts(chunk))
        progress.advance(len(chunk))
    progress.close()

    images = np.vstack(image_vectors) if image_vectors else np.zeros((0, 0), np.float32)
    texts = np.vstack(text_vectors) if text_vectors else np.zeros((0, 0), np.float32)
    width = max((len(item.options) for item in items), default=0)
    scores = np.full((len(items), width), -np.inf, dtype=np.float32)
    for row, item in enumerate(items):
        image = images[view_row[(item.image, item.bbox)]]
        option_rows = [caption_row[option] for option in item.options]
        scores[row, : len(option_rows)] = texts[option_rows] @ image
    return scores
