"""Command line: argument handling and printing only; the work happens in PhotoLibrary."""

from __future__ import annotations

import functools
import json
import logging
import sys
import time
from datetime import datetime
from pathlib import Path

import click

from .audit.tasks import OFFICIAL_TASKS, SYNTHETIC_TASKS
from .config import PRECISIONS, RUNTIMES, Config
from .errors import PhotosearchError, QueryError
from .indexing import passes
from .library import PhotoLibrary
from .progress import Progress
from .search.terms import SORTS
from .store import display_path

PROBE_TOP_K = 20

SETTING_OPTIONS = {
    "data_dir": click.option(
        "--data-dir", type=click.Path(path_type=Path), help="Where the index lives."
    ),
    "model": click.option(
        "--model", help="Preset (clip, clip-laion, negclip), ARCH:TAG or ARCH:/file."
    ),
    "device": click.option(
        "--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Where to run."
    ),
    "runtime": click.option(
        "--runtime",
        type=click.Choice(RUNTIMES),
        help="How the model runs: auto (fastest measured here), torch or onnx.",
    ),
    "precision": click.option(
        "--precision",
        type=click.Choice(PRECISIONS),
        help="auto, fp32, bf16, fp16 (CUDA) or int8 (onnx; opt-in, its cosine is shown).",
    ),
    "batch_size": click.option(
        "--batch-size", type=click.IntRange(min=1), help="Images per model call."
    ),
    "offline": click.option(
        "--offline", is_flag=True, default=None, help="Never download weights."
    ),
}


def pass_options(command):
    """Each content pass's on/off flag (--SETTING/--no-SETTING), as the pass words it."""
    for content_pass in reversed(passes.registered()):
        if content_pass.setting:
            flag = content_pass.setting.replace("_", "-")
            command = click.option(
                f"--{flag}/--no-{flag}", default=None, help=content_pass.setting_help
            )(command)
    return command


def reread_options(command):
    """--reread-NAME for each content pass: read again what an older version of it read."""
    for content_pass in reversed(passes.registered()):
        name = content_pass.name
        option = click.option(
            f"--reread-{name}", f"reread_{name}", is_flag=True, help=content_pass.reread_help
        )
        command = option(command)
    return command


RAY_OPTION = click.option(
    "--ray",
    "ray_address",
    metavar="ADDRESS",
    help="Read and embed on a Ray cluster: auto, local or ray://HOST:10001.",
)


def common_options(skip: tuple[str, ...] = ()):
    """Settings every command accepts (but those in skip); unset flags fall back to the
    environment, the config file and the defaults. The command receives a PhotoLibrary."""

    def decorate(command):
        for name, option in reversed(SETTING_OPTIONS.items()):
            if name not in skip:
                command = option(command)
        command = click.option("-v", "--verbose", is_flag=True, help="Log what happens.")(command)

        @functools.wraps(command)
        def wrapper(verbose, **kwargs):
            logging.basicConfig(
                level=logging.INFO if verbose else logging.WARNING,
                format="%(levelname)s %(name)s: %(message)s",
            )
            settings = {
                name: kwargs.pop(name, None) for name in SETTING_OPTIONS if name not in skip
            }
            config = Config.load(
                **settings,
                exclude=kwargs.pop("exclude", None) or None,  # no --exclude: keep env/file value
                include_hidden=kwargs.pop("include_hidden", None),
                ray_address=kwargs.pop("ray_address", None),
                **{
                    p.setting: kwargs.pop(p.setting, None) for p in passes.registered() if p.setting
                },
            )
            library = PhotoLibrary.open(config)
            try:
                return command(library, **kwargs)
            finally:
                library.close()

        return wrapper

    return decorate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="photosearch")
def cli():
    """photosearch: find your photos by describing them."""


@cli.command()
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
    summary = library.index(list(folders), progress, reread=reread)
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
    if summary.failed:
        click.echo("See why files failed: photosearch errors")


