"""The `search` command: its options are the search request's fields (the web's query
string by other names), read into a SearchRequest as the web's are; hits printed a line each,
as JSON, as small images, or handed to a viewer. A `serve` or `watch` of the library running
on this machine answers it when there is one (nothing loaded here); else this process
searches, with the text tower alone when a text is all it has to encode."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import click

from ..config import Config
from ..errors import QueryError
from ..search.fields import FILTERS
from ..search.terms import SORTS
from .options import common_options, opened

log = logging.getLogger(__name__)


@click.command()
@click.argument("q", metavar="[QUERY]", required=False)
@click.option("--like", "like", metavar="PATH_OR_ID", help="Find photos similar to this one.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--offset", default=0, type=click.IntRange(min=0), help="Skip this many results.")
@click.option("--from", "date_from", metavar="DATE", help="Taken on or after (2019-08-03).")
@click.option("--to", "date_to", metavar="DATE", help="Taken on or before (2019-08-31).")
@click.option("--camera", help="Camera make or model contains this.")
@click.option("--folder", help="Below this folder (an absolute path).")
@click.option(
    "--type", "type", metavar="TYPES", help="photo, video, or file types, e.g. jpeg,heic,mp4."
)
@click.option("--place", help="Taken in this city, region or country (any of its names).")
@click.option("--has-location/--no-location", default=None, help="With or without GPS.")
@click.option(
    "--person",
    "person",
    multiple=True,
    metavar="NAME",
    help="With this person in them, by name or id (repeat: with all of them).",
)
@click.option("--min-score", metavar="SCORE", help="Hide matches scoring below (-1 to 1).")
@click.option("--sort", type=click.Choice(SORTS), help="By relevance (default), or date taken.")
@click.option("--literal", is_flag=True, help="Search the words as typed: no places or dates.")
@click.option("--lang", metavar="LANG", help="The query's language (zh, fr ...) for NLLB models.")
@click.option("--json", "as_json", is_flag=True, help="Print results as a JSON list.")
@click.option("--open", "open_", is_flag=True, help="Show the results in an image viewer.")
@click.option(
    "--preview", is_flag=True, help="Small images in the terminal (kitty, iTerm2, sixel)."
)
@click.option(
    "--here", is_flag=True, help="Search in this process even when a server could answer."
)
@common_options(library=False)
def search(config: Config, like, as_json, open_, preview, here, **fields):
    """Search by text, or with --like by an example photo; places and dates in the text
    ("dogs in Lisbon summer 2017") are read as filters unless --literal or quoted."""
    if fields["q"] and like:
        raise click.UsageError("Give a search text or --like PATH_OR_ID, not both.")
    if not fields["q"] and not like and all(fields[name] in (None, "", ()) for name in FILTERS):
        raise click.UsageError("Give a search text, --like PATH_OR_ID, or a filter.")
    if fields["min_score"] is None and fields["sort"] in (None, "relevance"):
        fields["min_score"] = -1.0  # the terminal lists the best matches, whatever they score
    answer = None if here else _asked_a_server(config, fields, like)
    if answer is None:
        with opened(config) as library:
            answer = _searched_here(library, fields, like)
    if answer is None:
        _empty_index_message(as_json)
        return
    hits = answer["results"]
    if as_json:
        click.echo(json.dumps([_as_printed(hit) for hit in hits], indent=2))
        return
    understood = _understood_line(answer)
    if understood:
        click.echo(understood, err=True)
    if not hits:
        click.echo(
            "No photo matches" + (" with these filters." if answer["filters_active"] else ".")
        )
    else:
        _print_hits(config, hits, preview)
    if open_ and hits:
        _open(config, hits)


def _asked_a_server(config: Config, fields: dict, like: str | None) -> dict | None:
    """A running server's answer (the newest that answers), or None."""
    from ..library.running import ask, running_servers

    servers = running_servers(config)
    if not servers:
        return None
    params = [
        (name, _param(each))
        for name, value in fields.items()
        for each in (value if isinstance(value, tuple) else (value,))  # --person, repeated
        if each not in (None, "")
    ]
    params = [(name, value) for name, value in params if value is not None]
    upload = None
    if like:
        if like.isdigit():
            params.append(("like", like))
        else:
            path = Path(like).expanduser()
            try:
                upload = path.read_bytes()
            except OSError:
                return None  # this process words the error
            params.append(("like_path", os.path.abspath(path)))
    for server in servers:
        answer = ask(server, params, upload)
        if answer is not None:
            log.info("Answered by the %s running as process %d", server.kind, server.pid)
            return answer
    return None


