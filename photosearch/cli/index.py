"""Commands that index: `index` once, `watch` and keep the index live."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from ..indexing import passes
from ..library import PhotoLibrary
from .options import RAY_OPTION, common_options, pass_options, reread_options
from .progress import TqdmProgress, other_models_line, print_update, say_searchable


@click.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--exclude", multiple=True, help="Skip files or folders matching this glob.")
@click.option("--include-hidden", is_flag=True, default=None, help="Also index dot-files.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_options
@reread_options
@RAY_OPTION
@common_options()
def index(library: PhotoLibrary, folders, as_json, **rereads):
    """Index photo folders, then read the text in them; later runs only read what changed."""
    progress = TqdmProgress() if sys.stdout.isatty() and not as_json else None
    reread = frozenset(flag.removeprefix("reread_") for flag, asked in rereads.items() if asked)
    said = None if as_json else say_searchable
    summary = library.index(list(folders), progress, reread=reread, on_searchable=said)
    if as_json:
        click.echo(json.dumps(summary.to_dict()))
        return
    click.echo(
        f"new {summary.new}, changed {summary.changed}, moved {summary.moved}, "
        f"deleted {summary.deleted}, unchanged {summary.unchanged}, failed {summary.failed}"
    )
    ran = (
        f"on {summary.device} ({summary.runtime}) {summary.where}"
        if summary.device
        else f"({summary.runtime})"
    )
    click.echo(
        f"embedded {summary.embedded} images ({summary.reused} vectors reused) in "
        f"{summary.embedding_seconds:.1f} s, "
        f"{summary.images_per_second:.1f} images/s {ran}"
    )
    if summary.decoded.get("gpu"):
        shares = summary.decoded
        click.echo(f"decoded {shares['gpu']} on the GPU, {shares.get('cpu', 0)} on the CPU")
    for name, counts in summary.passes.items():
        if counts.read:
            click.echo(passes.named(name).summary_line(counts))
    if summary.faces_kept:
        click.echo(
            f"{summary.faces_kept} faces found again kept the people of the faces at their place"
        )
    if summary.faces_joined or summary.new_people:
        click.echo(
            f"{summary.faces_joined} faces joined people, {summary.new_people} new people "
            "(photosearch people)"
        )
    if summary.faces_of_other_models:
        click.echo(other_models_line(summary.faces_of_other_models, library.config.face_model))
    if summary.failed:
        click.echo("See why files failed: photosearch errors")


@click.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--exclude", multiple=True, help="Skip files or folders matching this glob.")
@click.option("--include-hidden", is_flag=True, default=None, help="Also index dot-files.")
@pass_options
@RAY_OPTION
@common_options()
def watch(library: PhotoLibrary, folders):
    """Index folders, then keep the index live as files change, until Ctrl-C."""
    from ..indexing.watcher import Watcher
    from ..web import answering_searches

    print_update(library.index(list(folders), on_searchable=say_searchable))
    watcher = Watcher(library, list(folders), on_update=print_update).start()
    how = "by polling (watch limit reached)" if watcher.polling else "for changes"
    try:
        with answering_searches(library):  # `search` in a terminal asks this process
            click.echo(f"Watching {', '.join(map(str, folders))} {how}. Stop with Ctrl-C.")
            while True:
                time.sleep(3600)
    finally:
        watcher.stop()
