"""(q) The web page as Lighthouse scores it, at 10,000 photos: the home page (the timeline),
a results page and the viewer (`?photo=ID` over the timeline), served by waitress as `serve`
does, with Lighthouse 12.2.3 (npm; the last version for Node 20) driving Debian's chromium,
in its default mobile emulation (a mid-range phone, a slow 4G link, the CPU slowed 4 x) and
its desktop preset. The photos are the benchmark store's (b), each with thumbnails and a
preview cut from one of scikit-image's sample photos, so the page's images are real JPEGs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as samples
from sqlalchemy import update

from photosearch.imaging.thumbnails import SIZES, cache_path
from photosearch.store.schema import PhotoRow
from photosearch.web import create_app
from photosearch.web.server import Server

from .api import served
from .common import Row
from .search import build_store

LIGHTHOUSE = "lighthouse@12.2.3"
CATEGORIES = ("performance", "accessibility", "best-practices")
# The targets: (category, on the home page) -> the least score.
TARGETS = {("accessibility", True): 95, ("accessibility", False): 95, ("best-practices", True): 95,
           ("best-practices", False): 95, ("performance", True): 90}  # fmt: skip
SAMPLES = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry")


def run(quick: bool, work: Path) -> list[Row]:
    chromium = shutil.which("chromium")
    if chromium is None or shutil.which("npx") is None:
        print("  (q) skipped: needs Debian's chromium and npx (Node 20)")
        return []
    count = 10_000
    data = work / f"search-{count}"
    build_store(data, count)[1].close()
    config, _, _, library = served(work, data)
    photo_id = with_images(config, library.store, count)
    server = Server(create_app(config, library), "127.0.0.1", 0, threads=4).start()
    try:
        base = server.loopback_url
        pages = {  # its report's name: (what it is, its address)
            "home": ("home page (the timeline)", f"{base}/"),
            "results": ("results of a search", f"{base}/?q=a+dog+on+the+beach"),
            "viewer": ("the viewer (`?photo=ID`)", f"{base}/?photo={photo_id}"),
        }
        rows = []
        for form in ("mobile", "desktop"):
            for slug, (name, url) in pages.items():
                report = work / "lighthouse" / f"{form}-{slug}.json"
                scores = lighthouse(url, form, chromium, report)
                for category, score in scores.items():
                    least = TARGETS.get((category, slug == "home"), 0)
                    rows.append(
                        Row(
                            f"(q) Lighthouse, {count:,} photos, {form}: {name}",
                            category,
                            score,
                            "/ 100",
                            target=f">= {least}" if least else "",
                            met=score >= least if least else None,
                        )  # fmt: skip
                    )
        return rows
    finally:
        server.stop()
        library.close()


def with_images(config, store, count: int) -> int:
    """Give every stored photo the shape of a sample photo and its cached thumbnail and
    preview (hard links to one file per sample), as indexing would have; the id of one."""
    made = []
    for number, name in enumerate(SAMPLES):
        image = Image.fromarray(np.asarray(getattr(samples, name)())).convert("RGB")
        sizes = {}
        for size in (SIZES["thumbnail"], SIZES["preview"]):
            path = config.data_dir / "samples" / f"{name}-{size}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            copy = image.copy()
            copy.thumbnail((size, size))
            copy.save(path, quality=85)
            sizes[size] = path
        made.append((number, image.size, sizes))
    with store.engine.begin() as connection:
        for number, (width, height), _ in made:
            connection.execute(
                update(PhotoRow)
                .where(PhotoRow.id % len(made) == number)
                .values(width=width, height=height)
            )
    for photo_id in range(1, count + 1):
        _, _, sizes = made[photo_id % len(made)]
        for size, source in sizes.items():
            target = cache_path(config, f"{photo_id:064x}", size)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(source, target)
    return count // 2


def lighthouse(url: str, form: str, chromium: str, report: Path) -> dict[str, int]:
    """The page's scores out of 100, one Lighthouse run; its whole report kept in `report`."""
    report.parent.mkdir(parents=True, exist_ok=True)
    command = ["npx", "--yes", LIGHTHOUSE, url, "--quiet", "--output=json",
               f"--output-path={report}", f"--only-categories={','.join(CATEGORIES)}",
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu"]  # fmt: skip
    if form == "desktop":
        command.append("--preset=desktop")
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": chromium}, timeout=300)
    found = json.loads(report.read_text())["categories"]
    return {key: round(found[key]["score"] * 100) for key in CATEGORIES}