def _param(value) -> str | None:
    """A field's value as the web reads it (flags as true/false; a flag not set is left out)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _searched_here(library, fields: dict, like: str | None) -> dict | None:
    """This process's answer, in the shape a server gives; None when nothing is indexed."""
    from ..search.request import Asked, parse_search

    counts = library.counts()
    if counts["photos"] + counts["videos"] == 0:
        return None
    request = parse_search(Asked(fields, _option_names()), **_example(library, like))
    return library.search(request).to_dict()


def _option_names() -> dict[str, str]:
    """Each field as this command's user types it (`--from` for date_from), for the request's
    errors to name."""
    params = click.get_current_context().command.params
    return {"q": "QUERY", **{p.name: p.opts[0] for p in params if isinstance(p, click.Option)}}


def _understood_line(answer: dict) -> str:
    """The interpretation's line, and the phrases to be found written in the photos."""
    interpretation = answer["interpretation"] or {}
    understood = bool(interpretation.get("understood"))
    parts = [interpretation["line"]] if understood else []
    if answer["written"]:
        if not interpretation.get("text") and not understood:
            parts = []
        parts += [f'written "{phrase}"' for phrase in answer["written"]]
    return " · ".join(parts)


def _as_printed(hit: dict) -> dict:
    """A hit as `--json` prints it: a server's answer carries what the web adds for its pages
    too (URLs, alt text)."""
    return {key: value for key, value in hit.items() if not key.endswith("url") and key != "alt"}


def _example(library, like: str | None) -> dict:
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


def _print_hits(config: Config, hits: list[dict], preview: bool) -> None:
    """A line per hit; with --preview, a small image under it where the terminal can."""
    from ..moments import clock
    from ..terminal import inline_image, preview_protocol

    protocol = preview_protocol() if preview else ""
    photos = _photos(config, hits) if protocol else {}
    for hit in hits:
        taken = (hit["taken_at"] or "")[:10] or "-" * 10
        score = "     -" if hit["score"] is None else f"{hit['score']:6.3f}"
        place = f"  ({hit['place']})" if hit["place"] else ""
        written = ""
        if hit["text_match"]:
            lines = hit["text_match"]["lines"]
            written = "  [text: " + " | ".join(line["text"] for line in lines) + "]"
        named = [person["name"] for person in hit.get("people", ()) if person["name"]]
        people = f"  [{', '.join(named)}]" if named else ""
        moment = f"  @ {clock(hit['moment'])}" if hit.get("moment") is not None else ""
        click.echo(
            f"{hit['rank']:>4}  {score}  {taken}  {hit['path']}{moment}{people}{place}{written}"
        )
        if hit["id"] in photos:
            image = _thumbnail_image(config, photos[hit["id"]])
            if image is not None:
                click.echo(inline_image(image, protocol))


def _photos(config: Config, hits: list[dict]) -> dict:
    """The hits' photos as the library has them (their paths as stored, not as printed)."""
    with opened(config) as library:
        return {hit["id"]: photo for hit in hits if (photo := library.photo(hit["id"]))}


def _open(config: Config, hits: list[dict]) -> None:
    """Photos in the image viewer; the best video in a player, at its moment where it can."""
    from ..terminal import open_in_viewer, play_video

    found = _photos(config, hits)
    photos = [found[h["id"]].path for h in hits if h["id"] in found and h["media"] != "video"]
    videos = [h for h in hits if h["id"] in found and h["media"] == "video"]
    if videos:
        play_video(found[videos[0]["id"]].path, videos[0]["moment"], config.video_player)
    opened_paths = open_in_viewer(photos, config.viewer) if photos else []
    if len(opened_paths) < len(photos):
        click.echo(f"Opened the top {len(opened_paths)}; set `viewer` to open them all.", err=True)


def _thumbnail_image(config: Config, photo):
    """The cached 320 px thumbnail (made now if missing), or None if the photo is unreadable."""
    from PIL import Image

    from ..imaging.decoder import DecodeError
    from ..imaging.thumbnails import SIZES, thumbnail

    try:
        return Image.open(thumbnail(photo, SIZES["thumbnail"], config))
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
