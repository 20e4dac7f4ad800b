"""The `search` command: its options are the search request's fields (the web's query
string by other names), read into a SearchRequest as the web's are; hits printed a line each,
as JSON, as small images, or handed to a viewer."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import QueryError
from ..library import PhotoLibrary, display_path
from ..search.request import FILTERS, Asked, parse_search
from ..search.terms import SORTS
from .options import common_options


@click.command()
@click.argument("q", metavar="[QUERY]", required=False)
@click.option("--like", "like", metavar="PATH_OR_ID", help="Find photos similar to this one.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--offset", default=0, type=click.IntRange(min=0), help="Skip this many results.")
@click.option("--from", "date_from", metavar="DATE", help="Taken on or after (2019-08-03).")
@click.option("--to", "date_to", metavar="DATE", help="Taken on or before (2019-08-31).")
@click.option("--camera", help="Camera make or model contains this.")
@click.option("--folder", help="Below this folder (an absolute path).")
@click.option("--type", "type", metavar="TYPES", help="File types, e.g. jpeg,heic,raw.")
@click.option("--place", help="Taken in this city, region or country (any of its names).")
@click.option("--has-location/--no-location", default=None, help="With or without GPS.")
@click.option("--min-score", metavar="SCORE", help="Hide matches scoring below (-1 to 1).")
@click.option("--sort", type=click.Choice(SORTS), help="By relevance (default), or date taken.")
@click.option("--literal", is_flag=True, help="Search the words as typed: no places or dates.")
@click.option("--json", "as_json", is_flag=True, help="Print results as a JSON list.")
@click.option("--open", "open_", is_flag=True, help="Show the results in an image viewer.")
@click.option(
    "--preview", is_flag=True, help="Small images in the terminal (kitty, iTerm2, sixel)."
)
@common_options()
def search(library: PhotoLibrary, like, as_json, open_, preview, **fields):
    """Search by text, or with --like by an example photo; places and dates in the text
    ("dogs in Lisbon summer 2017") are read as filters unless --literal or quoted."""
    if fields["q"] and like:
        raise click.UsageError("Give a search text or --like PATH_OR_ID, not both.")
    if not fields["q"] and not like and all(fields[name] in (None, "") for name in FILTERS):
        raise click.UsageError("Give a search text, --like PATH_OR_ID, or a filter.")
    if fields["min_score"] is None and fields["sort"] in (None, "relevance"):
        fields["min_score"] = -1.0  # the terminal lists the best matches, whatever they score
    if library.counts()["photos"] == 0:
        _empty_index_message(as_json)
        return
    request = parse_search(Asked(fields, _option_names()), **_example(library, like))
    result = library.search(request)
    hits = result.hits
    if as_json:
        click.echo(json.dumps([hit.to_dict() for hit in hits], indent=2))
        return
    if result.written or (result.interpretation and result.interpretation.understood):
        click.echo(_understood_line(result), err=True)
    if not hits:
        click.echo("No photo matches" + (" with these filters." if result.filters.active else "."))
    else:
        _print_hits(library, hits, preview)
    if open_ and hits:
        from ..terminal import open_in_viewer

        opened = open_in_viewer([hit.photo.path for hit in hits], library.config.viewer)
        if len(opened) < len(hits) and not as_json:
            click.echo(f"Opened the top {len(opened)}; set `viewer` to open them all.", err=True)


def _option_names() -> dict[str, str]:
    """Each field as this command's user types it (`--from` for date_from), for the request's
    errors to name."""
    params = click.get_current_context().command.params
    return {"q": "QUERY", **{p.name: p.opts[0] for p in params if isinstance(p, click.Option)}}


def _understood_line(result) -> str:
    """The interpretation's line, and the phrases to be found written in the photos."""
    parts = [result.interpretation.line()] if result.interpretation.understood else []
    if result.written:
        if not result.interpretation.text and not result.interpretation.understood:
            parts = []
        parts += [f'written "{phrase}"' for phrase in result.written]
    return " · ".join(parts)


def _example(library: PhotoLibrary, like: str | None) -> dict:
    """--like: an indexed photo (by id or path), or any image file, sent as an upload is."""
    if not like:
        return {}
    photo = library.indexed_photo(like)
    if photo is not None:
        return {"like": photo.id}
    path = Path(like).expanduser()
    try:
        return {"upload": path.read_bytes(), "upload_name": str(path)}
    except OSError as exc:
        raise QueryError(f"Cannot read the query photo {path}: {exc.strerror or exc}.") from None


def _print_hits(library: PhotoLibrary, hits, preview: bool) -> None:
    """A line per hit; with --preview, a small image under it where the terminal can."""
    from ..terminal import inline_image, preview_protocol

    protocol = preview_protocol() if preview else ""
    for hit in hits:
        taken = hit.photo.taken_at.strftime("%Y-%m-%d") if hit.photo.taken_at else "-" * 10
        score = "     -" if hit.score is None else f"{hit.score:6.3f}"
        place = f"  ({hit.photo.place})" if hit.photo.place else ""
        written = ""
        if hit.text:
            written = "  [text: " + " | ".join(line.text for line in hit.text.lines) + "]"
        path = display_path(hit.photo.path)
        click.echo(f"{hit.rank:>4}  {score}  {taken}  {path}{place}{written}")
        if protocol:
            image = _thumbnail_image(library, hit.photo)
            if image is not None:
                click.echo(inline_image(image, protocol))


def _thumbnail_image(library: PhotoLibrary, photo):
    """The cached 320 px thumbnail (made now if missing), or None if the photo is unreadable."""
    from PIL import Image

    from ..imaging.decoder import DecodeError
    from ..imaging.thumbnails import SIZES, thumbnail

    try:
        return Image.open(thumbnail(photo, SIZES["thumbnail"], library.config))
    except (OSError, DecodeError):
        return None


def _empty_index_message(as_json: bool) -> None:
    if as_json:
        click.echo("[]")
    click.echo(
        "No photos are indexed for this model yet. Index a folder first: "
        "photosearch index ~/Pictures",
        err=True,
    )
