"""Chinese-CLIP, the second model family: a tiny random one saved as Hugging Face keeps it,
loaded from its folder and from the Hugging Face cache, run on every runtime, indexed and
searched in Chinese on both databases, audited, and refused clearly without its tokenizer."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from photosearch.audit.run import run_audit, synthetic_dir
from photosearch.config import Config
from photosearch.errors import ConfigError, WeightsUnavailable
from photosearch.model.embedder import Embedder, load_embedder
from photosearch.model.families import chinese_clip
from photosearch.model.loading import (
    PRESETS,
    load_model,
    parse_model,
    resolve_weights,
    training_architecture,
)
from photosearch.model.runtime.query_encoder import load_query_encoder
from photosearch.model.runtime.selection import select_engines
from photosearch.model.wordpiece_tokenizer import WordPieceTokenizer

from ..conftest import TEST_DATA
from ..tiny_chinese_clip import save_tiny_chinese_clip

pytestmark = pytest.mark.both_databases
QUERIES = ["海滩上的狗", "红色汽车在夜晚", "a dog on the beach", "公园里的猫 2017年夏天", "雪"]
FLOORS = {"fp32": 0.99999, "bf16": 0.999, "int8": 0.99}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return save_tiny_chinese_clip(tmp_path_factory.mktemp("chinese-clip") / "model")


@pytest.fixture(scope="module")
def embedder(folder) -> Embedder:
    """The tiny model loaded as `--model ChineseCLIP-ViT-B-16:/its/folder` loads it."""
    config = Config.load(environ={}, data_dir=folder.parent / "data", offline=True)
    spec = parse_model(f"{chinese_clip.ARCH}:{folder}", config)
    return Embedder(load_model(spec, config, "cpu"), "cpu")


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_word_pieces_are_hugging_faces(folder):
    from transformers import BertTokenizerFast

    texts = [*QUERIES, "Birthday CAKE!", "naïve café", "狗" * 80, "unknown 字 xyz", ""]
    expected = BertTokenizerFast(str(folder / "vocab.txt"))(
        texts, padding="max_length", truncation=True, max_length=52
    )["input_ids"]
    tokens = WordPieceTokenizer(folder / "vocab.txt", 52)(texts)
    assert tokens.tolist() == expected
    assert tokens.dtype == np.int64 and tokens.shape == (len(texts), 52)


def test_vectors_are_chinese_clips_own(embedder, folder):
    """Text pooled at [CLS] under the padding mask, images through the vision projection, as
    transformers' ChineseCLIPModel computes them; trimming the padding changes nothing."""
    from transformers import BertTokenizerFast, ChineseCLIPModel

    reference = ChineseCLIPModel.from_pretrained(folder).eval()
    inputs = BertTokenizerFast(str(folder / "vocab.txt"))(
        QUERIES, padding=True, return_tensors="pt"
    )
    image = Image.open(TEST_DATA / "photos/animals/chelsea-the-cat.jpg").convert("RGB")
    pixels = embedder.preprocess(image)[None]
    assert pixels.shape == (1, 3, 32, 32)  # resized to the square, not cropped
    with torch.inference_mode():
        texts = reference.get_text_features(**inputs).pooler_output.numpy()
        images = reference.get_image_features(pixel_values=pixels).pooler_output.numpy()
    assert cosines(embedder.embed_texts(QUERIES), texts).min() > 0.99999
    assert cosines(embedder.embed_pixels(pixels), images).min() > 0.99999
    assert embedder.identity.dim == 32
    assert embedder.identity.key.startswith(f"{chinese_clip.ARCH}:sha256-")


@pytest.mark.parametrize(
    ("runtime", "precision"), [("torch", "bf16"), ("onnx", "fp32"), ("onnx", "int8")]
)
def test_every_runtime_agrees_with_eager_fp32(runtime, precision, embedder, tmp_path):
    config = Config.load(environ={}, data_dir=tmp_path, runtime=runtime, precision=precision)
    other = Embedder(embedder.loaded, "cpu", select_engines(embedder.loaded, config, "cpu"))
    assert other.runtime == f"{runtime} {precision}"
    image = Image.open(TEST_DATA / "photos/animals/chelsea-the-cat.jpg").convert("RGB")
    pixels = embedder.preprocess(image)[None]
    floor = FLOORS[precision]
    assert cosines(other.embed_pixels(pixels), embedder.embed_pixels(pixels)).min() >= floor
    assert cosines(other.embed_texts(QUERIES), embedder.embed_texts(QUERIES)).min() >= floor


