"""Shared fixtures: a tiny random-weights open_clip model saved as a real checkpoint, copies of
the test photos (built from scikit-image's sample images once per session, see sample_data.py),
and a library on a fresh data dir for every test: on SQLite, and also on PostgreSQL in the
modules marked `both_databases`; `indexed_library` starts from a copy of the photos' index,
built once per session (indexed_album.py).

Nothing heavy is imported at the top: a unit test loads neither torch nor the sample photos
unless it asks for them; the fixtures import what they need when a test requests them."""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .cli_runner import run_in_process

if TYPE_CHECKING:
    from photosearch.config import Config
    from photosearch.model.embedder import Embedder

REPO = Path(__file__).resolve().parents[1]


@functools.cache
def test_data() -> Path:
    """The sample tree: PHOTOSEARCH_TEST_DATA (a tree sample_data.build wrote, to test on
    instead), or built on first use into a temporary folder removed at exit."""
    if os.environ.get("PHOTOSEARCH_TEST_DATA"):
        return Path(os.environ["PHOTOSEARCH_TEST_DATA"])
    from . import sample_data

    root = Path(tempfile.mkdtemp(prefix="photosearch-test-data-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return sample_data.build(root)


def __getattr__(name: str):
    """`from ..conftest import TEST_DATA` builds the sample tree then, not at every import of
    this file: some test modules read photos' bytes at import, unit tests mostly need none."""
    if name == "TEST_DATA":
        return test_data()
    raise AttributeError(name)


def pytest_generate_tests(metafunc):
    """Tests of a `both_databases` module that build a config run once per database."""
    if "database_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_databases"
    ):
        metafunc.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the whole session, started on first use."""
    from .postgres import PostgresServer, binaries

    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (no initdb): apt-get install postgresql")
    server = PostgresServer(bin_dir)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def database_url(request) -> str:
    """The config's database_url: empty (SQLite in the data dir) or a fresh PostgreSQL
    database, dropped after the test."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield ""
        return
    server = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture(scope="session")
def manifest() -> list[dict]:
    return json.loads((test_data() / "manifest.json").read_text())


@pytest.fixture(scope="session")
def expected_indexed(manifest) -> set[str]:
    return {entry["path"] for entry in manifest if entry["expect"].startswith("index")}


@pytest.fixture(scope="session")
def expected_failed(manifest) -> set[str]:
    return {entry["path"] for entry in manifest if entry["expect"].startswith("skip")}


def save_tiny_checkpoint(path: Path, seed: int = 0) -> Path:
    """A randomly initialised tiny model, saved the way open_clip's trainer saves checkpoints."""
    import torch

    from photosearch.model.loading import TEST_ARCH, get_open_clip

    torch.manual_seed(seed)
    model = get_open_clip().create_model(TEST_ARCH)
    torch.save({"epoch": 1, "name": "test", "state_dict": model.state_dict()}, path)
    return path


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    return save_tiny_checkpoint(tmp_path_factory.mktemp("weights") / "tiny.pt")


@pytest.fixture(scope="session")
def tiny_model_name(tiny_checkpoint) -> str:
    from photosearch.model.loading import TEST_ARCH

    return f"{TEST_ARCH}:{tiny_checkpoint}"


@pytest.fixture(scope="session")
def tiny_embedder(tiny_model_name, tmp_path_factory) -> Embedder:
    from photosearch.config import Config
    from photosearch.model.embedder import Embedder
    from photosearch.model.loading import load_model, parse_model

    config = Config.load(environ={}, data_dir=tmp_path_factory.mktemp("unused"))
    return Embedder(load_model(parse_model(tiny_model_name, config), config, "cpu"), "cpu")


@pytest.fixture(scope="session")
def album_folder(tmp_path_factory) -> Path:
    """Where photo_tree puts the photos: one path for the session (see indexed_album.py)."""
    return tmp_path_factory.getbasetemp() / "album"


@pytest.fixture
def photo_tree(album_folder) -> Path:
    """Copies of the test data's photos, edge cases and bad files in one folder, new for
    every test; the folder above it is the test's too."""
    from .indexed_album import fresh_album

    return fresh_album(test_data(), album_folder)


@pytest.fixture
def config(tmp_path, tiny_model_name, database_url) -> Config:
    return tiny_config(tmp_path / "data", tiny_model_name, database_url)


def tiny_config(data_dir: Path, model: str, database_url: str = "") -> Config:
    """The tests' settings: the tiny model on the CPU, small batches, no reading of text."""
    from photosearch.config import Config

    return Config.load(
        environ={},
        data_dir=data_dir,
        database_url=database_url,
        model=model,
        device="cpu",
        offline=True,
        batch_size=8,
        workers=2,
        ocr=False,  # reading text costs about a second a photo: the tests of it turn it on
    )


@pytest.fixture(scope="session")
def indexed_album(tmp_path_factory, album_folder, tiny_embedder):
    from .indexed_album import IndexedAlbum

    store = tmp_path_factory.mktemp("indexed-album")
    return IndexedAlbum(test_data(), album_folder, store, tiny_embedder)


@pytest.fixture
def indexed_config(request, config, indexed_album, photo_tree) -> Config:
    """The test's config, its data dir (and database) holding the index of photo_tree."""
    postgres = request.getfixturevalue("postgres_server") if config.database_url else None
    indexed_album.copy_into(config, postgres)
    return config


def opened_library(config: Config, embedder: Embedder):
    """A library on `config`, closed when the test is done."""
    from photosearch.library import PhotoLibrary

    library = PhotoLibrary(config, embedder=embedder)
    yield library
    library.close()


@pytest.fixture
def library(config, tiny_embedder):
    yield from opened_library(config, tiny_embedder)


@pytest.fixture
def indexed_library(indexed_config, tiny_embedder):
    """A library that has indexed photo_tree, as `library.index([photo_tree])` leaves it."""
    yield from opened_library(indexed_config, tiny_embedder)


class EmbedCounter:
    """Counts images that reach the model between two points of a test."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self.start = embedder.images_embedded

    @property
    def images(self) -> int:
        return self.embedder.images_embedded - self.start


@pytest.fixture
def count_embeds(tiny_embedder):
    return lambda: EmbedCounter(tiny_embedder)


@pytest.fixture
def run_cli(tmp_path, tiny_model_name):
    """Run a command as `python manage.py ...` would, on a fresh data dir with the tiny model:
    in this process (a new one would import torch again, seconds a call), or as a new
    process of `command` (a program and its first arguments) for tests about a process.
    `.env` is the environment it uses, for tests that start long-running commands."""
    base = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PHOTOSEARCH_")},
        "PHOTOSEARCH_HOME": str(tmp_path / "data"),
        "PHOTOSEARCH_MODEL": tiny_model_name,
        "PHOTOSEARCH_OFFLINE": "1",
        # Measuring runtimes exports ONNX files (seconds per data dir); tests of it ask for it.
        "PHOTOSEARCH_RUNTIME": "torch",
        "PHOTOSEARCH_PRECISION": "fp32",
        "PHOTOSEARCH_OCR": "0",  # the tests of text in photos turn it on
    }

    def run(*args, env=None, check=True, command=None):
        """In this process unless `command` (the program to start) is given."""
        environment = {**base, **(env or {})}
        if command is None:
            result = run_in_process(args, environment)
        else:
            result = subprocess.run(
                [*command, *args], env=environment, capture_output=True, text=True, timeout=300
            )
        if check and result.returncode != 0:
            raise AssertionError(f"{args} exited {result.returncode}:\n{result.stderr}")
        return result

    run.env = base
    return run
