"""Runtimes: eager torch and ONNX Runtime at each precision agree with eager fp32 torch, the
ONNX files are cached and rebuilt when stale or broken, `auto` measures once and remembers,
and the vectors of one model stay one index whatever ran it."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from photosearch.config import Config
from photosearch.errors import ConfigError
from photosearch.library import PhotoLibrary
from photosearch.model.embedder import QUERY_CACHE_SIZE, Embedder
from photosearch.model.runtime import runtime_status
from photosearch.model.runtime import selection as selection_module
from photosearch.model.runtime.memory import MEMORY_FILE
from photosearch.model.runtime.selection import COSINE_FLOOR, allowed, select_engines
from photosearch.model.runtime.towers import TextTower

from ..conftest import TEST_DATA

# Cosine to eager fp32 torch that each precision must keep on real photos and captions.
FLOORS = {"fp32": 0.99999, "bf16": COSINE_FLOOR, "int8": 0.99}
CAPTIONS = ["a cat", "a dog chasing a ball across the garden", "snow", "two people on a bench"]


@pytest.fixture(scope="module")
def pixels(tiny_embedder) -> torch.Tensor:
    paths = sorted((TEST_DATA / "photos").rglob("*.jpg"))[:6]
    return torch.stack([tiny_embedder.preprocess(Image.open(p).convert("RGB")) for p in paths])


@pytest.fixture(scope="module")
def onnx_files(tiny_embedder, tmp_path_factory) -> Path:
    """The tiny model's ONNX files, fp32 and int8, exported once for the tests that are not
    about exporting them: an export costs seconds."""
    folder = tmp_path_factory.mktemp("onnx")
    config = Config.load(environ={}, data_dir=folder, runtime="onnx", precision="int8")
    select_engines(tiny_embedder.loaded, config, "cpu")
    return config.models_dir / "onnx"


@pytest.fixture
def runtime_config(config, onnx_files):
    shutil.copytree(onnx_files, config.models_dir / "onnx")
    return dataclasses.replace(config, runtime="auto", precision="auto")


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.mark.parametrize(
    ("runtime", "precision"), [("torch", "bf16"), ("onnx", "fp32"), ("onnx", "int8")]
)
def test_every_runtime_agrees_with_eager_fp32(
    runtime, precision, runtime_config, tiny_embedder, pixels
):
    config = dataclasses.replace(runtime_config, runtime=runtime, precision=precision)
    engines = select_engines(tiny_embedder.loaded, config, "cpu")
    other = Embedder(tiny_embedder.loaded, "cpu", engines)
    assert other.runtime == f"{runtime} {precision}"
    floor = FLOORS[precision]
    assert cosines(other.embed_pixels(pixels), tiny_embedder.embed_pixels(pixels)).min() >= floor
    texts = cosines(other.embed_texts(CAPTIONS), tiny_embedder.embed_texts(CAPTIONS))
    assert texts.min() >= floor


def test_trimmed_text_tower_equals_open_clips_encode_text(tiny_embedder):
    loaded = tiny_embedder.loaded
    tower = TextTower(loaded.model)
    tokens = loaded.tokenizer(CAPTIONS)
    trimmed = tower.trim(tokens)
    assert trimmed.shape[1] < tokens.shape[1]  # the padding really is cut
    with torch.inference_mode():
        expected = loaded.model.encode_text(tokens)
        np.testing.assert_allclose(tower(trimmed), expected, atol=1e-5)
        np.testing.assert_allclose(tower(tokens[:1]), expected[:1], atol=1e-5)


def test_auto_measures_once_remembers_and_quantises_only_queries(
    runtime_config, tiny_embedder, monkeypatch
):
    tried = {}
    measure_speeds = selection_module._speeds

    def noted_speeds(engines, probe, kind):
        tried[kind] = {engine.choice.label for engine in engines}
        return measure_speeds(engines, probe, kind)

    monkeypatch.setattr(selection_module, "_speeds", noted_speeds)
    first = select_engines(tiny_embedder.loaded, runtime_config, "cpu")
    assert "onnx int8" in tried["text"] and "onnx int8" not in tried["image"]
    assert first.image.choice.precision != "int8"
    for engine in (first.image, first.text):
        assert engine.choice.cosine >= COSINE_FLOOR and engine.choice.per_second > 0
    memory = json.loads((runtime_config.data_dir / MEMORY_FILE).read_text())
    assert {key.split("|")[2] for key in memory} == {"image", "text"}

    def no_measuring(*args, **kwargs):
        raise AssertionError("measured again")

    monkeypatch.setattr(selection_module, "_measure", no_measuring)
    second = select_engines(tiny_embedder.loaded, runtime_config, "cpu")
    assert second.label == first.label
    status = runtime_status(runtime_config, tiny_embedder.identity.key)
    assert status["image"]["runtime"] == first.image.choice.runtime
    assert "measured on this machine" in status["summary"]


def test_the_fastest_close_enough_choice_wins(runtime_config, tiny_embedder, monkeypatch):
    """A faster choice that loses too much precision is passed over."""
    speeds = {"torch fp32": 10.0, "torch bf16": 50.0, "onnx fp32": 20.0, "onnx int8": 5.0}

    def fake_speeds(engines, probe, kind):
        return [(speeds[e.choice.label], e(probe)) for e in engines]

    monkeypatch.setattr(selection_module, "_speeds", fake_speeds)
    chosen = select_engines(tiny_embedder.loaded, runtime_config, "cpu")
    assert chosen.image.choice.label == "torch bf16"
    monkeypatch.setattr(selection_module, "COSINE_FLOOR", 1.01)  # nothing lossy is allowed
    monkeypatch.setattr(selection_module, "_lowest_cosine", lambda a, b: 1.0 if a is b else 0.9)
    stricter = dataclasses.replace(runtime_config, data_dir=runtime_config.data_dir / "other")
    chosen = select_engines(tiny_embedder.loaded, stricter, "cpu")
    assert chosen.image.choice.cosine == 0.9  # every choice fell short: honour the fastest


def test_onnx_files_are_cached_and_rebuilt_when_broken_or_stale(config, tiny_embedder):
    config = dataclasses.replace(config, runtime="onnx", precision="fp32")  # none exported yet
    select_engines(tiny_embedder.loaded, config, "cpu")
    files = sorted((config.models_dir / "onnx").rglob("*.onnx"))
    assert [f.name for f in files] == ["image-fp32-v1.onnx", "text-fp32-v1.onnx"]
    assert not list((config.models_dir / "onnx").rglob("*.tmp"))
    image_file = files[0]
    first_mtime = image_file.stat().st_mtime_ns

    select_engines(tiny_embedder.loaded, config, "cpu")
    assert image_file.stat().st_mtime_ns == first_mtime  # reused, not exported again

    image_file.write_bytes(b"not a model")  # broken
    engines = select_engines(tiny_embedder.loaded, config, "cpu")
    assert image_file.stat().st_size > 1000
    assert engines.image(torch.zeros(1, 3, 64, 64)).shape == (1, tiny_embedder.identity.dim)

    stamp = image_file.with_suffix(".json")
    stamp.write_text(json.dumps({**json.loads(stamp.read_text()), "weights": "other"}))
    before = image_file.stat().st_mtime_ns
    select_engines(tiny_embedder.loaded, config, "cpu")  # stale: other weights
    assert image_file.stat().st_mtime_ns != before


def test_settings_that_cannot_run_say_so():
    assert allowed("auto", "auto", "cpu") == [
        ("torch", "fp32"),
        ("torch", "bf16"),
        ("onnx", "fp32"),
    ]
    assert allowed("auto", "auto", "cpu", "text")[-1] == ("onnx", "int8")
    assert allowed("auto", "int8", "cpu") == [("onnx", "int8")]
    assert allowed("auto", "auto", "cuda") == [("torch", "fp16")]
    for runtime, precision, device in [
        ("onnx", "auto", "cuda"),
        ("auto", "fp16", "cpu"),
        ("torch", "int8", "cpu"),
        ("onnx", "bf16", "cpu"),
    ]:
        with pytest.raises(ConfigError):
            allowed(runtime, precision, device)


def test_one_model_one_index_whatever_the_runtime(config, tiny_model_name, photo_tree):
    """Indexed with eager torch, searched through ONNX: same model, same vectors, same hits."""
    eager = PhotoLibrary(dataclasses.replace(config, runtime="torch", precision="fp32"))
    summary = eager.index([photo_tree])
    assert summary.runtime == "torch fp32"
    expected = [hit.photo.id for hit in eager.searcher.text("a cat", limit=5)]
    eager.close()
    onnx = PhotoLibrary(dataclasses.replace(config, runtime="onnx", precision="fp32"))
    assert onnx.model.id == eager.model.id
    assert [hit.photo.id for hit in onnx.searcher.text("a cat", limit=5)] == expected
    assert onnx.index([photo_tree]).embedded == 0
    onnx.close()


def test_query_vectors_are_cached(tiny_model_name, tiny_embedder):
    embedder = Embedder(tiny_embedder.loaded, "cpu")
    first = embedder.embed_texts(["a cat", "a dog"])
    again = embedder.embed_texts(["a dog", "a cat", "a dog"])
    assert embedder.texts_embedded == 2
    np.testing.assert_array_equal(again[1], first[0])
    embedder.embed_texts([f"query {n}" for n in range(QUERY_CACHE_SIZE)])
    embedder.embed_texts(["a cat"])  # evicted by the newer queries: the model runs again
    assert embedder.texts_embedded == 3 + QUERY_CACHE_SIZE


def test_index_and_status_name_the_runtime(run_cli, photo_tree, tmp_path):
    auto = {"PHOTOSEARCH_RUNTIME": "auto", "PHOTOSEARCH_PRECISION": "auto"}
    cats = str(photo_tree / "photos" / "animals")  # what matters is the runtime, not the photos
    report = json.loads(run_cli("index", cats, "--json", env=auto).stdout)
    assert report["runtime"] in {"torch fp32", "torch bf16", "onnx fp32"}
    status = json.loads(run_cli("status", "--json", env=auto).stdout)
    assert status["runtime"]["image"]["runtime"] == report["runtime"].split()[0]
    elsewhere = {"PHOTOSEARCH_HOME": str(tmp_path / "int8")}  # a new library: all embedded
    shown = run_cli("index", cats, "--runtime", "onnx", "--precision", "int8", env=elsewhere).stdout
    assert "(onnx int8, cosine 0.9" in shown
    refused = run_cli("search", "a cat", "--precision", "int8", check=False)  # torch has no int8
    assert refused.returncode == 2 and "onnx runs fp32 and int8" in refused.stderr
