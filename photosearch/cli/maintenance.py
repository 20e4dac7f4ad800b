"""Commands that look after the index: `check` (and repair) and `rebuild-index`."""

from __future__ import annotations

import json
import sys

import click

from ..library import PhotoLibrary, display_path
from .options import common_options


@click.command()
@click.option("--repair", is_flag=True, help="Fix what the check finds.")
@click.option("--json", "as_json", is_flag=True)
@common_options(skip=("model", "runtime", "precision"))
def check(library: PhotoLibrary, repair, as_json):
    """Do the database and the vector indexes agree, and are the files still there?"""
    report = library.check(repair)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        click.echo(
            f"photos {report.photos}, videos {report.videos}, recorded failures {report.failed}"
        )
        for model in report.models:
            click.echo(
                f"model {model.key}: {model.vectors} vectors in the database, index "
                f"{model.index_state}"
                + (f" ({model.index_vectors})" if model.index_vectors is not None else "")
            )
        if report.broken_vectors:
            click.echo(f"{len(report.broken_vectors)} vectors with no photo or of the wrong size")
        if report.broken_faces:
            click.echo(f"{len(report.broken_faces)} faces whose descriptor is of the wrong size")
        if report.unused_faces:
            click.echo(f"{report.unused_faces} faces of photos that are gone (forgotten next run)")
        for path in report.missing_files:
            click.echo(f"missing on disk: {display_path(path)}")
        for path in report.unreachable:
            click.echo(f"folder gone (unplugged drive?), kept: {display_path(path)}")
        for action in report.repaired:
            click.echo(f"repaired: {action}")
        click.echo(
            "consistent" if report.consistent else "INCONSISTENT: run `photosearch check --repair`"
        )
    if not report.consistent:
        sys.exit(1)


@click.command("rebuild-index")
@click.option("--all", "every_model", is_flag=True, help="Every model in the database.")
@common_options(skip=("runtime", "precision"))
def rebuild_index(library: PhotoLibrary, every_model):
    """Rebuild the vector index from the database (exact or approximate, as configured)."""
    for rebuilt in library.rebuild_indexes(every_model):
        click.echo(
            f"{rebuilt.key}: {rebuilt.kind} index of {rebuilt.size} vectors in "
            f"{rebuilt.seconds:.1f} s ({rebuilt.path})"
        )
