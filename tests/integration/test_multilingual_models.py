"""Multilingual models: a tiny CLIP with a Hugging Face XLM-RoBERTa text tower, made in the
test (tests/multilingual.py), read from the Hugging Face folder a user would fill, through
the same `ARCH:/checkpoint` path as any model; indexed and searched end to end on both
databases; refused in one paragraph when its tokenizer or config is missing; its text tower
on ONNX Runtime; and, for NLLB models, the query's language as a FLORES-200 code."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest

from photosearch.config import Config
from photosearch.library import PhotoLibrary
from photosearch.model import hf_parts
from photosearch.model.embedder import Embedder, load_embedder
from photosearch.model.flores import FloresTokenizer, flores_code
from photosearch.model.json_tokenizer import JsonTokenizer
from photosearch.model.loading import PRESETS, TEST_HF_ARCH, get_open_clip
from photosearch.model.runtime.engines import Choice, TorchEngine
from photosearch.model.runtime.query_encoder import load_query_encoder
from photosearch.model.runtime.query_kit import ensure_query_kit
from photosearch.model.runtime.selection import _engine, _lowest_cosine
from photosearch.model.runtime.towers import TextTower
from photosearch.web import create_app

from ..multilingual import hf_folder, save_multilingual_checkpoint

pytestmark = pytest.mark.both_databases


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The Hugging Face folders (under models/) and each kind's model name, made once."""
    root = tmp_path_factory.mktemp("multilingual")
    names = {
        kind: save_multilingual_checkpoint(root / "models", root / f"{kind}.pt", kind)
        for kind in ("xlmr", "nllb")
    }
    return root / "models", names


def install(made, data_dir, kind: str = "xlmr") -> str:
    """The kind's Hugging Face folder copied where a user puts it; its model name."""
    models, names = made
    shutil.copytree(hf_folder(models, kind), hf_folder(data_dir / "models", kind))
    return names[kind]


def cli_env(name: str, database_url: str) -> dict:
    return {"PHOTOSEARCH_MODEL": name, "PHOTOSEARCH_DATABASE_URL": database_url}


def searched(run_cli, env, query: str, *options) -> list[dict]:
    result = run_cli("search", query, "--json", "--here", "--literal", *options, env=env)
    return json.loads(result.stdout)


def test_indexed_and_searched_in_chinese_end_to_end(
    run_cli, photo_tree, made, tmp_path, database_url
):
    env = cli_env(install(made, tmp_path / "data"), database_url)
    indexed = json.loads(run_cli("index", str(photo_tree), "--json", env=env).stdout)
    assert indexed["embedded"] == 25
    hits = searched(run_cli, env, "海滩上的狗")
    assert len(hits) == 20 and hits[0]["score"] >= hits[-1]["score"]
    assert searched(run_cli, env, "a dog on the beach") != hits
    status = json.loads(run_cli("status", "--json", env=env).stdout)
    assert status["model_key"].startswith(f"{TEST_HF_ARCH}:sha256-")
    assert status["vectors"] == 25


@pytest.mark.parametrize(
    ("missing", "what"),
    [("tokenizer.json", "tokenizer"), ("config.json", "text tower's config")],
)
def test_missing_hugging_face_part_is_refused_in_one_paragraph(
    run_cli, photo_tree, made, tmp_path, missing, what
):
    name = install(made, tmp_path / "data")
    folder = hf_folder(tmp_path / "data" / "models")
    (folder / missing).unlink()
    result = run_cli("index", str(photo_tree), env={"PHOTOSEARCH_MODEL": name}, check=False)
    assert result.returncode == 2
    assert f"Could not find the {what} of model '{name}'" in result.stderr
    assert "photosearch-test/tiny-xlm-roberta" in result.stderr
    assert str(folder) in result.stderr and "offline mode is on" in result.stderr
    assert "Traceback" not in result.stderr


