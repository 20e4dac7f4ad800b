"""The synthetic world: train a small CLIP from scratch on rendered scenes (plain contrastive
loss), audit it, fine-tune it with NegCLIP's hard negatives, audit again.
`python -m benchmarks.negclip_synthetic [--quick]` prints the before/after table."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from photosearch.audit.run import run_audit, synthetic_dir
from photosearch.audit.synthetic import write_training_set
from photosearch.embedder import Embedder
from photosearch.models import untrained_model
from photosearch.negclip.data import load_pairs
from photosearch.negclip.train import Trainer, TrainSettings

ARCH = "photosearch-test-tiny"  # 64x64 images, 64-d embeddings: trains on a CPU in minutes
TASKS = ["synthetic-relation", "synthetic-attribution", "synthetic-order"]


def text_to_image_recall(embedder: Embedder, suite: Path) -> float:
    """R@1: each held-out relation scene's true caption, ranked against every such scene."""
    entries = json.loads((suite / "visual_genome_relation.json").read_text())
    from PIL import Image

    images = [Image.open(suite / "images" / e["image_path"]).convert("RGB") for e in entries]
    image_vectors = embedder.embed_images(images)
    text_vectors = embedder.embed_texts([e["true_caption"] for e in entries])
    best = (text_vectors @ image_vectors.T).argmax(axis=1)
    return float(np.mean(best == np.arange(len(entries))))


def evaluate(embedder: Embedder, suite: Path, label: str) -> dict:
    report = run_audit(TASKS, suite, [(label, embedder)])
    scores = {task: report.models[0].results[task].accuracy for task in TASKS}
    scores["R@1"] = text_to_image_recall(embedder, suite)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.negclip_synthetic")
    parser.add_argument("--quick", action="store_true", help="a few minutes, smaller world")
    parser.add_argument("--work", type=Path, help="keep generated data and checkpoints here")
    parser.add_argument("--tune-epochs", type=int, help="NegCLIP epochs (default 20; quick 4)")
    parser.add_argument("--tune-lr", type=float, default=5e-4, help="NegCLIP peak learning rate")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="photosearch-negclip-"))
    scenes, epochs, tune_epochs = (1200, 6, 4) if args.quick else (4000, 15, 20)
    tune_epochs = args.tune_epochs or tune_epochs
    started = time.perf_counter()
    train = load_pairs(write_training_set(work / "train", scenes, seed=100))
    suite = synthetic_dir(work, 250 if args.quick else 500, seed=1)  # held out: other seed

    loaded = untrained_model(ARCH, "cpu")
    plain = Trainer(loaded, train, TrainSettings(epochs=epochs, batch_size=128,
                    learning_rate=5e-4, warmup_steps=20, hard_negatives=False), "cpu")  # fmt: skip
    plain.train(work / "clip-plain.pt")  # a finished checkpoint in --work is reused
    before = evaluate(Embedder(loaded, "cpu"), suite, "plain CLIP")
    trained_at = time.perf_counter() - started

    negclip = Trainer(loaded, train, TrainSettings(epochs=tune_epochs, batch_size=128,
                      learning_rate=args.tune_lr, warmup_steps=10, hard_negatives=True),
                      "cpu")  # fmt: skip
    negclip.prepare()
    negclip.train(work / "negclip.pt", resume=False)
    after = evaluate(Embedder(loaded, "cpu"), suite, "NegCLIP")
    seconds = time.perf_counter() - started

    print(f"synthetic world: {scenes} training scenes, held-out suite of {suite.name}")
    print(f"{'':28}{'plain CLIP':>12}{'+ NegCLIP':>12}{'change':>10}")
    for name, key in [("relation accuracy", TASKS[0]), ("attribution accuracy", TASKS[1]),
                      ("order accuracy", TASKS[2]), ("text-to-image R@1", "R@1")]:  # fmt: skip
        b, a = before[key], after[key]
        change = "n/a" if a is None or b is None else f"{100 * (a - b):+.1f} pt"
        shown = [("n/a" if v is None else f"{v:.3f}") for v in (b, a)]
        print(f"{name:28}{shown[0]:>12}{shown[1]:>12}{change:>10}")
    print(f"from-scratch training {trained_at:.0f} s; total {seconds:.0f} s; checkpoints in {work}")


if __name__ == "__main__":
    main()