@cli.command()
@click.argument("query", required=False)
@click.option("--like", "like", metavar="PATH_OR_ID", help="Find photos similar to this one.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--offset", default=0, type=click.IntRange(min=0), help="Skip this many results.")
@click.option("--from", "date_from", metavar="DATE", help="Taken on or after (2019-08-03).")
@click.option("--to", "date_to", metavar="DATE", help="Taken on or before (2019-08-31).")
@click.option("--camera", help="Camera make or model contains this.")
@click.option("--folder", help="Below this folder (an absolute path).")
@click.option("--type", "type_", metavar="TYPES", help="File types, e.g. jpeg,heic,raw.")
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
def search(library: PhotoLibrary, query, like, limit, offset, date_from, date_to, camera,
           folder, type_, place, has_location, min_score, sort, literal, as_json, open_,
           preview):  # fmt: skip
    """Search by text, or with --like by an example photo; places and dates in the text
    ("dogs in Lisbon summer 2017") are read as filters unless --literal or quoted."""
    from .search.request import parse_search

    if query and like:
        raise click.UsageError("Give a search text or --like PATH_OR_ID, not both.")
    args = {
        "q": query, "date_from": date_from, "date_to": date_to, "camera": camera,
        "folder": folder, "type": type_, "place": place, "min_score": min_score, "sort": sort,
        "has_location": None if has_location is None else str(has_location).lower(),
        "literal": "true" if literal else None,
        "limit": str(limit), "offset": str(offset),
    }  # fmt: skip
    if min_score is None and sort in (None, "relevance"):
        args["min_score"] = "-1"  # the terminal lists the best matches, whatever they score
    if not query and not like and not any(args[key] for key in FILTER_OPTIONS):
        raise click.UsageError("Give a search text, --like PATH_OR_ID, or a filter.")
    if library.store.counts()["photos"] == 0:
        _empty_index_message(as_json)
        return
    request = parse_search(args, **_example(library, like))
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
        from .terminal import open_in_viewer

        opened = open_in_viewer([hit.photo.path for hit in hits], library.config.viewer)
        if len(opened) < len(hits) and not as_json:
            click.echo(f"Opened the top {len(opened)}; set `viewer` to open them all.", err=True)


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
    photo = library.searcher.indexed_photo(like)
    if photo is not None:
        return {"like": photo.id}
    path = Path(like).expanduser()
    try:
        return {"upload": path.read_bytes()}
    except OSError as exc:
        raise QueryError(f"Cannot read the query photo {path}: {exc.strerror or exc}.") from None


FILTER_OPTIONS = ("date_from", "date_to", "camera", "folder", "type", "place", "has_location")


def _print_hits(library: PhotoLibrary, hits, preview: bool) -> None:
    """A line per hit; with --preview, a small image under it where the terminal can."""
    from .terminal import inline_image, preview_protocol

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

    from .imaging.decoder import DecodeError
    from .imaging.thumbnails import SIZES, thumbnail

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


@cli.command()
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
        ("failed", report["failed"]),
        ("places", _places_line(report["places"])),
        *((p.name, p.status_line(report[p.name])) for p in passes.registered()),
        ("model", f"{report['model']} ({report['model_key'] or 'weights not found'})"),
        ("why", report["model_reason"]),
        ("weights", report["weights"] or "not found locally (see: photosearch models)"),
        ("vectors", report["vectors"]),
        ("device", report["device"]),
        ("runtime", report["runtime"]["summary"]),
        ("decoding", _decoding_line(report["decoding"])),
        ("data dir", report["data_dir"]),
        ("database", report["database"]),
        ("index", f"{report['index_state']}, {report['index_bytes'] / 1e6:.1f} MB"),
    ]
    for label, value in rows:
        click.echo(f"{label:<10} {value}")


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


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@common_options(skip=("runtime", "precision"))
def models(library: PhotoLibrary, as_json):
    """Model presets, and whether their weights are on this machine."""
    rows = library.presets()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        mark = "*" if row["selected"] else " "
        where = row["location"] if row["available"] else "not found locally"
        click.echo(f"{mark} {row['name']:<11} {row['description']}")
        click.echo(f"  {'':<11} {row['arch']} / {row['weights']}: {where}")
    click.echo("Also: any open_clip ARCH:TAG or ARCH:/path/to/checkpoint (see README).")


