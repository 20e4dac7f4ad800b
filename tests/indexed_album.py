"""The sample photos indexed once per test session and database, then copied into each test
that starts from an indexed library: indexing the 31 files again would cost seconds a test.

The photos lie at one path for the whole session (photo_tree copies them there afresh for
every test), so the paths the session's index stored are the test's paths."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from photosearch.config import Config
from photosearch.library import PhotoLibrary

from .postgres import ALBUM

PARTS = ("photos", "edge", "bad")  # the sample tree's folders that make the album


def fresh_album(source: Path, folder: Path) -> Path:
    """`folder`/Photos: new copies of the sample photos, edge cases and bad files, with their
    times kept (so an index of an earlier copy finds them unchanged)."""
    shutil.rmtree(folder, ignore_errors=True)
    root = folder / "Photos"
    for part in PARTS:
        shutil.copytree(source / part, root / part)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # a PHOTOSEARCH_TEST_DATA may be read-only
    return root


class IndexedAlbum:
    """Builds, on first use per database, the index of the album, and copies it for a test."""

    def __init__(self, source: Path, folder: Path, store: Path, embedder):
        self.source, self.folder, self.store = source, folder, store
        self.embedder = embedder
        self._built: set[str] = set()

    def copy_into(self, config: Config, postgres=None) -> None:
        """Fill `config`'s empty data dir (and database, on PostgreSQL) with the index."""
        kind = "postgresql" if postgres else "sqlite"
        if kind not in self._built:
            self._build(kind, config, postgres)
            self._built.add(kind)
        shutil.copytree(self.store / kind, config.data_dir, dirs_exist_ok=True)
        if postgres:
            postgres.replace_database(config.database_url, template=ALBUM)

    def _build(self, kind: str, like: Config, postgres) -> None:
        database_url = postgres.create_database(ALBUM) if postgres else ""
        config = dataclasses.replace(like, data_dir=self.store / kind, database_url=database_url)
        library = PhotoLibrary(config, embedder=self.embedder)
        try:
            library.index([fresh_album(self.source, self.folder)])
        finally:
            library.close()
