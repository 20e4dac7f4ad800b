"""A library's running servers: `serve` and `watch` say where they answer searches (a file of
the data dir, readable by its owner alone), and a search from the terminal asks one of them
instead of loading anything: an answer in the time of an HTTP request on loopback. Whatever
goes wrong (no server, a stale file, another model or database, no answer in time) means no
answer, and the caller searches by itself. Light on purpose: the standard library only."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import logging
import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from ..config import Config
from ..model.loading import identity_key, local_weights, parse_model

log = logging.getLogger(__name__)
FOLDER = "running"
CONNECT_TIMEOUT = 0.5  # seconds: a server on this machine accepts at once, or is not there
ANSWER_TIMEOUT = 10.0  # a search takes milliseconds; a server this slow is stuck or swamped


@dataclass(frozen=True)
class Server:
    """What a running `serve` or `watch` wrote of itself."""

    pid: int
    url: str  # on loopback, or the address it listens on
    token: str  # to present; "" when it asks for none
    database: str  # a digest of its database URL
    model: str  # the key of the model it searches with
    explicit_model: bool  # set by a flag, the environment or the config file
    kind: str  # "serve" or "watch"


def new_token() -> str:
    return secrets.token_urlsafe(24)


@contextlib.contextmanager
def announced(config: Config, url: str, token: str, model_key: str, kind: str) -> Iterator[Server]:
    """While the block runs, searches of this library from the terminal may ask `url`."""
    server = Server(
        os.getpid(), url, token, _digest(config), model_key, bool(config.model_source), kind
    )
    path = config.data_dir / FOLDER / f"{server.pid}-{kind}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_private(path, json.dumps(asdict(server)))
    except OSError as exc:  # a read-only data dir: searches from the terminal load the model
        log.warning("Searches from the terminal cannot find this %s: %s", kind, exc)
    try:
        yield server
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def running_servers(config: Config) -> list[Server]:
    """The live servers of this library (its database) and model, newest first; the files of
    processes gone are removed on the way."""
    folder = config.data_dir / FOLDER
    try:
        paths = sorted(folder.glob("*.json"), key=_mtime, reverse=True)
    except OSError:
        return []
    wanted = _model_key(config)
    found = []
    for path in paths:
        try:
            server = Server(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            continue
        if not _alive(server.pid):
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        same_model = server.model == wanted if wanted is not None else not server.explicit_model
        if server.database == _digest(config) and same_model:
            found.append(server)
    return found


def ask(server: Server, params: list[tuple[str, str]], upload: bytes | None = None) -> dict | None:
    """The server's answer to /api/search with these parameters (and a query photo), or None
    when it gives none: not there, no answer in time, or an error of any kind."""
    parts = urlsplit(server.url)
    headers = {"Authorization": f"Bearer {server.token}"} if server.token else {}
    target = "/api/search?" + urlencode(params)
    body = None
    if upload is not None:
        boundary = uuid.uuid4().hex
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        body = _multipart(boundary, upload)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=CONNECT_TIMEOUT)
    try:
        connection.connect()
        connection.sock.settimeout(ANSWER_TIMEOUT)
        connection.request("POST" if body else "GET", target, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            log.info("The server at %s answered %s; searching here", server.url, response.status)
            return None
        return json.loads(data)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        log.info("No answer from the server at %s (%s); searching here", server.url, exc)
        return None
    finally:
        connection.close()


def _multipart(boundary: str, upload: bytes) -> bytes:
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="photo"; filename="query"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + upload + f"\r\n--{boundary}--\r\n".encode()


def _model_key(config: Config) -> str | None:
    """The key of the model set for this command; None when none is (the library's own), ""
    when it cannot be known here (a missing file: the search itself reports it)."""
    if not config.model_source:
        return None
    try:
        spec = parse_model(config.model, config, check=False)
        if spec.checkpoint is not None and local_weights(spec) is None:
            return ""
        return identity_key(spec, config)
    except Exception:  # noqa: BLE001 - a bad model name is for the real search to report
        return ""


def _digest(config: Config) -> str:
    return hashlib.sha256(config.resolved_database_url.encode()).hexdigest()[:16]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: not one of ours to ask
        return False
    return True


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _write_private(path: Path, text: str) -> None:
    """The file holds the token: only its owner may read it, from the moment it exists."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)
