"""The synthetic world: train a small CLIP from scratch on rendered scenes (plain contrastive
loss), measure it, fine-tune it with NegCLIP's hard negatives, measure again.
`python -m benchmarks.negclip_synthetic [--quick] [--json]` prints the before/after table."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from photosearch.audit.run import run_audit
from photosearch.audit.synthetic import RICH_WORLD, World, write_suite, write_training_set
from photosearch.model.embedder import Embedder
from photosearch.model.loading import SYNTHETIC_ARCH, LoadedModel, untrained_model
from photosearch.negclip.data import load_pairs
from photosearch.negclip.train import Trainer, TrainSettings

from .negclip_measures import (
    recall_at_1,
    search_figures,
    shuffle_words,
    write_gallery,
    write_singles,
    zero_shot,
)

TASKS = {
    "relation": "synthetic-relation",
    "attribution": "synthetic-attribution",
    "order": "synthetic-order",
}
FIGURES = {
    "relation": "relation accuracy (chance 0.50)",
    "attribution": "attribution accuracy (chance 0.50)",
    "order": "order accuracy (chance 0.20)",
    "r_at_1": "text-to-image R@1",
    "r_at_1_shuffled": "R@1, words of captions shuffled",
    "zero_shot": "zero-shot colour+shape naming",
    "precision_at_10": "search precision@10, swapped queries",
    "swap_overlap": "search top-20 overlap of swapped pairs",
}


@dataclass(frozen=True)
class Size:
    scenes: int  # training scenes of two objects
    training_singles: int  # training scenes of one object, "a photo of a red circle"
    plain_epochs: int
    tune_epochs: int
    suite: int  # held-out scenes per audit task (the R@1 images are its relation scenes)
    pairs: int  # swapped query pairs asked of the index
    per_query: int  # gallery scenes that each query describes exactly
    distractors: int  # other gallery scenes
    singles: int  # single-object scenes for zero-shot naming
    batch: int = 128
    plain_lr: float = 1e-3
    tune_lr: float = 1e-3


FULL = Size(scenes=10_000, training_singles=2_000, plain_epochs=3, tune_epochs=6, suite=1000,
            pairs=10, per_query=20, distractors=600, singles=600)  # fmt: skip
QUICK = Size(scenes=3_000, training_singles=600, plain_epochs=3, tune_epochs=3, suite=200,
             pairs=4, per_query=20, distractors=100, singles=120)  # fmt: skip


def measure(embedder: Embedder, suite: Path, singles, world: World) -> dict[str, float]:
    """The audit's three tasks (attribution as micro accuracy: the rich world has too many
    colour pairs for ARO's 25-item groups), R@1 with true and shuffled captions, zero-shot."""
    report = run_audit(list(TASKS.values()), suite, [("model", embedder)])
    results = report.models[0].results
    scores = {
        "relation": results[TASKS["relation"]].accuracy,
        "attribution": results[TASKS["attribution"]].micro,
        "order": results[TASKS["order"]].accuracy,
    }
    entries = json.loads((suite / "visual_genome_relation.json").read_text())
    images = [suite / "images" / entry["image_path"] for entry in entries]
    captions = [entry["true_caption"] for entry in entries]
    scores["r_at_1"] = recall_at_1(embedder, images, captions)
    scores["r_at_1_shuffled"] = recall_at_1(embedder, images, shuffle_words(captions, seed=1))
    scores["zero_shot"] = zero_shot(embedder, singles, world)
    return scores


def train(loaded: LoadedModel, pairs, size: Size, out: Path, hard_negatives: bool) -> float:
    started = time.perf_counter()
    settings = TrainSettings(
        epochs=size.tune_epochs if hard_negatives else size.plain_epochs,
        batch_size=size.batch,
        learning_rate=size.tune_lr if hard_negatives else size.plain_lr,
        warmup_steps=10 if hard_negatives else 20,
        hard_negatives=hard_negatives,
    )
    trainer = Trainer(loaded, pairs, settings, "cpu")
    trainer.prepare()
    trainer.train(out, resume=not hard_negatives)  # a finished plain checkpoint is reused
    return time.perf_counter() - started


