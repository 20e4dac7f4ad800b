"""Weights: checkpoints through ARCH:/path, the local Hugging Face cache, and the one-paragraph
error when nothing can be found."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from open_clip import pretrained as open_clip_pretrained
from PIL import Image

from photosearch.config import Config
from photosearch.errors import ConfigError, ModelLoadError, WeightsUnavailable
from photosearch.model.embedder import Embedder
from photosearch.model.loading import (
    PRESETS,
    TEST_ARCH,
    get_open_clip,
    load_model,
    parse_model,
    resolve_weights,
)

from ..conftest import TEST_DATA, save_tiny_checkpoint


@pytest.fixture
def offline_config(tmp_path) -> Config:
    return Config.load(environ={}, data_dir=tmp_path, offline=True)


def test_checkpoint_round_trip_gives_the_saved_models_vectors(tmp_path, offline_config):
    torch.manual_seed(7)
    original = get_open_clip().create_model(TEST_ARCH).eval()
    path = tmp_path / "trained.pt"
    torch.save({"epoch": 3, "name": "run", "state_dict": original.state_dict()}, path)

    loaded = load_model(parse_model(f"{TEST_ARCH}:{path}", offline_config), offline_config, "cpu")
    embedder = Embedder(loaded, "cpu")
    image = loaded.preprocess(Image.open(TEST_DATA / "photos/animals/chelsea-the-cat.jpg"))
    with torch.inference_mode():
        expected = original.encode_image(image[None])
    expected = (expected / expected.norm(dim=-1, keepdim=True)).numpy()[0]
    np.testing.assert_allclose(embedder.embed_pixels(image[None])[0], expected, atol=1e-5)
    assert loaded.identity.dim == 64
    assert loaded.identity.key.startswith(f"{TEST_ARCH}:sha256-")


def test_bare_state_dict_and_module_prefix_load_too(tmp_path, offline_config):
    torch.manual_seed(1)
    state = get_open_clip().create_model(TEST_ARCH).state_dict()
    torch.save({f"module.{k}": v for k, v in state.items()}, tmp_path / "ddp.pth")
    loaded = load_model(
        parse_model(f"{TEST_ARCH}:{tmp_path / 'ddp.pth'}", offline_config), offline_config, "cpu"
    )
    assert torch.equal(loaded.model.state_dict()["logit_scale"], state["logit_scale"])


def test_different_checkpoints_have_different_identities(tmp_path, offline_config):
    keys = set()
    for seed in (0, 1):
        path = save_tiny_checkpoint(tmp_path / f"seed{seed}.pt", seed=seed)
        spec = parse_model(f"{TEST_ARCH}:{path}", offline_config)
        keys.add(load_model(spec, offline_config, "cpu").identity.key)
    assert len(keys) == 2


def test_local_hugging_face_cache_is_used_without_network(tmp_path, offline_config, monkeypatch):
    """A pretrained tag resolves to a file laid out exactly as huggingface_hub caches it."""
    import huggingface_hub.constants
    from safetensors.torch import save_file

    cache = tmp_path / "hub"
    repo = cache / "models--photosearch--tiny-test"
    snapshot = repo / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    torch.manual_seed(3)
    state = get_open_clip().create_model(TEST_ARCH).state_dict()
    save_file(
        {k: v.contiguous() for k, v in state.items()}, snapshot / "open_clip_model.safetensors"
    )
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setitem(
        open_clip_pretrained._PRETRAINED,
        TEST_ARCH,
        {"cached": {"hf_hub": "photosearch/tiny-test/"}},
    )

    spec = parse_model(f"{TEST_ARCH}:cached", offline_config)
    assert resolve_weights(spec, offline_config) == snapshot / "open_clip_model.safetensors"
    loaded = load_model(spec, offline_config, "cpu")
    assert loaded.identity.key == f"{TEST_ARCH}:cached"
    assert torch.equal(loaded.model.state_dict()["logit_scale"], state["logit_scale"])


def test_missing_weights_message_says_what_was_tried_and_what_to_do(offline_config):
    with pytest.raises(WeightsUnavailable) as error:
        resolve_weights(parse_model("clip", offline_config), offline_config)
    message = error.value.message
    assert "'clip'" in message and "ViT-B-32" in message and "openai" in message
    assert "Hugging Face cache" in message and "offline" in message
    assert "--model ViT-B-32:/path/to/weights.pt" in message
    assert "\n" not in message


def test_negclip_points_to_its_checkpoint(tmp_path, offline_config):
    with pytest.raises(WeightsUnavailable, match="negclip.pth"):
        resolve_weights(parse_model("negclip", offline_config), offline_config)
    checkpoint = save_tiny_checkpoint(tmp_path / "negclip.pth")
    config = Config.load(environ={}, data_dir=tmp_path, negclip_checkpoint=str(checkpoint))
    spec = parse_model("negclip", config)
    assert spec.arch == PRESETS["negclip"].arch and spec.checkpoint == checkpoint


def test_unreachable_download_is_reported_not_raised(offline_config, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    online = Config.load(environ={}, data_dir=offline_config.data_dir)
    with pytest.raises(WeightsUnavailable, match="unreachable"):
        resolve_weights(parse_model("clip-laion", online), online)


def test_checkpoint_of_another_architecture_is_a_clear_error(tiny_checkpoint, offline_config):
    with pytest.raises(ModelLoadError, match="ViT-B-32"):
        load_model(
            parse_model(f"ViT-B-32:{tiny_checkpoint}", offline_config), offline_config, "cpu"
        )


@pytest.mark.parametrize(
    "name, match",
    [
        ("nonsense", "Unknown model"),
        ("NoSuchArch:openai", "Unknown open_clip architecture"),
        ("ViT-B-32:no-such-tag", "neither a pretrained tag"),
    ],
)
def test_bad_model_names(name, match, offline_config):
    with pytest.raises(ConfigError, match=match):
        parse_model(name, offline_config)


def test_test_architecture_is_not_a_preset():
    assert all(TEST_ARCH not in preset.arch for preset in PRESETS.values())
    assert TEST_ARCH not in PRESETS
