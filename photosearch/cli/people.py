"""`people`: the people the faces were grouped into, listed and corrected (named, merged,
hidden, a face moved or dropped), and grouped again on demand. A PERSON is an id or a name."""

from __future__ import annotations

import json

import click

from ..library import PhotoLibrary
from .options import common_options, opened

SKIP = ("model", "runtime", "precision")


@click.group(invoke_without_command=True)
@click.option("--all", "hidden", is_flag=True, help="Hidden people too.")
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@common_options(skip=SKIP, library=False)
@click.pass_context
def people(ctx: click.Context, config, hidden, as_json):
    """List the people found in the photos (id, name, faces, photos), or correct them."""
    if ctx.invoked_subcommand is None:
        with opened(config) as library:
            _list(library, hidden, as_json)
        return
    # `people --data-dir X name ...`: the settings given before the correction are its own
    given = {
        name: value
        for name, value in ctx.params.items()
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
    }
    ctx.default_map = {ctx.invoked_subcommand: given}


def _list(library: PhotoLibrary, hidden: bool, as_json: bool) -> None:
    found = library.people(hidden)
    if as_json:
        click.echo(json.dumps([person.to_dict() for person in found]))
        return
    if not found:
        click.echo("No people yet: index with faces on (index --faces), or see `people --all`.")
    for person in found:
        name = person.name or "(unnamed)"
        hidden_mark = "  (hidden)" if person.hidden else ""
        click.echo(
            f"{person.id:>6}  {name}  {person.faces} faces, {person.photos} photos{hidden_mark}"
        )


def _said(person) -> None:
    click.echo(f"{person.id}: {person.name or '(unnamed)'}, {person.faces} faces")


@people.command()
@click.argument("person")
@click.argument("name")
@common_options(skip=SKIP)
def name(library: PhotoLibrary, person, name):
    """Name a person (an empty NAME: unnamed)."""
    _said(library.name_person(person, name))


@people.command()
@click.argument("kept")
@click.argument("merged")
@common_options(skip=SKIP)
def merge(library: PhotoLibrary, kept, merged):
    """MERGED is KEPT: its faces become KEPT's."""
    _said(library.merge_people(kept, merged))


@people.command()
@click.argument("person")
@common_options(skip=SKIP)
def hide(library: PhotoLibrary, person):
    """Leave a person out of the list (and keep them through every grouping)."""
    _said(library.hide_person(person))


@people.command()
@click.argument("person")
@common_options(skip=SKIP)
def unhide(library: PhotoLibrary, person):
    """List a hidden person again."""
    _said(library.hide_person(person, hidden=False))


@people.command()
@click.argument("face", type=int)
@click.argument("person")
@common_options(skip=SKIP)
def move(library: PhotoLibrary, face, person):
    """Give a face to a person (it stays there)."""
    _said(library.move_face(face, person))


@people.command()
@click.argument("face", type=int)
@common_options(skip=SKIP)
def drop(library: PhotoLibrary, face):
    """Not this person: the face leaves its person for good."""
    left = library.drop_face(face)
    if left is None:
        click.echo(f"face {face} is with nobody: nothing to drop")
    else:
        click.echo(f"face {face} is no longer with person {left}, and never will be again")


@people.command()
@click.option("--json", "as_json", is_flag=True)
@common_options(skip=SKIP)
def regroup(library: PhotoLibrary, as_json):
    """Group every face into people again; names, merges and moved faces are kept."""
    grouped = library.regroup_people()
    if as_json:
        click.echo(json.dumps(grouped.to_dict()))
    else:
        click.echo(f"{grouped.joined} faces joined people, {grouped.new_people} new people")