def run(size: Size, work: Path, world: World = RICH_WORLD, log=print) -> dict:
    started = time.perf_counter()
    training = write_training_set(work / "train", size.scenes, seed=100, world=world,
                                  singles=size.training_singles)  # fmt: skip
    pairs = load_pairs(training)
    suite = write_suite(work / f"suite-{size.suite}", size.suite, seed=1, world=world)
    singles = write_singles(work / "singles", size.singles, seed=2, world=world)
    gallery = write_gallery(work / "gallery", size.pairs, size.per_query, size.distractors,
                            seed=3, world=world)  # fmt: skip
    loaded = untrained_model(SYNTHETIC_ARCH, "cpu")
    result = {"seconds": 0.0, "training_seconds": {}}
    for name, hard in (("before", False), ("after", True)):
        checkpoint = work / ("negclip.pt" if hard else "clip-plain.pt")
        log(f"training {'with NegCLIP hard negatives' if hard else 'plain CLIP from scratch'}")
        result["training_seconds"][name] = round(train(loaded, pairs, size, checkpoint, hard), 1)
        scores = measure(Embedder(loaded, "cpu"), suite, singles, world)
        model = f"{SYNTHETIC_ARCH}:{checkpoint.resolve()}"
        precision, overlap = search_figures(model, gallery, work / f"index-{name}")
        result[name] = {**scores, "precision_at_10": precision, "swap_overlap": overlap}
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def targets(result: dict) -> dict[str, bool]:
    """The issue's targets, each met or not."""
    before, after = result["before"], result["after"]
    gap = lambda side: side["r_at_1"] - side["r_at_1_shuffled"]  # noqa: E731
    return {
        "relation <= 0.60 before": before["relation"] <= 0.60,
        "relation >= 0.90 after": after["relation"] >= 0.90,
        "attribution >= 0.90 after": after["attribution"] >= 0.90,
        "order rises": after["order"] > before["order"],
        "R@1 after >= before": after["r_at_1"] >= before["r_at_1"],
        "precision@10 +30 points": after["precision_at_10"] - before["precision_at_10"] >= 0.30,
        "overlap after < 0.3": after["swap_overlap"] < 0.3,
        "true-shuffled R@1 gap widens 10 points": gap(after) - gap(before) >= 0.10,
        "zero-shot after >= before - 0.02": after["zero_shot"] >= before["zero_shot"] - 0.02,
    }


def render(result: dict, size: Size, work: Path) -> str:
    indexed = size.pairs * size.per_query * 2 + size.distractors
    lines = [
        f"synthetic world: {size.scenes} training scenes of two objects and "
        f"{size.training_singles} of one; held-out suite of {size.suite} scenes "
        f"per task; {size.pairs} swapped query pairs over {indexed} indexed scenes",
        "",
        f"{'':42}{'plain CLIP':>12}{'+ NegCLIP':>12}{'change':>10}",
    ]
    for key, title in FIGURES.items():
        b, a = result["before"][key], result["after"][key]
        lines.append(f"{title:42}{b:>12.3f}{a:>12.3f}{100 * (a - b):>+8.1f} pt")
    lines.append("")
    lines += [f"{'met' if ok else 'NOT met':8}{name}" for name, ok in targets(result).items()]
    trained = result["training_seconds"]
    lines += ["", f"plain training {trained['before']:.0f} s, NegCLIP {trained['after']:.0f} s; "
              f"total {result['seconds']:.0f} s; checkpoints in {work}"]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.negclip_synthetic")
    parser.add_argument("--quick", action="store_true", help="a few minutes, smaller world")
    parser.add_argument("--work", type=Path, help="keep generated data and checkpoints here")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()
    # One thread by default: where other processes share the cores, two threads each waiting
    # on the other ran ten times slower here than one.
    torch.set_num_threads(args.threads)
    work = args.work or Path(tempfile.mkdtemp(prefix="photosearch-negclip-"))
    size = QUICK if args.quick else FULL
    log = (lambda message: print(message, file=sys.stderr)) if args.json else print
    result = run(size, work, log=log)
    print(json.dumps(result, indent=1) if args.json else render(result, size, work))


if __name__ == "__main__":
    main()
