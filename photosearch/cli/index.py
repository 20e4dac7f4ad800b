"""Commands that index: `index` once, `watch` and keep the index live."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from ..library import PhotoLibrary
from .options import OCR_OPTION, RAY_OPTION, common_options
from .progress import TqdmProgress, print_update


@click.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--exclude", multiple=True, help="Skip files or folders matching this glob.")
@click.option("--include-hidden", is_flag=True, default=None, help="Also index dot-files.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@OCR_OPTION
@click.option(
    "--reread-text",
    is_flag=True,
    help="Read again the text an older recogniser read, and what failed to read.",
)
@RAY_OPTION
@common_options()
def index(library: PhotoLibrary, folders, as_json, reread_text):
    """Index photo folders, then read the text in them; later runs only read what changed."""
    progress = TqdmProgress() if sys.stdout.isatty() and not as_json else None
    summary = library.index(list(folders), progress, reread_text=reread_text)
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
        f"{summary.seconds - summary.text_seconds:.1f} s, "
        f"{summary.images_per_second:.1f} images/s {ran}"
    )
    if summary.decoded.get("gpu"):
        shares = summary.decoded
        click.echo(f"decoded {shares['gpu']} on the GPU, {shares.get('cpu', 0)} on the CPU")
    if summary.texts_read:
        failed = f", {summary.text_failed} failed" if summary.text_failed else ""
        click.echo(
            f"read the text of {summary.texts_read} photos ({summary.with_text} with text"
            f"{failed}) in {summary.text_seconds:.1f} s, {summary.texts_per_second:.1f} photos/s"
        )
    if summary.failed:
        click.echo("See why files failed: photosearch errors")


@click.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--exclude", multiple=True, help="Skip files or folders matching this glob.")
@click.option("--include-hidden", is_flag=True, default=None, help="Also index dot-files.")
@OCR_OPTION
@RAY_OPTION
@common_options()
def watch(library: PhotoLibrary, folders):
    """Index folders, then keep the index live as files change, until Ctrl-C."""
    from ..indexing.watcher import Watcher

    print_update(library.index(list(folders)))
    watcher = Watcher(library, list(folders), on_update=print_update).start()
    how = "by polling (watch limit reached)" if watcher.polling else "for changes"
    click.echo(f"Watching {', '.join(map(str, folders))} {how}. Stop with Ctrl-C.")
    try:
        while True:
            time.sleep(3600)
    finally:
        watcher.stop()