def test_nllb_query_language_detected_or_given(made, tmp_path):
    config = Config.load(environ={}, data_dir=tmp_path, device="cpu", offline=True,
                         runtime="torch", precision="fp32")  # fmt: skip
    install(made, tmp_path, "nllb")
    embedder = load_embedder(made[1]["nllb"], config)
    tokenizer = embedder.loaded.tokenizer
    assert isinstance(tokenizer, FloresTokenizer)
    vocabulary = tokenizer.tokenizer.tokenizer.get_vocab()
    first = tokenizer(["海滩上的狗", "des chiens sur la plage en été", "dogs on the beach"])[:, 0]
    assert first.tolist() == [vocabulary[c] for c in ("zho_Hans", "fra_Latn", "eng_Latn")]
    # Given: the code goes in front, whatever the text looks like; an unknown one is detected
    assert tokenizer.tagged("a dog", "zh") == "zho_Hans a dog"
    assert tokenizer.tagged("a dog", "fr-FR") == "fra_Latn a dog"
    assert tokenizer.tagged("海滩上的狗", "ja") == "zho_Hans 海滩上的狗"  # no jpn_Jpan here
    # [code] pieces </s>, then padding, as NLLB's tokenizer writes a source sentence
    row = tokenizer(["zho_Hans a dog"])[0].tolist()
    pieces = tokenizer.tokenizer.tokenizer("a dog", add_special_tokens=False)["input_ids"]
    assert row[: len(pieces) + 2] == [vocabulary["zho_Hans"], *pieces, vocabulary["</s>"]]
    assert set(row[len(pieces) + 2 :]) == {vocabulary["<pad>"]}
    chinese = embedder.embed_texts(["dog"], "zh")
    assert not np.allclose(chinese, embedder.embed_texts(["dog"], "fr"))
    assert np.allclose(chinese, embedder.embed_texts(["zho_Hans dog"]))
    # NLLB's encoder (of an encoder-decoder) also runs trimmed, and on ONNX Runtime
    tower = TextTower(embedder.loaded.model)
    tokens = tokenizer(["海滩上的狗", "des chiens sur la plage en été"])
    eager = TorchEngine(tower, "cpu", "fp32", Choice("torch", "fp32"))
    eager.trim = None
    onnx = _engine(tower, "text", Choice("onnx", "fp32"), embedder.loaded, config, "cpu")
    assert tower.trim(tokens).shape[1] < tokens.shape[1]
    assert _lowest_cosine(onnx(tokens), eager(tokens)) > 0.9999
    # A tokenizer without language tokens is not wrapped, and ignores the language
    install(made, tmp_path, "xlmr")
    plain = load_embedder(made[1]["xlmr"], config)
    assert not isinstance(plain.loaded.tokenizer, FloresTokenizer)
    assert np.allclose(plain.embed_texts(["dog"], "zh"), plain.embed_texts(["dog"]))


def test_flores_codes_from_language_tags():
    assert flores_code("zh") == flores_code("zh-Hans") == flores_code("zh_CN") == "zho_Hans"
    assert flores_code("zh-TW") == flores_code("zh-Hant") == "zho_Hant"
    assert flores_code("fr") == flores_code("fr-FR") == flores_code("fra") == "fra_Latn"
    assert flores_code("ar") == "arb_Arab" and flores_code("deu_Latn") == "deu_Latn"
    assert flores_code("xx") is None and flores_code("klingon") is None


def test_search_lang_reaches_an_nllb_model(run_cli, photo_tree, made, tmp_path, database_url):
    """Through the CLI's --lang and the API's lang: given Chinese is what detection finds."""
    name = install(made, tmp_path / "data", "nllb")
    env = cli_env(name, database_url)
    run_cli("index", str(photo_tree), env=env)
    detected = searched(run_cli, env, "海滩上的狗")
    assert searched(run_cli, env, "海滩上的狗", "--lang", "zh") == detected
    french = searched(run_cli, env, "海滩上的狗", "--lang", "fr")
    assert [h["score"] for h in french] != [h["score"] for h in detected]
    wrong = run_cli("search", "chien", "--lang", "klingon", "--here", env=env, check=False)
    assert wrong.returncode == 2 and "--lang must be a language" in wrong.stderr

    config = Config.load(environ={}, data_dir=tmp_path / "data", database_url=database_url,
                         model=name, device="cpu", offline=True, runtime="torch",
                         precision="fp32", min_score=-1.0)  # fmt: skip
    library = PhotoLibrary(config)
    client = create_app(config, library).test_client()

    def api(**lang) -> list[float]:
        asked = {"q": "海滩上的狗", "literal": "true", "limit": 20, **lang}
        response = client.get("/api/search", query_string=asked)
        assert response.status_code == 200
        return [hit["score"] for hit in response.get_json()["results"]]

    assert api(lang="zh") == api() == [hit["score"] for hit in detected]
    assert api(lang="fr") != api()
    assert client.get("/api/search?q=chien&lang=klingon").status_code == 400
    library.close()