@cli.command()
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many.")
@click.option("--json", "as_json", is_flag=True)
@common_options(skip=("runtime", "precision"))
def errors(library: PhotoLibrary, limit, as_json):
    """Files that could not be indexed, and why; photos whose text could not be read."""
    failures = library.store.failures(limit)
    for content_pass in passes.registered():
        failures += content_pass.failures(
            library.store, None if limit is None else limit - len(failures)
        )
    if as_json:
        click.echo(json.dumps([failure.to_dict() for failure in failures], indent=2))
        return
    if not failures:
        click.echo("No recorded failures.")
    for failure in failures:
        click.echo(f"{failure.kind:<12} {display_path(failure.path)}: {failure.message}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--watch",
    "watched",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Also keep this folder's index live (repeatable).",
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1, 256),
    help="Requests served at a time.",
)  # fmt: skip
@click.option("--dev", is_flag=True, help="Flask's development server instead of waitress.")
@common_options()
def serve(library: PhotoLibrary, host, port, watched, threads, dev):
    """Search in the browser (and a JSON API), with the model loaded once and kept warm."""
    from .indexing.watcher import Watcher
    from .web import check_bind, create_app, warm_up
    from .web.server import configure_logging, run_production

    check_bind(host, library.config)
    configure_logging()
    log = logging.getLogger("photosearch.server")
    app = create_app(library.config, library)
    warm_up(library)
    if watched:
        _print_summary(library.index(list(watched)))
        Watcher(library, list(watched), on_update=_print_summary).start()
    shown = f"[{host}]" if ":" in host else host
    embedder = library.embedder
    log.info("model %s on %s (%s)", embedder.identity.key, embedder.device, embedder.runtime)
    log.info(
        "%d photos indexed; data dir %s", library.store.counts()["photos"], library.config.data_dir
    )
    server = "Flask's development server" if dev else f"waitress, {threads} threads"
    log.info("serving http://%s:%d/ with %s; stop with Ctrl-C", shown, port, server)
    if dev:
        app.run(host, port, threaded=True, use_reloader=False, debug=False)
    else:
        run_production(app, host, port, threads)


@cli.command()
@click.option("--repair", is_flag=True, help="Fix what the check finds.")
@click.option("--json", "as_json", is_flag=True)
@common_options(skip=("model", "runtime", "precision"))
def check(library: PhotoLibrary, repair, as_json):
    """Do the database and the vector indexes agree, and are the files still there?"""
    from .consistency import check as run_check
    from .consistency import repair as run_repair

    report = run_check(library.store, library.config)
    if repair:
        lock = library.store.writer_lock().acquire()
        try:
            report = run_repair(library.store, library.config, report)
        finally:
            lock.release()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        click.echo(f"photos {report.photos}, recorded failures {report.failed}")
        for model in report.models:
            click.echo(
                f"model {model.key}: {model.vectors} vectors in the database, index "
                f"{model.index_state}"
                + (f" ({model.index_vectors})" if model.index_vectors is not None else "")
            )
        if report.broken_vectors:
            click.echo(f"{len(report.broken_vectors)} vectors with no photo or of the wrong size")
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


@cli.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--exclude", multiple=True, help="Skip files or folders matching this glob.")
@click.option("--include-hidden", is_flag=True, default=None, help="Also index dot-files.")
@pass_options
@RAY_OPTION
@common_options()
def watch(library: PhotoLibrary, folders):
    """Index folders, then keep the index live as files change, until Ctrl-C."""
    from .indexing.watcher import Watcher

    _print_summary(library.index(list(folders)))
    watcher = Watcher(library, list(folders), on_update=_print_summary).start()
    how = "by polling (watch limit reached)" if watcher.polling else "for changes"
    click.echo(f"Watching {', '.join(map(str, folders))} {how}. Stop with Ctrl-C.")
    try:
        while True:
            time.sleep(3600)
    finally:
        watcher.stop()


def _print_summary(summary) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    click.echo(
        f"{stamp} new {summary.new}, changed {summary.changed}, moved {summary.moved}, "
        f"deleted {summary.deleted}, failed {summary.failed}, embedded {summary.embedded}"
    )


@cli.command("rebuild-index")
@click.option("--all", "every_model", is_flag=True, help="Every model in the database.")
@common_options(skip=("runtime", "precision"))
def rebuild_index(library: PhotoLibrary, every_model):
    """Rebuild the vector index from the database (exact or approximate, as configured)."""
    from .store import VectorIndex

    # On PostgreSQL the FAISS file is this machine's own cache of the shared database:
    # rebuilding it writes nothing the others use, so it runs while they index.
    lock = None if library.store.shared else library.store.writer_lock().acquire()
    try:
        models = library.store.models() if every_model else [library.known_model()]
        for model in models:
            started = time.perf_counter()
            index = VectorIndex(library.config, model)
            index.rebuild(library.store)
            index.save(model.vectors_version)
            click.echo(
                f"{model.key}: {index.kind} index of {index.size} vectors in "
                f"{time.perf_counter() - started:.1f} s ({index.path})"
            )
    finally:
        if lock is not None:
            lock.release()


