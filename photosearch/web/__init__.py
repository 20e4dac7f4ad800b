"""The web app: search page, photo pages, near-duplicates and a JSON API over PhotoLibrary."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import ipaddress
import secrets
from collections.abc import Iterator
from importlib.resources import files

from flask import Flask

from ..config import Config
from ..errors import ConfigError
from ..library import PhotoLibrary


def templates_dir() -> str:
    return str(files("photosearch.templates"))


def create_app(config: Config, library: PhotoLibrary | None = None) -> Flask:
    """Build the app; the library (and its model) is created once and shared by all requests."""
    from . import api, auth, errors, language, media, pages, people, people_pages

    app = Flask(__name__, template_folder=templates_dir(), static_folder="static")
    app.config["LIBRARY"] = library or PhotoLibrary(config)
    app.config["ACCESS_TOKEN"] = config.access_token
    app.config["SECRET_KEY"] = (
        hashlib.sha256(b"photosearch-session:" + config.access_token.encode()).hexdigest()
        if config.access_token
        else secrets.token_hex(32)
    )
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024  # uploads of a query photo
    app.json.sort_keys = False  # a hit reads rank and score first, as `search --json` prints it
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    language.install(app, config.web_language)
    auth.install(app)
    errors.install(app)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(people_pages.blueprint)
    app.register_blueprint(api.blueprint, url_prefix="/api")
    app.register_blueprint(people.blueprint, url_prefix="/api")
    app.register_blueprint(media.blueprint, url_prefix="/media")
    return app


def warm_up(library: PhotoLibrary) -> None:
    """Load the model, the vector index, the library's places and the query interpreter's
    language data now, so the first query does not wait for them."""
    from ..search.interpret import warm_up as warm_up_interpreter

    library.embedder.embed_texts(["warm up"])  # first: the searcher then encodes with it
    library.searcher.index  # noqa: B018 - the property loads (or rebuilds) the FAISS index
    library.known_places()  # names the places of a library indexed before, once
    warm_up_interpreter()


@contextlib.contextmanager
def answering_searches(library: PhotoLibrary) -> Iterator[None]:
    """While the block runs (a `watch`), searches from this machine's terminal are answered
    here, with what this process has loaded: the API on a free loopback port, behind a token
    of its own that only the data dir's owner can read."""
    from ..library.running import announced, new_token
    from .server import Server

    token = new_token()
    app = create_app(dataclasses.replace(library.config, access_token=token), library)
    server = Server(app, "127.0.0.1", 0, threads=2).start()
    try:
        model = library.known_model().key
        with announced(library.config, server.loopback_url, token, model, "watch"):
            yield
    finally:
        server.stop()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, config: Config) -> None:
    """Refuse to serve photos to the network without an access token."""
    if not is_loopback(host) and not config.access_token:
        raise ConfigError(
            f"Refusing to listen on {host}: anyone who can reach this machine could browse your "
            "photos. Set an access token first (PHOTOSEARCH_ACCESS_TOKEN, or access_token in "
            "config.toml); then every request must carry it. Or keep the default 127.0.0.1."
        )
