"""The `audit-compositionality` command: ARO checks of the search model, on the official
files, a synthetic suite, or query pairs probed against the user's own index."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from ..audit.tasks import OFFICIAL_TASKS, SYNTHETIC_TASKS
from ..errors import QueryError
from ..library import PhotoLibrary
from ..progress import Progress
from .options import common_options
from .progress import TqdmProgress

PROBE_TOP_K = 20
TASK_CHOICES = ["all", "relation", "attribution", "order", *OFFICIAL_TASKS]


def _audit_tasks(choice: str, official: bool) -> list[str]:
    if choice in OFFICIAL_TASKS:
        if not official:
            raise click.UsageError(f"--task {choice} needs --data-dir with the official files.")
        return [choice]
    if not official:
        return SYNTHETIC_TASKS if choice == "all" else [f"synthetic-{choice}"]
    if choice == "all":
        return OFFICIAL_TASKS
    return {"relation": ["vg-relation"], "attribution": ["vg-attribution"]}.get(
        choice, ["coco-order", "flickr30k-order"]
    )


@click.command("audit-compositionality")
@click.option(
    "--data-dir",
    "aro_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder with the official ARO files. Without it: the built-in synthetic suite.",
)
@click.option("--task", type=click.Choice(TASK_CHOICES), default="all", show_default=True)
@click.option("--model", "models", multiple=True, help="Model to audit; repeat to compare.")
@click.option("--download", is_flag=True, help="Fetch missing official files into --data-dir.")
@click.option("--mirror", metavar="URL", help="Download from this base URL (a local mirror).")
@click.option("--index", "probe", is_flag=True, help="Probe your own index with query pairs.")
@click.option("--pair", "pairs", nargs=2, multiple=True, metavar="A B", help="A query pair.")
@click.option("--limit", type=click.IntRange(min=1), help="A seeded sample of N items per task.")
@click.option("--seed", default=1, show_default=True, help="Seed of perturbations and sample.")
@click.option(
    "--scenes",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Synthetic scenes per task.",
)
@click.option(
    "--items-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Per-item results file (.csv or .json).",
)
@click.option("--json", "as_json", is_flag=True)
@common_options(skip=("data_dir", "model"))
def audit_compositionality(
    library: PhotoLibrary,
    aro_dir,
    task,
    models,
    download,
    mirror,
    probe,
    pairs,
    limit,
    seed,
    scenes,
    items_out,
    as_json,
):
    """ARO checks of the search model: relation, attribution and word order."""
    from ..audit.datasets import missing_files
    from ..audit.download import download_task_files
    from ..audit.report import render_table, report_json, write_items
    from ..audit.run import check_files, run_audit, synthetic_dir

    models = list(dict.fromkeys(models or [library.config.model]))
    if probe or pairs:
        _audit_index(library, models, pairs, as_json)
        return
    if (download or mirror) and aro_dir is None:
        raise click.UsageError("--download needs --data-dir: the folder to put the files in.")
    tasks = _audit_tasks(task, official=aro_dir is not None)
    show_bars = sys.stderr.isatty() and not as_json

    def progress(unit: str) -> Progress:
        return TqdmProgress(unit) if show_bars else Progress()

    if aro_dir is None:
        data_dir = synthetic_dir(library.config.data_dir, scenes, seed)
        source = f"built-in synthetic suite ({scenes} scenes per task, seed {seed})"
    else:
        data_dir, source = aro_dir.expanduser(), str(aro_dir)
        if download or mirror:
            for note in download_task_files(tasks, data_dir, lambda: progress("B"), mirror):
                click.echo(f"note: {note}", err=True)
        if task == "all":
            ready = [t for t in tasks if not missing_files(t, data_dir)]
            for skipped in sorted(set(tasks) - set(ready)):
                click.echo(f"note: skipping {skipped}: its files are not in {data_dir}", err=True)
            tasks = ready or tasks
        check_files(tasks, data_dir)
    embedders = [(name, library.load_embedder(name)) for name in models]
    report = run_audit(
        tasks,
        data_dir,
        embedders,
        limit=limit,
        seed=seed,
        batch_size=library.config.batch_size,
        workers=library.config.decode_workers,
        progress_factory=lambda: progress("item"),
        source=source,
    )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    items_file = write_items(
        report.rows, items_out or library.config.data_dir / "audit" / f"items-{stamp}.csv"
    )
    if as_json:
        click.echo(json.dumps(report_json(report, items_file), indent=2))
        return
    click.echo(render_table(report))
    click.echo(f"\nPer-item results: {items_file}")


def _audit_index(library: PhotoLibrary, models: list[str], pairs, as_json: bool) -> None:
    from ..audit.probe import BUILTIN_PAIRS, probe_pairs
    from ..audit.report import render_probe

    output = []
    for name in models:
        view = library.for_model(name)
        if view.vector_count() == 0:
            raise QueryError(
                f"No photos are indexed with model '{name}' yet, so there is nothing to probe. "
                f"Index a folder with it first: photosearch index ~/Pictures --model {name}"
            )
        results = probe_pairs(view.searcher, pairs or BUILTIN_PAIRS, k=PROBE_TOP_K)
        if as_json:
            output.append({"model": name, "pairs": [r.to_dict() for r in results]})
        else:
            output.append(render_probe(results, name, PROBE_TOP_K))
    click.echo(json.dumps(output, indent=2) if as_json else "\n\n".join(output))
