"""Start `manage.py serve` as a user would, in a subprocess on a free port, and wait for it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(data_dir: Path, model: str, **settings: str) -> dict[str, str]:
    """The environment without the caller's PHOTOSEARCH_ settings, plus these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOSEARCH_")}
    env.update(PHOTOSEARCH_HOME=str(data_dir), PHOTOSEARCH_MODEL=model)
    env.update(PHOTOSEARCH_RUNTIME="torch", PHOTOSEARCH_PRECISION="fp32")
    env.update({f"PHOTOSEARCH_{name.upper()}": value for name, value in settings.items()})
    return env


@contextlib.contextmanager
def running_server(env: dict[str, str], log: Path, *args: str, photos: int | None = None):
    """Yield the base URL once /api/status answers (with `photos` photos, if given); the
    server's standard error and output go to `log`. Stopped with SIGTERM afterwards."""
    with server_process(env, log, *args, photos=photos) as (base, _):
        yield base


@contextlib.contextmanager
def server_process(
    env: dict[str, str], log: Path, *args: str, photos: int | None = None, repo: Path = REPO
):
    """As running_server, yielding the base URL and the server's Popen (to watch its memory);
    `repo`: the checkout whose manage.py serves (a benchmark's baseline)."""
    port = free_port()
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, str(repo / "manage.py"), "serve", "--port", str(port), *args],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/api/status", timeout=2) as response:
                    assert photos is None or json.load(response)["photos"] == photos
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the server did not start:\n" + log.read_text()) from None
                time.sleep(0.3)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextlib.contextmanager
def watching(env: dict[str, str], folder: Path, stop: int = signal.SIGTERM):
    """`manage.py watch FOLDER` as a user starts it, yielded once it says it is watching;
    stopped with `stop` afterwards (SIGINT: as Ctrl-C)."""
    watcher = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "watch", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in watcher.stdout:
            if line.startswith("Watching"):
                break
        yield watcher
    finally:
        watcher.send_signal(stop)
        watcher.wait(timeout=30)
