"""Command line: a module per kind of command, each reading its arguments, asking the library
and printing what it answers. `main` is the entry point (the console script, manage.py and
`python -m photosearch`)."""

from __future__ import annotations

import importlib
import sys

import click

from ..errors import PhotosearchError

# Each command's module, imported when the command runs (or --help lists them all): a search
# does not pay for importing what training or the audit need.
COMMANDS = {
    "index": "index:index",
    "watch": "index:watch",
    "search": "search:search",
    "status": "status:status",
    "models": "status:models",
    "errors": "status:errors",
    "serve": "serve:serve",
    "people": "people:people",
    "check": "maintenance:check",
    "rebuild-index": "maintenance:rebuild_index",
    "finetune-negclip": "training:finetune_negclip",
    "audit-compositionality": "audit:audit_compositionality",
}


class Commands(click.Group):
    """The commands of COMMANDS, each imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
        return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="photosearch")
def cli():
    """photosearch: find your photos by describing them."""


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
