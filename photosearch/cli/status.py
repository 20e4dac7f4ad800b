"""Commands that report on the library: `status`, `models` and `errors`."""

from __future__ import annotations

import json

import click

from ..indexing import passes
from ..library import PhotoLibrary, display_path
from .options import common_options
from .progress import other_models_line


@click.command()
@click.option("--json", "as_json", is_flag=True)
@common_options()
def status(library: PhotoLibrary, as_json):
    """Photos indexed, failures, model, device and index size."""
    report = library.status()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    rows = [
        ("photos", report["photos"]),
        ("videos", report["videos"]),
        ("failed", report["failed"]),
        ("places", _places_line(report["places"])),
        *((p.name, p.status_line(report[p.name])) for p in passes.registered()),
        *_face_model_rows(report),
        ("model", f"{report['model']} ({report['model_key'] or 'weights not found'})"),
        ("why", report["model_reason"]),
        *([("reads", report["languages"])] if report["languages"] else []),
        ("weights", report["weights"] or "not found locally (see: photosearch models)"),
        ("vectors", _vectors_line(report)),
        ("device", report["device"]),
        ("runtime", report["runtime"]["summary"]),
        ("decoding", _decoding_line(report["decoding"])),
        ("data dir", report["data_dir"]),
        ("database", report["database"]),
        ("index", f"{report['index_state']}, {report['index_bytes'] / 1e6:.1f} MB"),
    ]
    for label, value in rows:
        click.echo(f"{label:<10} {value}")


def _face_model_rows(report: dict) -> list[tuple[str, str]]:
    """A row when some photos' faces are another face model's than the configured one."""
    photos = report["faces_of_other_models"]
    if not photos:
        return []
    return [("", other_models_line(photos, report["faces"]["face_model"]))]


def _decoding_line(decoding: dict) -> str:
    setting = "auto" if decoding["auto"] else "set"
    return (
        f"at most {decoding['budget_mb']:.0f} MB of images at once (decode_memory_mb, "
        f"{setting}); uploads up to {decoding['max_upload_pixels'] / 1e6:g} MP "
        "(max_upload_pixels)"
    )


def _places_line(places: dict) -> str:
    line = f"{places['with_place']} photos with a place ({places['with_gps']} with GPS)"
    if places["places_pending"]:
        line += f"; {places['places_pending']} not named yet (the next index or search does)"
    return line


@click.command()
@click.option("--json", "as_json", is_flag=True)
@common_options(skip=("runtime", "precision"))
def models(library: PhotoLibrary, as_json):
    """Model presets and face models, and whether their files are on this machine."""
    rows, faces = library.presets(), library.face_models()
    if as_json:
        click.echo(json.dumps(rows + faces, indent=2))
        return
    for row, name, under, where in _listed(rows):
        click.echo(f"{name} {row['description']}")
        click.echo(f"{under} {row['arch']} / {row['weights']}: {where}")
        for repository, found in _hugging_face(row["hugging_face"]).items():
            click.echo(f"{under} Hugging Face {repository}: {found}")
        figures = f"; {row['figures_line']}" if row["figures_line"] else ""
        click.echo(f"{under} reads {row['languages']}{figures}")
    click.echo(
        "Also: any open_clip ARCH:TAG or ARCH:/path/to/checkpoint, or a Chinese-CLIP folder as "
        "ChineseCLIP-ViT-B-16:/path/to/folder (see docs/models.md)."
    )
    sources = dict.fromkeys(row["figures_source"] for row in rows if row["figures_source"])
    for source in sources:
        click.echo(f"Figures: {source}.")
    click.echo("Face models (face_model; see docs/faces.md):")
    for row, name, under, where in _listed(faces):
        click.echo(f"{name} {row['dimension']} numbers a face: {where}")
        click.echo(f"{under} {row['description']}")


def _listed(rows: list[dict]):
    """Each row; its name column (`*` when selected); the blank column under it; and where its
    files are, or that they are not found locally."""
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        mark = "*" if row["selected"] else " "
        where = row["location"] if row["available"] else "not found locally"
        yield row, f"{mark} {row['name']:<{width}}", f"  {'':<{width}}", where


def _hugging_face(parts: dict) -> dict[str, str]:
    """Each repository once: `config.json, tokenizer: /its/folder` or `... not found locally`."""
    shown: dict[str, list[str]] = {}
    for part, where in parts.items():
        shown.setdefault(where["repository"], []).append(
            f"{'config.json' if part == 'model' else part}: {where['folder'] or 'not found'}"
        )
    return {repository: "; ".join(found) for repository, found in shown.items()}


@click.command()
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many.")
@click.option("--json", "as_json", is_flag=True)
@common_options(skip=("runtime", "precision"))
def errors(library: PhotoLibrary, limit, as_json):
    """Files that could not be indexed, and why; photos whose text could not be read."""
    failures = library.failures(limit)
    if as_json:
        click.echo(json.dumps([failure.to_dict() for failure in failures], indent=2))
        return
    if not failures:
        click.echo("No recorded failures.")
    for failure in failures:
        click.echo(f"{failure.kind:<12} {display_path(failure.path)}: {failure.message}")


def _vectors_line(report: dict) -> str:
    """Items with vectors, and a video's kept scenes beside them when there are videos."""
    scenes = report["frames"] - report["vectors"]
    return f"{report['vectors']}" + (f" (and {scenes} more video scenes)" if scenes else "")
