"""The `serve` command: the web app and its JSON API, on waitress (or Flask's server)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ..library import PhotoLibrary
from .options import common_options
from .progress import print_update


@click.command()
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
    from ..indexing.watcher import Watcher
    from ..library.running import announced
    from ..web import check_bind, create_app, warm_up
    from ..web.server import Server, configure_logging

    config = library.config
    check_bind(host, config)
    configure_logging()
    log = logging.getLogger("photosearch.server")
    app = create_app(config, library)
    warm_up(library)
    if watched:
        print_update(library.index(list(watched)))
        Watcher(library, list(watched), on_update=print_update).start()
    embedder = library.embedder
    log.info("model %s on %s (%s)", embedder.identity.key, embedder.device, embedder.runtime)
    counts = library.counts()
    videos = f" and {counts['videos']} videos" if counts["videos"] else ""
    log.info("%d photos%s indexed; data dir %s", counts["photos"], videos, config.data_dir)
    if dev:
        url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        log.info("serving %s/ with Flask's development server; stop with Ctrl-C", url)
        with announced(config, url, config.access_token, embedder.identity.key, "serve"):
            app.run(host, port, threaded=True, use_reloader=False, debug=False)
        return
    server = Server(app, host, port, threads)
    shown = f"[{server.host}]" if ":" in server.host else server.host
    log.info(
        "serving http://%s:%d/ with waitress, %d threads; stop with Ctrl-C",
        shown, server.port, threads,
    )  # fmt: skip
    with announced(
        config, server.loopback_url, config.access_token, embedder.identity.key, "serve"
    ):
        server.serve()
