"""`python -m benchmarks [--quick] [--only NAME,...] [--json FILE] [--work DIR]
[--database-url URL]`"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import platform
import tempfile
import time
from pathlib import Path

from . import (
    api,
    api_chinese,
    cluster,
    common,
    compressed,
    decoding,
    faces,
    gpu,
    indexing,
    memory,
    multilingual,
    ocr,
    pages,
    people,
    person_search,
    places,
    reading,
    reindex,
    search,
    terminal,
    text_search,
    timeline,
    video,
    video_index,
    video_scenes,
    video_search,
)

SUITES = {
    "indexing": indexing.run,
    "search": search.run,
    "reindex": reindex.run,
    "memory": memory.run,
    "api": api.run,
    "api-chinese": api_chinese.run,
    "gpu": gpu.run,
    "compressed": compressed.run,
    "cluster": cluster.run,
    "places": places.run,
    "reading": reading.run,
    "ocr": ocr.run,
    "text": text_search.run,
    "decoding": decoding.run,
    "terminal": terminal.run,
    "multilingual": multilingual.run,
    "timeline": timeline.run,
    "pages": pages.run,
    "people": people.run,
    "person-search": person_search.run,
    "faces": faces.run,
    "video": video.run,
    "video-index": video_index.run,
    "video-scenes": video_scenes.run,
    "video-search": video_search.run,
}


def machine() -> str:
    import torch

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__} with {torch.get_num_threads()} threads, "
        f"CUDA {'yes: ' + torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no'}"
    )


def print_table(rows) -> None:
    current = None
    for row in rows:
        if row.benchmark != current:
            current = row.benchmark
            print(f"\n{current}")
        ratio = f"{row.ratio:7.2f} x {row.baseline}" if row.ratio is not None else ""
        verdict = "" if row.met is None else ("  met" if row.met else "  NOT met")
        target = f"  target {row.target}{verdict}" if row.target else ""
        digits = 6 if row.unit == "cosine" else 3
        print(f"  {row.figure:<48} {row.value:10.{digits}f} {row.unit:<8} {ratio}{target}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few minutes")
    parser.add_argument("--only", help=f"comma-separated: {', '.join(SUITES)}")
    parser.add_argument("--json", type=Path, default=Path("benchmark-results.json"))
    parser.add_argument("--work", type=Path, help="keep generated data here between runs")
    parser.add_argument(
        "--database-url",
        default="",
        help="build the stores in this database (PostgreSQL; an empty one, one benchmark at "
        "a time with --only) instead of SQLite under --work",
    )
    args = parser.parse_args()
    common.DATABASE_URL = args.database_url
    logging.basicConfig(level=logging.WARNING)
    chosen = args.only.split(",") if args.only else list(SUITES)
    work = args.work or Path(tempfile.mkdtemp(prefix="photosearch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}\nmode: {'quick' if args.quick else 'full'}; data in {work}")
    print(f"load average (1, 5, 15 min): {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    rows, started = [], time.perf_counter()
    for name in chosen:
        suite_started = time.perf_counter()
        suite_rows = SUITES[name](args.quick, work)
        print_table(suite_rows)
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"  ({name}: {time.perf_counter() - suite_started:.0f} s; load average {load})")
        rows += suite_rows
    results = {
        "machine": machine(),
        "mode": "quick" if args.quick else "full",
        "seconds": round(time.perf_counter() - started, 1),
        "rows": [{**dataclasses.asdict(row), "ratio": row.ratio} for row in rows],
    }
    args.json.write_text(json.dumps(results, indent=2))
    print(f"\nall done in {results['seconds']:.0f} s; results in {args.json}")


if __name__ == "__main__":
    main()
