"""A throwaway PostgreSQL server for the tests: Debian's `postgresql` binaries, a cluster in a
temporary folder, listening on a free port of 127.0.0.1 and a socket in that folder. PostgreSQL
refuses to run as root, so under root (CI) it runs as the `postgres` system user."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from photosearch.store.database import create_store_engine, upgrade

TEMPLATE = "photosearch_template"  # migrated once; each test's database is a copy of it
ALBUM = "photosearch_album"  # the sample album indexed once (indexed_album.py); copied likewise
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"  # data is throwaway


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, or Debian's newest /usr/lib/postgresql/N."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    folders = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    newest = max(folders, key=lambda path: int(path.split("/")[4]), default=None)
    return Path(newest).parent if newest else None


class PostgresServer:
    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="photosearch-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "log"  # the server's output: never a pipe it would hold open
        self.port = _free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self._names = itertools.count(1)

    def start(self) -> PostgresServer:
        if self.as_user:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} {FAST}"
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "start")
        self.create_database(TEMPLATE, template="template0")
        engine = create_store_engine(self.url(TEMPLATE))
        upgrade(engine)
        engine.dispose()
        return self

    def restart(self) -> None:
        """Ends every session, as a server restarted by its administrator does."""
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None, template: str = TEMPLATE) -> str:
        """A new database, a copy of the migrated template unless told otherwise; its URL."""
        name = name or f"test_{next(self._names)}"
        self._admin(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
        return self.url(name)

    def replace_database(self, url: str, template: str) -> None:
        """The database at `url` becomes a copy of `template`."""
        self.drop_database(url)
        self.create_database(url.rsplit("/", 1)[1], template=template)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def _admin(self, statement) -> None:
        address = {"host": "127.0.0.1", "port": self.port, "user": "postgres"}
        with psycopg.connect(dbname="postgres", autocommit=True, **address) as connection:
            connection.execute(statement)

    def _run(self, program: str, *args) -> None:
        command = [*self.as_user, str(self.bin_dir / program), *map(str, args)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed: {result.stderr or result.stdout}\n{tail}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
