"""(f) Chinese text queries end to end through the JSON API at 100k photos with Chinese-CLIP
ViT-B/16's towers at their real size (random weights of its architecture, saved as Hugging Face
keeps the model and loaded through `--model ChineseCLIP-ViT-B-16:/folder`, no download), in the
default runtime; and the text encoding on each runtime against eager fp32 torch."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from photosearch.model.embedder import Embedder
from photosearch.model.families import chinese_clip
from photosearch.model.runtime.selection import CPU_CHOICES, select_engines
from photosearch.web import create_app

from .api import fresh_queries, served
from .common import Row, latencies_ms, p50_p95
from .search import build_store

QUERIES = ["海滩上的狗", "夜晚停在路灯下的红色汽车", "生日蛋糕和蜡烛", "沙发上睡觉的两只猫", "雪山"]
VOCABULARY_SIZE = 21128  # the model's: bert-base-chinese's word pieces


def random_chinese_clip(directory: Path) -> str:
    """Chinese-CLIP ViT-B/16's architecture (OFA-Sys/chinese-clip-vit-base-patch16's config:
    a 12-layer RoBERTa-wwm-base text tower, a ViT-B/16 at 224 px, 512-dimensional vectors)
    with random weights, and a vocabulary of its size: the model's compute, no download."""
    from transformers import ChineseCLIPConfig, ChineseCLIPModel

    folder = directory / "chinese-clip-vit-base-patch16-random"
    if not (folder / "model.safetensors").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        specials = ["[PAD]", *(f"[unused{n}]" for n in range(1, 100)), "[UNK]", "[CLS]", "[SEP]"]
        words = [*specials, "[MASK]", *map(chr, range(0x4E00, 0x9FA6))]
        words += [f"##{n}" for n in range(VOCABULARY_SIZE - len(words))]
        (folder / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
        config = ChineseCLIPConfig(
            text_config={"vocab_size": VOCABULARY_SIZE, "max_position_embeddings": 512},
            vision_config={"image_size": 224, "patch_size": 16},
            projection_dim=512,
        )
        torch.manual_seed(0)
        ChineseCLIPModel(config).eval().save_pretrained(folder)
    return f"{chinese_clip.ARCH}:{folder}"


def run(quick: bool, work: Path) -> list[Row]:
    count = 10_000 if quick else 100_000
    data = work / f"search-{count}"
    build_store(data, count)[1].close()
    config, loaded, embedder, library = served(work, data, random_chinese_clip(work))
    client = create_app(config, library).test_client()
    repeats = 50 if quick else 200
    queries = fresh_queries(QUERIES)

    def request() -> None:
        response = client.get("/api/search", query_string={"q": next(queries), "limit": 40})
        assert response.status_code == 200 and len(response.get_json()["results"]) == 40

    api50, api95 = p50_p95(latencies_ms(request, repeats))
    library.close()

    def before() -> None:
        with torch.inference_mode():
            loaded.model.encode_text(loaded.tokenizer([next(queries)]))

    before50, _ = p50_p95(latencies_ms(before, repeats))
    name = f"(f) GET /api/search, {count:,} photos, Chinese-CLIP ViT-B/16 ({embedder.runtime})"
    rows = [Row(name, "before: eager fp32 52-token encoding p50", before50, "ms")]
    encodings = {}
    for runtime, precision in CPU_CHOICES:
        choice = dataclasses.replace(config, runtime=runtime, precision=precision)
        other = Embedder(loaded, "cpu", select_engines(loaded, choice, "cpu"))
        other.embed_texts([next(queries)])  # warm
        encodings[other.engines.text.choice.label] = p50_p95(
            latencies_ms(lambda other=other: other.embed_texts([next(queries)]), repeats)
        )[0]
    eager = encodings["torch fp32"]
    for label, value in encodings.items():
        rows.append(Row(name, f"text encoding, {label}, p50", value, "ms", "eager fp32", eager))
    rows += [
        Row(name, "whole request p50", api50, "ms", "before", before50, "<= 30 ms", api50 <= 30),
        Row(name, "whole request p95", api95, "ms"),
    ]
    return rows