def test_hugging_face_text_tower_runs_on_onnx_and_in_the_query_kit(made, tmp_path):
    """Exported with the attention mask derived from the pad id inside the graph, and its
    padding columns trimmed: the same vectors as eager torch; and so does the query kit, its
    tokenizer.json read by the `tokenizers` package alone."""
    install(made, tmp_path)
    config = Config.load(environ={}, data_dir=tmp_path, device="cpu", offline=True,
                         runtime="torch", precision="fp32")  # fmt: skip
    loaded = load_embedder(made[1]["xlmr"], config).loaded
    tower = TextTower(loaded.model)
    eager = TorchEngine(tower, "cpu", "fp32", Choice("torch", "fp32"))
    onnx = _engine(tower, "text", Choice("onnx", "fp32"), loaded, config, "cpu")
    texts = ["海滩上的狗", "a cat sleeping on a sofa with the curtains open", "雪"]
    tokens = loaded.tokenizer(texts)
    cosine = _lowest_cosine(onnx(tokens), eager(tokens))
    assert cosine > 0.9999 and onnx(tokens[:1]).shape == (1, loaded.identity.dim)
    trimmed = tower.trim(tokens)
    assert trimmed.shape[1] < tokens.shape[1] and tower.pad_id == 1
    np.testing.assert_allclose(
        tower(trimmed).detach().numpy(), tower(tokens).detach().numpy(), atol=1e-5
    )
    kit_config = dataclasses.replace(config, runtime="onnx")
    ensure_query_kit(loaded, onnx, kit_config, "cpu")
    encoder = load_query_encoder(kit_config, loaded.identity.key)
    assert encoder is not None and isinstance(encoder.tokenizer, JsonTokenizer)
    np.testing.assert_array_equal(encoder.tokenizer(texts), tokens.numpy())
    embedder = Embedder(loaded, "cpu")
    assert (encoder.embed_texts(texts) * embedder.embed_texts(texts)).sum(axis=1).min() > 0.9999


def test_multilingual_presets_match_open_clip_and_say_what_they_read(run_cli):
    open_clip = get_open_clip()
    for name in ("multilingual", "nllb", "siglip-i18n"):
        preset = PRESETS[name]
        text_cfg = open_clip.get_model_config(preset.arch)["text_cfg"]
        assert hf_parts.hf_names(text_cfg) == preset.hf_parts
        assert open_clip.get_pretrained_cfg(preset.arch, preset.tag)["hf_hub"] == preset.hf_hub
        assert "Chinese" in preset.languages and set(preset.figures) == {
            "Chinese",
            "all languages",
        }
    rows = {row["name"]: row for row in json.loads(run_cli("models", "--json").stdout)}
    assert rows["nllb"]["figures"] == {"Chinese": 0.535, "all languages": 0.554}
    assert rows["multilingual"]["hugging_face"]["tokenizer"]["folder"] is None
    assert not rows["multilingual"]["available"]
    text = run_cli("models").stdout
    assert "XM3600 image R@1: Chinese 0.537, all languages 0.426" in text
    assert "openclip_multilingual_retrieval_results.csv" in text
    assert "zero-shot image R@1: MUGE 0.521, Flickr30K-CN 0.627, COCO-CN 0.622" in text
    assert "Chinese-CLIP's Results.md" in text
    status = run_cli("status", "--model", "siglip-i18n").stdout
    assert "reads" in status and "Chinese 0.474" in status