def test_the_query_kit_tokenizes_without_torch_and_agrees(folder, tmp_path):
    model_name = f"{chinese_clip.ARCH}:{folder}"
    config = Config.load(
        environ={}, data_dir=tmp_path, model=model_name, offline=True, runtime="onnx",
        precision="fp32",
    )  # fmt: skip
    full = load_embedder(model_name, config)
    kit = load_query_encoder(config, full.identity.key)
    assert kit is not None and isinstance(kit.tokenizer, WordPieceTokenizer)
    assert kit.tokenizer.vocabulary.parent != full.loaded.tokenizer.light.vocabulary.parent
    assert cosines(kit.embed_texts(QUERIES), full.embed_texts(QUERIES)).min() > 0.99999
    kit.tokenizer.vocabulary.unlink()  # its copy of vocab.txt gone: no kit, until the next load
    assert load_query_encoder(config, full.identity.key) is None
    load_embedder(model_name, config)
    assert load_query_encoder(config, full.identity.key) is not None


def test_the_preset_loads_from_the_hugging_face_cache_offline(folder, tmp_path, monkeypatch):
    import huggingface_hub.constants

    repository = PRESETS["chinese-clip"].tag
    cache = tmp_path / "hub"
    repo = cache / f"models--{repository.replace('/', '--')}"
    shutil.copytree(folder, repo / "snapshots" / ("0" * 40))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = Config.load(environ={}, data_dir=tmp_path / "data")

    spec = parse_model("chinese-clip", config)
    assert resolve_weights(spec, config) == repo / "snapshots" / ("0" * 40)
    loaded = load_model(spec, config, "cpu")
    assert loaded.identity.key == f"{chinese_clip.ARCH}:{repository}"


def test_without_weights_or_tokenizer_it_is_refused_clearly(folder, tmp_path, run_cli):
    offline = Config.load(environ={}, data_dir=tmp_path, offline=True)
    with pytest.raises(WeightsUnavailable) as error:
        resolve_weights(parse_model("chinese-clip", offline), offline)
    message = error.value.message
    assert "OFA-Sys/chinese-clip-vit-base-patch16" in message and "offline" in message
    assert f"--model {chinese_clip.ARCH}:/path/to/folder" in message and "\n" not in message

    untokenized = tmp_path / "untokenized"
    shutil.copytree(folder, untokenized)
    (untokenized / "vocab.txt").unlink()
    result = run_cli(
        "index", str(tmp_path), env={"PHOTOSEARCH_MODEL": f"{chinese_clip.ARCH}:{untokenized}"},
        check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "vocab.txt" in result.stderr and "Traceback" not in result.stderr


def test_indexed_and_searched_in_chinese(folder, photo_tree, run_cli, database_url):
    model = f"{chinese_clip.ARCH}:{folder}"
    env = {"PHOTOSEARCH_MODEL": model, "PHOTOSEARCH_DATABASE_URL": database_url}
    summary = json.loads(run_cli("index", str(photo_tree), "--json", env=env).stdout)
    assert summary["new"] == 25 and summary["embedded"] == 25
    hits = json.loads(run_cli("search", "海滩上的狗", "--limit", "5", "--json", env=env).stdout)
    assert len(hits) == 5 and all(os.path.exists(hit["path"]) for hit in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    status = json.loads(run_cli("status", "--json", env=env).stdout)
    assert status["model_key"].startswith(f"{chinese_clip.ARCH}:sha256-")
    assert status["vectors"] == 25


def test_the_audit_runs(embedder, tmp_path):
    suite = synthetic_dir(tmp_path, 20, seed=1)
    report = run_audit(["synthetic-relation"], suite, [("chinese-clip", embedder)], limit=10)
    assert report.models[0].key == embedder.identity.key
    assert report.models[0].results["synthetic-relation"].items == 10


def test_training_is_refused_clearly(embedder, folder, tmp_path):
    from photosearch.negclip.train import Trainer, TrainSettings

    config = Config.load(environ={}, data_dir=tmp_path, offline=True)
    with pytest.raises(ConfigError, match="open_clip models only"):
        training_architecture(f"{chinese_clip.ARCH}:{folder}", config)
    with pytest.raises(ConfigError, match="open_clip models only"):
        Trainer(embedder.loaded, [], TrainSettings(), "cpu")
