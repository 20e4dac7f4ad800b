"""Shared fixtures: a tiny random-weights open_clip model saved as a real checkpoint, copies of
the test photos (built from scikit-image's sample images once per session, see sample_data.py),
and a library on a fresh data dir for every test: on SQLite, and also on PostgreSQL in the
modules marked `both_databases`."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch

from photosearch.config import Config
from photosearch.library import PhotoLibrary
from photosearch.model.embedder import Embedder
from photosearch.model.loading import TEST_ARCH, get_open_clip, load_model, parse_model

from . import sample_data
from .postgres import PostgresServer, binaries

REPO = Path(__file__).resolve().parents[1]


def built_test_data() -> Path:
    """The sample tree, built into a temporary folder removed at exit. It exists by the time
    test modules import TEST_DATA, since some read photos' bytes at import."""
    root = Path(tempfile.mkdtemp(prefix="photosearch-test-data-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return sample_data.build(root)


# PHOTOSEARCH_TEST_DATA, optional: a tree that sample_data.build wrote, to test on instead.
TEST_DATA = Path(os.environ.get("PHOTOSEARCH_TEST_DATA") or built_test_data())


def pytest_generate_tests(metafunc):
    """Tests of a `both_databases` module that build a config run once per database."""
    if "database_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_databases"
    ):
        metafunc.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the whole session, started on first use."""
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
    return json.loads((TEST_DATA / "manifest.json").read_text())


@pytest.fixture(scope="session")
def expected_indexed(manifest) -> set[str]:
    return {entry["path"] for entry in manifest if entry["expect"].startswith("index")}


@pytest.fixture(scope="session")
def expected_failed(manifest) -> set[str]:
    return {entry["path"] for entry in manifest if entry["expect"].startswith("skip")}


def save_tiny_checkpoint(path: Path, seed: int = 0) -> Path:
    """A randomly initialised tiny model, saved the way open_clip's trainer saves checkpoints."""
    torch.manual_seed(seed)
    model = get_open_clip().create_model(TEST_ARCH)
    torch.save({"epoch": 1, "name": "test", "state_dict": model.state_dict()}, path)
    return path


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    return save_tiny_checkpoint(tmp_path_factory.mktemp("weights") / "tiny.pt")


@pytest.fixture(scope="session")
def tiny_model_name(tiny_checkpoint) -> str:
    return f"{TEST_ARCH}:{tiny_checkpoint}"


@pytest.fixture(scope="session")
def tiny_embedder(tiny_model_name, tmp_path_factory) -> Embedder:
    config = Config.load(environ={}, data_dir=tmp_path_factory.mktemp("unused"))
    return Embedder(load_model(parse_model(tiny_model_name, config), config, "cpu"), "cpu")


@pytest.fixture
def photo_tree(tmp_path) -> Path:
    """Copies of the test data's photos, edge cases and bad files in one folder."""
    root = tmp_path / "Photos"
    for part in ("photos", "edge", "bad"):
        shutil.copytree(TEST_DATA / part, root / part)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # a PHOTOSEARCH_TEST_DATA may be read-only
    return root


@pytest.fixture
def config(tmp_path, tiny_model_name, database_url) -> Config:
    return Config.load(
        environ={},
        data_dir=tmp_path / "data",
        database_url=database_url,
        model=tiny_model_name,
        device="cpu",
        offline=True,
        batch_size=8,
        workers=2,
        ocr=False,  # reading text costs about a second a photo: the tests of it turn it on
    )


@pytest.fixture
def library(config, tiny_embedder):
    library = PhotoLibrary(config, embedder=tiny_embedder)
    yield library
    library.close()


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
    """Run `python manage.py ...` as a user would, on a fresh data dir with the tiny model.
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

    def run(*args, env=None, check=True, command=(sys.executable, str(REPO / "manage.py"))):
        result = subprocess.run(
            [*command, *args], env={**base, **(env or {})}, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise AssertionError(f"{args} exited {result.returncode}:\n{result.stderr}")
        return result

    run.env = base
    return run