@cli.command("finetune-negclip")
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    required=True,
    help="COCO captions JSON, a CSV (filename, caption), or a folder with captions.csv.",
)
@click.option(
    "--images",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder the image names are relative to (default: the data file's).",
)
@click.option(
    "--base",
    help="Model to start from (default: the configured model); with --from-scratch, an "
    "open_clip architecture is enough.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Checkpoint to write; an unfinished one there is resumed.",
)
@click.option("--epochs", default=5, show_default=True, type=click.IntRange(min=1))
@click.option("--batch-size", default=256, show_default=True, type=click.IntRange(min=2))
@click.option("--lr", default=1e-6, show_default=True, type=float, help="Peak learning rate.")
@click.option("--warmup", default=50, show_default=True, type=click.IntRange(min=0))
@click.option("--plain", is_flag=True, help="No hard negatives: plain CLIP training.")
@click.option("--from-scratch", is_flag=True, help="Random weights of the base architecture.")
@click.option("--fresh", is_flag=True, help="Start over even if --out holds an unfinished run.")
@click.option("--seed", default=0, show_default=True)
@common_options(skip=("model", "batch_size", "runtime", "precision"))
def finetune_negclip(library: PhotoLibrary, data, images, base, out, epochs, batch_size, lr,
                     warmup, plain, from_scratch, fresh, seed):  # fmt: skip
    """Fine-tune the search model with NegCLIP's hard negatives (or train plain CLIP)."""
    from .model.loading import resolve_device, training_architecture, untrained_model
    from .negclip.data import load_pairs
    from .negclip.train import Trainer, TrainSettings

    base = base or library.config.model
    pairs = load_pairs(data, images)
    if from_scratch:
        arch = training_architecture(base, library.config)
        loaded = untrained_model(arch, resolve_device(library.config.device), seed)
    else:
        loaded = library.load_embedder(base).loaded
    device = next(loaded.model.parameters()).device.type
    settings = TrainSettings(epochs=epochs, batch_size=min(batch_size, len(pairs)),
                             learning_rate=lr, warmup_steps=warmup, hard_negatives=not plain,
                             seed=seed, workers=library.config.decode_workers)  # fmt: skip
    trainer = Trainer(loaded, pairs, settings, device)
    click.echo(f"{len(pairs)} pairs, {len(trainer.images)} images; training on {device}", err=True)
    trainer.prepare()
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(unit="step", dynamic_ncols=True)

    def on_step(step: int, total: int, loss: float) -> None:
        if bar is not None:
            bar.total = total
            bar.n = step
            bar.set_postfix(loss=f"{loss:.3f}")

    result = trainer.train(out, resume=not fresh, on_step=on_step)
    if bar is not None:
        bar.close()
    name = f"{loaded.spec.arch}:{out.resolve()}"
    last = f"{result.losses[-1]:.3f}" if result.losses else "n/a (already finished)"
    click.echo(f"Trained {result.steps} steps (from step {result.resumed_from}); last loss {last}.")
    click.echo(f"Search with it: --model {name}")
    click.echo(f"Audit it: photosearch audit-compositionality --model {name}")


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


@cli.command("audit-compositionality")
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
    from .audit.datasets import missing_files
    from .audit.download import download_task_files
    from .audit.report import render_table, report_json, write_items
    from .audit.run import check_files, run_audit, synthetic_dir

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
    from .audit.probe import BUILTIN_PAIRS, probe_pairs
    from .audit.report import render_probe

    output = []
    for name in models:
        view = library.for_model(name)
        if view.store.counts(view.model.id)["vectors"] == 0:
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


class TqdmProgress(Progress):
    def __init__(self, unit: str = "photo"):
        self.unit = unit

    def start(self, total: int, label: str = "") -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=label or None, unit=self.unit, dynamic_ncols=True)

    def advance(self, count: int = 1) -> None:
        self.bar.update(count)

    def close(self) -> None:
        self.bar.close()


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
