"""A search from the terminal without the model: the query kit (the text tower as ONNX
Runtime saved it, CLIP's tokenizer without open_clip) finds what the loaded model finds, and a
running `serve` or `watch` of the library answers instead, with a silent fallback when it
cannot."""

from __future__ import annotations

import dataclasses
import json
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from photosearch.library import PhotoLibrary
from photosearch.library import running as running_servers
from photosearch.search.request import Asked, parse_search

from ..serving import server_env, server_process, watching

pytestmark = pytest.mark.both_databases
SETTINGS = {"runtime": "onnx", "precision": "fp32"}  # the kit runs the fp32 ONNX text tower
ENV = {"PHOTOSEARCH_RUNTIME": "onnx", "PHOTOSEARCH_PRECISION": "fp32"}
REQUESTS = [
    {"q": "a cat sitting on a sofa"},
    {"q": "a cat sitting on a sofa", "limit": "5", "offset": "5"},
    {"q": "coffee + cup - dog"},
    {"q": "coffee", "sort": "oldest"},
    {"q": '"coffee" cup', "literal": "true"},
    {"q": "photos in Lisbon summer 2017"},
    {"q": "clock", "type": "png,jpeg", "min_score": "-1"},
    {"q": "clock", "camera": "canon"},
    {"q": "a street", "date_from": "2000-01-01", "date_to": "2030-12-31"},
    {"q": "a street", "has_location": "false", "min_score": "0.1"},
    {"camera": "canon"},
]


@pytest.fixture(scope="module")
def kit_models(tmp_path_factory, tiny_model_name):
    """A data dir's models folder holding the tiny model's ONNX towers and query kit, made
    once by loading the model as `index` or `serve` does (the export takes seconds)."""
    from photosearch.config import Config
    from photosearch.model.embedder import load_embedder

    data = tmp_path_factory.mktemp("kit")
    config = Config.load(environ={}, data_dir=data, device="cpu", offline=True, **SETTINGS)
    load_embedder(tiny_model_name, config)
    assert list((config.models_dir / "query").rglob("*-onnx-fp32.json")), "no kit written"
    return config.models_dir


@pytest.fixture
def kit_config(indexed_config, kit_models, photo_tree):
    config = dataclasses.replace(indexed_config, **SETTINGS)
    shutil.copytree(kit_models, config.models_dir, dirs_exist_ok=True)
    return config


def answers(library, fields: dict, **example) -> list[tuple[int, float | None]]:
    request = parse_search(Asked(fields), **example)
    return [(hit["id"], hit["score"]) for hit in library.search(request).to_dict()["results"]]


def assert_same(fast, full):
    assert [photo for photo, _ in fast] == [photo for photo, _ in full]
    for (_, a), (_, b) in zip(fast, full, strict=True):
        assert (a is None and b is None) or abs(a - b) <= 0.005


def test_the_kit_finds_what_the_model_finds_without_loading_it(
    kit_config, tiny_embedder, photo_tree
):
    full = PhotoLibrary(kit_config, embedder=tiny_embedder)  # eager torch fp32, loaded whole
    fast = PhotoLibrary(kit_config)
    try:
        for fields in REQUESTS:
            assert_same(answers(fast, fields), answers(full, fields))
        photo = fast.store.photo_by_path(str(photo_tree / "photos" / "things" / "wall-clock.jpg"))
        assert_same(
            answers(fast, {"q": f"clock + #{photo.id}"}),
            answers(full, {"q": f"clock + #{photo.id}"}),
        )
        assert_same(answers(fast, {}, like=photo.id), answers(full, {}, like=photo.id))
        assert not fast.embedder_loaded, "a text search loaded the model"
        assert fast.searcher.texts.texts_embedded > 0  # the kit encoded them
        upload = (photo_tree / "photos" / "things" / "wall-clock.jpg").read_bytes()
        assert_same(answers(fast, {}, upload=upload), answers(full, {}, upload=upload))
        assert fast.embedder_loaded  # a photo to embed needs the image tower: loaded then
    finally:
        fast.close()
        full.close()


def test_a_stale_or_broken_kit_is_passed_over(kit_config):
    from photosearch.model.runtime.query_encoder import kit_file, load_query_encoder

    key = PhotoLibrary(kit_config).known_model().key
    assert load_query_encoder(kit_config, key) is not None
    kit = kit_file(kit_config, key)
    description = json.loads(kit.read_text())
    source = kit_config.models_dir / description["source"]
    stamp = source.with_suffix(".json")
    stamp.write_text(json.dumps({**description["source_stamp"], "weights": "other weights"}))
    assert load_query_encoder(kit_config, key) is None  # the model was exported again
    stamp.write_text(json.dumps(description["source_stamp"]))
    (kit.parent / description["graph"]).write_bytes(b"not a graph")
    assert load_query_encoder(kit_config, key) is None
    kit.write_text("{")
    assert load_query_encoder(kit_config, key) is None
    assert load_query_encoder(dataclasses.replace(kit_config, runtime="torch"), key) is None


