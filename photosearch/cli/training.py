"""The `finetune-negclip` command: train the search model on captioned photos."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..library import PhotoLibrary
from .options import common_options


@click.command("finetune-negclip")
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    required=True,
    help="COCO captions JSON, a CSV (filename, caption), or a folder with captions.csv.",
)
@click.option(
    "--images",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder the image names are relative to (default: the data file's).",
)
@click.option(
    "--base",
    help="Model to start from (default: the configured model); with --from-scratch, an "
    "open_clip architecture is enough.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Checkpoint to write; an unfinished one there is resumed.",
)
@click.option("--epochs", default=5, show_default=True, type=click.IntRange(min=1))
@click.option("--batch-size", default=256, show_default=True, type=click.IntRange(min=2))
@click.option("--lr", default=1e-6, show_default=True, type=float, help="Peak learning rate.")
@click.option("--warmup", default=50, show_default=True, type=click.IntRange(min=0))
@click.option("--plain", is_flag=True, help="No hard negatives: plain CLIP training.")
@click.option("--from-scratch", is_flag=True, help="Random weights of the base architecture.")
@click.option("--fresh", is_flag=True, help="Start over even if --out holds an unfinished run.")
@click.option("--seed", default=0, show_default=True)
@common_options(skip=("model", "batch_size", "runtime", "precision"))
def finetune_negclip(library: PhotoLibrary, data, images, base, out, epochs, batch_size, lr,
                     warmup, plain, from_scratch, fresh, seed):  # fmt: skip
    """Fine-tune the search model with NegCLIP's hard negatives (or train plain CLIP)."""
    from ..model.loading import resolve_device, training_architecture, untrained_model
    from ..negclip.data import load_pairs
    from ..negclip.train import Trainer, TrainSettings

    base = base or library.config.model
    pairs = load_pairs(data, images)
    if from_scratch:
        arch = training_architecture(base, library.config)
        loaded = untrained_model(arch, resolve_device(library.config.device), seed)
    else:
        loaded = library.load_embedder(base).loaded
    device = next(loaded.model.parameters()).device.type
    settings = TrainSettings(epochs=epochs, batch_size=min(batch_size, len(pairs)),
                             learning_rate=lr, warmup_steps=warmup, hard_negatives=not plain,
                             seed=seed, workers=library.config.decode_workers)  # fmt: skip
    trainer = Trainer(loaded, pairs, settings, device)
    click.echo(f"{len(pairs)} pairs, {len(trainer.images)} images; training on {device}", err=True)
    trainer.prepare()
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(unit="step", dynamic_ncols=True)

    def on_step(step: int, total: int, loss: float) -> None:
        if bar is not None:
            bar.total = total
            bar.n = step
            bar.set_postfix(loss=f"{loss:.3f}")

    result = trainer.train(out, resume=not fresh, on_step=on_step)
    if bar is not None:
        bar.close()
    name = f"{loaded.spec.arch}:{out.resolve()}"
    last = f"{result.losses[-1]:.3f}" if result.losses else "n/a (already finished)"
    click.echo(f"Trained {result.steps} steps (from step {result.resumed_from}); last loss {last}.")
    click.echo(f"Search with it: --model {name}")
    click.echo(f"Audit it: photosearch audit-compositionality --model {name}")
