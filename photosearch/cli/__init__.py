"""Command line: a module per kind of command, each reading its arguments, asking the library
and printing what it answers. `main` is the entry point (the console script, manage.py and
`python -m photosearch`)."""

from __future__ import annotations

import sys

import click

from ..errors import PhotosearchError
from . import audit, index, maintenance, search, serve, status, training


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="photosearch")
def cli():
    """photosearch: find your photos by describing them."""


for command in (
    index.index,
    index.watch,
    search.search,
    status.status,
    status.models,
    status.errors,
    serve.serve,
    maintenance.check,
    maintenance.rebuild_index,
    training.finetune_negclip,
    audit.audit_compositionality,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one paragraph on stderr and exit code 2, no traceback."""
    try:
        cli.main(args=argv, prog_name="photosearch", standalone_mode=False)
    except PhotosearchError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Interrupted. Work committed so far is kept; run again to continue.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted. Work committed so far is kept; run again to continue.", err=True)
        sys.exit(130)
