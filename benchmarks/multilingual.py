"""(r) Text queries in Chinese, French and English through the JSON API at 100k photos with
xlm-roberta-base-ViT-B-32's text tower at its real size: random weights of the real
architecture, XLM-RoBERTa base built from its default config (278M weights, 250k pieces), no
download. A tokenizer made here stands in for XLM-R's sentencepiece one, which cannot be had
offline: its pieces are the queries' whole words (Chinese ones as rjieba cuts them), as in
XLM-R's 250k-piece vocabulary, which holds such common words whole; it only changes which pieces
a query is cut into, not the work per piece. Each runtime of the text tower is timed against
eager fp32 over the whole context, as queries arrive (one at a time), and the API runs the
fastest one that keeps a cosine of 0.999 to it, as `auto` would pick."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from photosearch.library import PhotoLibrary
from photosearch.model.embedder import Embedder
from photosearch.model.loading import load_model, parse_model
from photosearch.model.runtime.engines import Choice, TorchEngine
from photosearch.model.runtime.selection import COSINE_FLOOR, Engines, _engine, _lowest_cosine
from photosearch.model.runtime.towers import ImageTower, TextTower
from photosearch.web import create_app, warm_up
from tests.multilingual import SENTENCES

from .api import fresh_queries
from .common import Row, config_for, latencies_ms, p50_p95
from .search import build_store

ARCH = "xlm-roberta-base-ViT-B-32"
QUERIES = ["海滩上的狗", "a dog on the beach", "des chiens sur la plage", "雪山下的湖",
           "birthday cake with candles", "两只猫在沙发上睡觉", "a red car at night"]  # fmt: skip
RUNTIMES = (("torch", "fp32"), ("torch", "bf16"), ("onnx", "fp32"), ("onnx", "int8"))


def random_multilingual(work: Path, data: Path) -> str:
    """XLM-R base's config and the stand-in tokenizer in data's models/hf/xlm-roberta-base, and a
    random checkpoint of the whole architecture: the model name a user would pass. The models
    folder (and the ONNX files exported there) is shared by the runs of every size."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast, XLMRobertaConfig

    from photosearch.model.loading import get_open_clip

    shared = work / "multilingual-models"
    shared.mkdir(exist_ok=True)
    if not (data / "models").exists():
        (data / "models").symlink_to(shared)
    folder = shared / "hf" / "xlm-roberta-base"
    checkpoint = work / f"{ARCH}-random.pt"
    special = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tokenizer = Tokenizer(models.Unigram([(p, 0.0) for p in special] + _pieces(), unk_id=3))
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.post_processor = TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    names = dict(zip(("bos", "pad", "eos", "unk", "mask"), special, strict=True))
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, **{f"{k}_token": v for k, v in names.items()}
    ).save_pretrained(folder)
    XLMRobertaConfig(vocab_size=250002, max_position_embeddings=514).save_pretrained(folder)
    if checkpoint.exists():  # the weights do not depend on the tokenizer
        return f"{ARCH}:{checkpoint}"
    open_clip = get_open_clip()
    text_cfg = open_clip.get_model_config(ARCH)["text_cfg"]
    torch.manual_seed(0)
    model = open_clip.create_model(
        ARCH, text_cfg={**text_cfg, "hf_model_name": str(folder), "hf_model_pretrained": False}
    )
    torch.save({"state_dict": model.state_dict()}, checkpoint)
    return f"{ARCH}:{checkpoint}"


def _pieces() -> list[tuple[str, float]]:
    """Whole words (and the numbers the queries are suffixed with) score above the single
    characters every other text falls back to, so a query is cut into its words."""
    import rjieba

    words, characters = {f"\u2581{n}" for n in range(1000)}, set()
    for text in SENTENCES + QUERIES:
        for word in text.split():
            chinese = any(ord(character) >= 0x2E80 for character in word)
            words |= set(rjieba.cut(word)) if chinese else {f"\u2581{word}"}
            characters |= set(word)
    characters |= {"\u2581"}
    return [(w, -5.0) for w in sorted(words)] + [(c, -10.0) for c in sorted(characters)]


def run(quick: bool, work: Path) -> list[Row]:
    count = 10_000 if quick else 100_000
    data = work / f"search-{count}"
    build_store(data, count)[1].close()
    model = random_multilingual(work, data)
    config = config_for(data, model, min_score=-1.0, device="cpu", offline=True)
    loaded = load_model(parse_model(model, config), config, "cpu")
    tower = TextTower(loaded.model)
    repeats = 10 if quick else 30  # eager fp32 over 77 tokens takes seconds a query here
    probe = [loaded.tokenizer([query]) for query in QUERIES]
    eager = TorchEngine(tower, "cpu", "fp32", Choice("torch", "fp32"))
    eager.trim = None  # before: the whole 77-token context, as open_clip encodes it
    reference = np.concatenate([eager(tokens) for tokens in probe])
    queries = fresh_queries(QUERIES)
    name = f"(r) xlm-roberta-base-ViT-B-32 text tower, {count:,} photos"

    def timed(engine) -> float:
        return p50_p95(latencies_ms(lambda: engine(loaded.tokenizer([next(queries)])), repeats))[0]

    before = timed(eager)
    rows = [Row(name, "before: eager fp32 77-token encoding p50", before, "ms")]
    engines = []
    for runtime, precision in RUNTIMES:
        engine = _engine(tower, "text", Choice(runtime, precision), loaded, config, "cpu")
        cosine = _lowest_cosine(np.concatenate([engine(t) for t in probe]), reference)
        took = timed(engine)
        engine.choice = Choice(runtime, precision, 1000 / took, cosine)
        engines.append(engine)
        label = f"text encoding p50, {runtime} {precision} (cosine {cosine:.5f})"
        rows.append(Row(name, label, took, "ms", "before", before))
    fastest = max(
        (e for e in engines if e.choice.cosine >= COSINE_FLOOR), key=lambda e: e.choice.per_second
    )
    image = TorchEngine(ImageTower(loaded.model), "cpu", "fp32", Choice("torch", "fp32"))
    embedder = Embedder(loaded, "cpu", Engines(image, fastest))
    library = PhotoLibrary(config, embedder=embedder)
    library.model = library.store.models()[0]  # the benchmark's vectors: same dimension
    warm_up(library)
    client = create_app(config, library).test_client()

    def request() -> None:
        response = client.get("/api/search", query_string={"q": next(queries), "limit": 40})
        assert response.status_code == 200 and len(response.get_json()["results"]) == 40

    request()
    api50, api95 = p50_p95(latencies_ms(request, repeats))
    library.close()
    api = f"whole request p50 ({fastest.choice.label})"
    return rows + [
        Row(name, api, api50, "ms", "before", before, "<= 30 ms", api50 <= 30),
        Row(name, "whole request p95", api95, "ms"),
    ]
