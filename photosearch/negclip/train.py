"""The training loop: plain contrastive (CLIP) or NegCLIP, with the loss as the ARO authors
describe it; AdamW, linear warm-up then cosine decay; checkpoints in open_clip's format that
`--model ARCH:/path` loads as they are, and that a stopped run resumes from."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..files import atomic_write
from ..imaging.decoder import reserve_for
from ..model.loading import LoadedModel, require_trainable
from .data import Pair
from .hard_negatives import swap_negatives

NEIGHBOURS = 3  # hard-negative images kept per image, as in NegCLIP


@dataclass
class TrainSettings:
    epochs: int = 5
    batch_size: int = 256
    learning_rate: float = 1e-6
    warmup_steps: int = 50
    weight_decay: float = 0.1
    hard_negatives: bool = True  # False: plain CLIP training
    seed: int = 0
    workers: int = 2


@dataclass
class TrainResult:
    steps: int
    losses: list[float] = field(default_factory=list)
    resumed_from: int = 0


class Trainer:
    def __init__(
        self, loaded: LoadedModel, pairs: list[Pair], settings: TrainSettings, device: str
    ):
        require_trainable(loaded.spec)
        self.loaded, self.pairs, self.settings, self.device = loaded, pairs, settings, device
        self.model = loaded.model
        self.images = sorted({pair.image for pair in pairs})
        self.image_index = {image: i for i, image in enumerate(self.images)}
        self.captions_of: list[list[int]] = [[] for _ in self.images]
        for number, pair in enumerate(pairs):
            self.captions_of[self.image_index[pair.image]].append(number)
        self.negatives: list[list[str]] = []
        self.neighbours = np.zeros((len(self.images), 0), dtype=np.int64)
        self._pool = ThreadPoolExecutor(settings.workers)

    # --- preparation --------------------------------------------------------------------------

    def prepare(self) -> None:
        """Word-swapped captions for every caption; nearest images for every image."""
        if not self.settings.hard_negatives:
            return
        self.negatives = [swap_negatives(pair.caption) for pair in self.pairs]
        self.neighbours = mine_neighbours(self.embed_images(range(len(self.images))))

    def pixels(self, image_numbers) -> torch.Tensor:
        def load(number: int) -> torch.Tensor:
            path = self.images[number]  # at full size, within the decode budget
            with Image.open(path) as image, reserve_for(image, str(path)):
                return self.loaded.preprocess(image.convert("RGB"))

        return torch.stack(list(self._pool.map(load, image_numbers)))

    @torch.no_grad()
    def embed_images(self, numbers, batch: int = 128) -> np.ndarray:
        self.model.eval()
        numbers = list(numbers)
        chunks = []
        for start in range(0, len(numbers), batch):
            features = self.model.encode_image(
                self.pixels(numbers[start : start + batch]).to(self.device)
            )
            chunks.append(F.normalize(features.float(), dim=-1).cpu().numpy())
        return np.vstack(chunks)

    # --- training -----------------------------------------------------------------------------

    def batch_loss(self, pair_numbers: list[int], rng: random.Random) -> torch.Tensor:
        images = [self.image_index[self.pairs[n].image] for n in pair_numbers]
        captions = [self.pairs[n].caption for n in pair_numbers]
        if not self.settings.hard_negatives:
            return self._contrastive(self.pixels(images), captions, captions_extra=[])
        # NegCLIP: B images and their B nearest-neighbour images (2B), against 4B texts: the
        # captions, the neighbours' captions, then the hard-negative captions of both.
        neighbour_images = [int(rng.choice(self.neighbours[i])) for i in images]
        neighbour_pairs = [rng.choice(self.captions_of[i]) for i in neighbour_images]
        neighbour_captions = [self.pairs[n].caption for n in neighbour_pairs]
        hard = [self._negative(n, rng) for n in pair_numbers]
        neighbour_hard = [self._negative(n, rng) for n in neighbour_pairs]
        return self._contrastive(
            self.pixels(images + neighbour_images),
            captions + neighbour_captions,
            captions_extra=hard + neighbour_hard,
        )

    def _negative(self, pair_number: int, rng: random.Random) -> str:
        options = self.negatives[pair_number]
        if options:
            return rng.choice(options)
        return self.pairs[rng.randrange(len(self.pairs))].caption  # a caption with nothing to swap

    def _contrastive(self, pixels, captions: list[str], captions_extra: list[str]) -> torch.Tensor:
        """Image i matches text i; extra texts only ever stand as wrong answers for images."""
        tokens = self.loaded.tokenizer(captions + captions_extra).to(self.device)
        image_features = F.normalize(self.model.encode_image(pixels.to(self.device)), dim=-1)
        text_features = F.normalize(self.model.encode_text(tokens), dim=-1)
        scale = self.model.logit_scale.exp()
        labels = torch.arange(len(captions), device=self.device)
        per_image = scale * image_features @ text_features.T
        per_text = scale * text_features[: len(captions)] @ image_features.T
        return (F.cross_entropy(per_image, labels) + F.cross_entropy(per_text, labels)) / 2

    def train(
        self,
        out: Path,
        resume: bool = True,
        on_step: Callable[[int, int, float], None] | None = None,
    ) -> TrainResult:
        settings = self.settings
        torch.manual_seed(settings.seed)
        per_epoch = max(1, len(self.pairs) // settings.batch_size)
        total = per_epoch * settings.epochs
        optimizer = torch.optim.AdamW(
            [p for p in self.model.parameters() if p.requires_grad],
            lr=settings.learning_rate,
            weight_decay=settings.weight_decay,
        )
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: _warmup_cosine(step, settings.warmup_steps, total)
        )
        step = 0
        if resume and out.exists():
            state = torch.load(out, map_location=self.device, weights_only=True)
            if "optimizer" in state:  # one of ours: continue it (a finished one: keep it)
                self.model.load_state_dict(state["state_dict"])
                optimizer.load_state_dict(state["optimizer"])
                schedule.load_state_dict(state["scheduler"])
                step = min(state["step"], total)
        result = TrainResult(steps=total, resumed_from=step)
        self.model.train()
        while step < total:
            epoch = step // per_epoch
            order = list(range(len(self.pairs)))
            random.Random(settings.seed + epoch).shuffle(order)
            rng = random.Random(settings.seed * 100_003 + step)
            start = (step % per_epoch) * settings.batch_size
            loss = self.batch_loss(order[start : start + settings.batch_size], rng)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            with torch.no_grad():
                self.model.logit_scale.clamp_(0, math.log(100))
            step += 1
            result.losses.append(loss.item())
            if on_step:
                on_step(step, total, result.losses[-1])
            if step % per_epoch == 0 or step == total:
                save_checkpoint(out, self.model, optimizer, schedule, step, epoch + 1)
        self.model.eval()
        return result


def mine_neighbours(vectors: np.ndarray, count: int = NEIGHBOURS) -> np.ndarray:
    """For each image, the `count` most similar other images (by the current model)."""
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    k = min(count + 1, len(vectors))
    _, found = index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
    neighbours = []
    for row, candidates in enumerate(found):
        others = [int(c) for c in candidates if c != row and c >= 0][:count]
        neighbours.append(others or [row])
    width = min(len(n) for n in neighbours)
    return np.array([n[:width] for n in neighbours], dtype=np.int64)


def _warmup_cosine(step: int, warmup: int, total: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def save_checkpoint(out: Path, model, optimizer, schedule, step: int, epoch: int) -> None:
    """open_clip's checkpoint layout (epoch, name, state_dict, optimizer), plus what resuming
    needs; written to a temporary file and renamed, so a crash never leaves half of one."""
    checkpoint = {
        "epoch": epoch,
        "step": step,
        "name": "photosearch-negclip",
        "state_dict": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": schedule.state_dict(),
    }
    atomic_write(out, lambda temporary: torch.save(checkpoint, temporary))