def test_a_search_from_the_terminal_imports_neither_torch_nor_open_clip(
    kit_config, tiny_embedder, terminal_env
):
    """A new process, as a user starts it: the answer is the loaded model's."""
    script = (
        "import sys; from photosearch.cli import main; main(sys.argv[1:]); "
        "print(sorted(m for m in ('torch', 'open_clip', 'torchvision') if m in sys.modules), "
        "file=sys.stderr)"
    )
    env = terminal_env
    args = ["search", "a cat sitting on a sofa", "--json", "--limit", "10"]
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"
    printed = [(hit["id"], hit["score"]) for hit in json.loads(done.stdout)]
    full = PhotoLibrary(kit_config, embedder=tiny_embedder)
    try:
        expected = answers(full, {"q": "a cat sitting on a sofa", "limit": "10", "min_score": "-1"})
    finally:
        full.close()
    assert_same(printed, expected)


@pytest.fixture
def terminal_env(kit_config, tiny_model_name) -> dict[str, str]:
    """The environment of the library's user: its data dir, database, model and settings."""
    return {
        **server_env(kit_config.data_dir, tiny_model_name),
        **ENV,
        "PHOTOSEARCH_DATABASE_URL": kit_config.database_url,
        "PHOTOSEARCH_OCR": "0",
    }


@pytest.fixture
def served(terminal_env, tmp_path):
    """A real `serve` of the library, and the environment a terminal of its user has."""
    env = terminal_env
    log = tmp_path / "serve.log"
    with server_process(env, log) as (base, process):
        yield env, log, process


def test_a_running_serve_answers_the_terminal_and_a_dead_or_silent_one_is_passed_over(
    served, run_cli, photo_tree, monkeypatch
):
    env, log, process = served
    searches = [
        ["a cat sitting on a sofa", "--limit", "8"],
        ["coffee + cup - dog", "--json"],
        ["clock", "--type", "png,jpeg", "--sort", "oldest"],
        ["photos in Lisbon summer 2017", "--literal"],
        ["a street", "--no-location", "--min-score", "0.1"],
        ["--camera", "canon"],
        ["--like", str(photo_tree / "photos" / "things" / "wall-clock.jpg")],
    ]
    outside = photo_tree.parent / "outside.jpg"
    shutil.copyfile(photo_tree / "photos" / "things" / "wall-clock.jpg", outside)
    searches.append(["--like", str(outside)])  # not indexed: sent as an upload
    for args in searches:
        asked = run_cli("search", *args, "-v", env=env)
        assert "Answered by the serve" in asked.stderr, args
        here = run_cli("search", *args, "--here", env=env)
        assert asked.stdout == here.stdout, args
    assert "POST /api/search" in log.read_text()  # the upload went to the server

    # Then the server is gone, or silent: the terminal searches alone (one serve started for
    # both halves: its start is most of this test's time)
    args = ["a cat sitting on a sofa", "--limit", "8"]
    here = run_cli("search", *args, "--here", env=env).stdout
    process.send_signal(signal.SIGKILL)  # its file stays behind, naming a dead process
    process.wait()
    gone = run_cli("search", *args, "-v", env=env)
    assert gone.stdout == here and "Answered by" not in gone.stderr
    assert not list((Path(env["PHOTOSEARCH_HOME"]) / "running").glob("*.json"))  # removed

    with socket.socket() as silent:  # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        from photosearch.config import Config

        config = Config.load(environ=env)
        monkeypatch.setattr(running_servers, "ANSWER_TIMEOUT", 0.5)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        library = PhotoLibrary(config)
        key = library.known_model().key
        library.close()
        with running_servers.announced(config, url, "token", key, "serve"):
            quiet = run_cli("search", *args, "-v", env=env)
    assert quiet.stdout == here and "Answered by" not in quiet.stderr
    assert "Traceback" not in quiet.stderr


def test_a_server_of_another_model_or_library_is_not_asked(terminal_env):
    from photosearch.config import Config

    config = Config.load(environ=terminal_env)
    other = dataclasses.replace(config, database_url="sqlite:////elsewhere.db")
    url = "http://127.0.0.1:9"
    with (
        running_servers.announced(config, url, "", "other:model", "serve"),
        running_servers.announced(other, url, "", "x", "watch"),
    ):
        assert running_servers.running_servers(config) == []
    (config.data_dir / "running").mkdir(exist_ok=True)
    (config.data_dir / "running" / "1-serve.json").write_text("not json")
    assert running_servers.running_servers(config) == []


def test_a_watch_answers_the_terminal_while_it_runs(kit_config, run_cli, terminal_env, photo_tree):
    env = terminal_env
    here = run_cli("search", "a cat sitting on a sofa", "--here", env=env).stdout
    with watching(env, photo_tree, stop=signal.SIGINT):
        asked = run_cli("search", "a cat sitting on a sofa", "-v", env=env)
        assert "Answered by the watch" in asked.stderr
        assert asked.stdout == here
    assert not list((kit_config.data_dir / "running").glob("*.json"))  # it said it is gone
