"""Thumbnails saved by the indexer from the decode it does anyway, for the web to serve as they
are. The tiny test model's 64 px input makes most JPEGs decode far below 320 px: those are the
ones the indexer must leave to the web."""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photosearch import files
from photosearch.config import Config
from photosearch.imaging import thumbnails
from photosearch.imaging.photo_file import content_hash
from photosearch.imaging.thumbnails import cache_path
from photosearch.library import PhotoLibrary
from photosearch.web import create_app

SAVED = ["edge/big-12mp.jpg", "edge/animated.gif", "edge/rocket.heic", "edge/cat.webp",
         "photos/people/cameraman.png", "photos/things/motorcycle.png"]  # fmt: skip
LEFT_TO_THE_WEB = ["edge/orientation-6.jpg", "photos/places/hubble-deep-field.jpg"]


def thumbnail_of(library, path):
    photo = library.store.photo_by_path(str(path))
    return photo, cache_path(library.config, photo.content_hash, 320)


def sideways_jpeg(path):
    """A 2561x1728 JPEG stored sideways (EXIF orientation 6). Its draft decodes for the tiny
    model (1/8) and for the web (1/4) round to different aspect ratios: a thumbnail sized from
    the decoded image instead of the full one would come out 215 px wide at index time and
    216 px on the web."""
    pixels = np.random.default_rng(0).integers(0, 256, (6, 9, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(pixels).resize((2561, 1728)).save(path, "JPEG", exif=exif, quality=80)


def test_indexing_saves_thumbnails_under_the_web_keys(library, photo_tree):
    library.index([photo_tree])
    cache = library.config.data_dir / "thumbnails"
    known = library.store.known_files([str(photo_tree)], library.model.id)
    hashes = {row.content_hash for row in known.values()}
    files = [path for path in cache.rglob("*") if path.is_file()]
    assert {path.name for path in files} <= {f"{digest}-320.jpg" for digest in hashes}
    assert all(path.parent.name == path.name[:2] for path in files)
    for name in SAVED:
        photo, path = thumbnail_of(library, photo_tree / name)
        width, height = Image.open(path).size
        assert max(width, height) == min(320, max(photo.width, photo.height)), name
        assert (width > height) == (photo.width > photo.height), name
    for name in LEFT_TO_THE_WEB:
        assert not thumbnail_of(library, photo_tree / name)[1].exists(), name


def test_index_time_thumbnails_are_the_ones_the_web_makes(library, photo_tree):
    sideways_jpeg(photo_tree / "sideways.jpg")
    library.index([photo_tree])
    client = create_app(library.config, library).test_client()
    sizes = {}
    for name in ["sideways.jpg", "edge/big-12mp.jpg", "edge/animated.gif", "edge/alpha.png"]:
        photo, path = thumbnail_of(library, photo_tree / name)
        at_index = Image.open(path).size
        path.unlink()
        response = client.get(f"/media/{photo.id}/thumbnail")
        assert response.status_code == 200 and path.is_file()
        assert Image.open(BytesIO(response.data)).size == at_index, name
        sizes[name] = at_index
    assert sizes["sideways.jpg"] == (216, 320)  # upright
    assert sizes["edge/animated.gif"] == (160, 120)  # small: never enlarged


def test_web_serves_the_index_time_thumbnail_without_decoding(library, photo_tree, monkeypatch):
    library.index([photo_tree])
    photo, path = thumbnail_of(library, photo_tree / "edge/big-12mp.jpg")
    saved, mtime = path.read_bytes(), path.stat().st_mtime_ns

    def no_decoding(*args, **kwargs):
        raise AssertionError("the web decoded a photo whose thumbnail was saved at index time")

    monkeypatch.setattr(thumbnails, "decode", no_decoding)
    response = create_app(library.config, library).test_client().get(f"/media/{photo.id}/thumbnail")
    assert response.status_code == 200 and response.data == saved
    assert path.stat().st_mtime_ns == mtime


def test_setting_off_saves_none(config, tiny_embedder, photo_tree, tmp_path):
    library = PhotoLibrary(dataclasses.replace(config, thumbnails_at_index=False), tiny_embedder)
    try:
        assert library.index([photo_tree]).new == 25
    finally:
        library.close()
    assert not (tmp_path / "data" / "thumbnails").exists()
    off = {"PHOTOSEARCH_THUMBNAILS_AT_INDEX": "false"}
    assert Config.load(environ=off, data_dir=tmp_path / "env").thumbnails_at_index is False
    (tmp_path / "toml").mkdir()
    (tmp_path / "toml" / "config.toml").write_text("thumbnails_at_index = false\n")
    assert Config.load(environ={}, data_dir=tmp_path / "toml").thumbnails_at_index is False
    assert Config.load(environ={}, data_dir=tmp_path / "default").thumbnails_at_index is True


def test_copies_and_moves_are_not_decoded_for_thumbnails(library, photo_tree, count_embeds):
    library.index([photo_tree])
    cache = library.config.data_dir / "thumbnails"
    shutil.rmtree(cache)
    shutil.copy(photo_tree / "photos/people/cameraman.png", photo_tree / "copy.png")
    os.rename(photo_tree / "edge/animated.gif", photo_tree / "moved.gif")
    counter = count_embeds()
    summary = library.index([photo_tree])
    assert (summary.moved, summary.reused, counter.images) == (1, 1, 0)
    assert not cache.exists()


def test_existing_thumbnail_is_kept(library, photo_tree):
    digest = content_hash((photo_tree / "photos/people/cameraman.png").read_bytes())
    existing = cache_path(library.config, digest, 320)
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"made by the web")
    library.index([photo_tree])
    assert existing.read_bytes() == b"made by the web"
    assert thumbnail_of(library, photo_tree / "edge/big-12mp.jpg")[1].is_file()


@pytest.mark.parametrize("fault", ["read-only folder", "file in the way", "disk full"])
def test_thumbnail_write_errors_never_stop_indexing(
    fault, library, photo_tree, monkeypatch, caplog
):
    cache = library.config.data_dir / "thumbnails"
    if fault == "read-only folder":
        cache.mkdir(parents=True)
        cache.chmod(0o555)
        mkstemp = files.tempfile.mkstemp
        if os.geteuid() == 0:  # root ignores permission bits: fail as a read-only mount would

            def read_only(*args, dir, **kwargs):
                if cache in Path(dir).parents:
                    raise OSError(errno.EROFS, "Read-only file system")
                return mkstemp(*args, dir=dir, **kwargs)

            monkeypatch.setattr(files.tempfile, "mkstemp", read_only)
    elif fault == "file in the way":
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(b"")
    else:

        def full(image, output, *args, **kwargs):
            output.write(b"\xff\xd8 half a JPEG")
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(Image.Image, "save", full)
    attempts = []
    real_write = thumbnails.write
    monkeypatch.setattr(thumbnails, "write", lambda *a: attempts.append(a) or real_write(*a))

    summary = library.index([photo_tree])
    assert (summary.new, summary.failed) == (25, 6)
    warnings = [r for r in caplog.records if r.name == "photosearch.imaging.thumbnails"]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"
    assert 1 <= len(attempts) <= library.config.workers  # then off for the rest of the run
    if cache.is_dir():
        assert not [path for path in cache.rglob("*") if path.is_file()]  # no temporary left
