"""(d) Peak memory with the vector index loaded, each case in a fresh process: the program
with its model alone, the same with the index loaded, and the index alone (load and rebuild)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .common import Row, random_checkpoint
from .search import build_store

PROBE = """
import json, sys
from pathlib import Path
sys.path.insert(0, {repo!r})
from benchmarks.common import config_for, peak_rss_mb, reset_peak_rss, rss_mb
from photosearch.store import Store, VectorIndex
config = config_for(Path({data!r}), {model!r}, index_type={kind!r})
store = Store(config)
model = store.models()[0]
if {with_model!r}:
    from photosearch.model.embedder import Embedder
    from photosearch.model.loading import load_model, parse_model
    embedder = Embedder(load_model(parse_model({model!r}, config), config, "cpu"), "cpu")
    embedder.embed_texts(["warm"])
else:
    reset_peak_rss()
before = rss_mb()
index = VectorIndex(config, model)
if {action!r} == "rebuild":
    index.rebuild(store)
    index.save(model.vectors_version)
elif {action!r} == "load":
    assert index.saved_version() == model.vectors_version and index.read()
    assert index.kind == {kind!r}
print(json.dumps({{"before": before, "peak": peak_rss_mb(), "size": index.size}}))
"""


def _probe(data: Path, model: str, kind: str, action: str, with_model: bool) -> dict:
    script = PROBE.format(repo=str(Path(__file__).resolve().parents[1]), data=str(data),
                          model=model, kind=kind, action=action, with_model=with_model)  # fmt: skip
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def run(quick: bool, work: Path) -> list[Row]:
    count = 100_000 if quick else 1_000_000
    data = work / f"search-{count}"
    build_store(data, count)[1].close()
    model = random_checkpoint(work)
    raw_mb = count * 512 * 4 / 2**20
    name = f"peak memory (RSS) with {count:,} vectors ({raw_mb:,.0f} MB raw)"
    fixed = _probe(data, model, "flat", "none", with_model=True)["peak"]
    rows = [Row(name, "program and ViT-B-32 model, no index", fixed, "MB")]
    for kind in ("flat", "ivf"):
        built = _probe(data, model, kind, "rebuild", with_model=False)
        alone = _probe(data, model, kind, "load", with_model=False)
        total = _probe(data, model, kind, "load", with_model=True)
        assert built["size"] == alone["size"] == total["size"] == count
        rows += [
            Row(name, f"{kind}: program, model and index", total["peak"], "MB",
                "model + raw", fixed + raw_mb, "<= model + 1.3 x raw",
                total["peak"] <= fixed + 1.3 * raw_mb),
            Row(name, f"{kind}: loading the index alone adds", alone["peak"] - alone["before"],
                "MB", "raw vector bytes", raw_mb),
            Row(name, f"{kind}: rebuilding it from SQLite adds", built["peak"] - built["before"],
                "MB", "raw vector bytes", raw_mb),
        ]  # fmt: skip
    return rows
