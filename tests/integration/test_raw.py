"""Camera RAW files through LibRaw: DNGs written by pidng are indexed with their camera facts,
shown on the web, paired with their JPEG as near-duplicates, and broken ones are recorded."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from photosearch.duplicates import near_duplicate_groups
from photosearch.imaging import raw as raw_module
from photosearch.imaging.decoder import DecodeError, decode
from photosearch.library import PhotoLibrary
from photosearch.metadata import PhotoMeta
from photosearch.search.request import parse_search
from photosearch.web import create_app

pytest.importorskip("rawpy")
pidng = pytest.importorskip("pidng.core")
from pidng.defs import (  # noqa: E402 - only once pidng is known to be there
    CalibrationIlluminant,
    CFAPattern,
    DNGVersion,
    Orientation,
    PhotometricInterpretation,
)

WIDTH, HEIGHT = 384, 256
ROTATED_90 = 6  # EXIF/TIFF orientation: turn 90 degrees clockwise to view
IDENTITY = [[1, 1], [0, 1], [0, 1], [0, 1], [1, 1], [0, 1], [0, 1], [0, 1], [1, 1]]


def write_dng(path: Path, seed: int = 0, orientation=Orientation.Horizontal) -> Path:
    """A small Bayer-pattern DNG of smooth colour blobs, as a camera would store it."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(300, 3800, (4, 6), dtype=np.uint16).astype(np.float32)
    smooth = np.asarray(Image.fromarray(coarse, mode="F").resize((WIDTH, HEIGHT), Image.BICUBIC))
    sensor = np.clip(smooth, 0, 4095).astype(np.uint16)
    tags = pidng.DNGTags()
    for tag, value in [
        (pidng.Tag.ImageWidth, WIDTH), (pidng.Tag.ImageLength, HEIGHT),
        (pidng.Tag.TileWidth, WIDTH), (pidng.Tag.TileLength, HEIGHT),
        (pidng.Tag.Orientation, orientation),
        (pidng.Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array),
        (pidng.Tag.SamplesPerPixel, 1), (pidng.Tag.BitsPerSample, 12),
        (pidng.Tag.CFARepeatPatternDim, [2, 2]), (pidng.Tag.CFAPattern, CFAPattern.RGGB),
        (pidng.Tag.BlackLevel, 0), (pidng.Tag.WhiteLevel, 4095),
        (pidng.Tag.ColorMatrix1, IDENTITY),
        (pidng.Tag.CalibrationIlluminant1, CalibrationIlluminant.D65),
        (pidng.Tag.AsShotNeutral, [[1, 1], [1, 1], [1, 1]]),
        (pidng.Tag.Make, "Photosearch"), (pidng.Tag.Model, "Test DNG"),
        (pidng.Tag.DNGVersion, DNGVersion.V1_4), (pidng.Tag.DNGBackwardVersion, DNGVersion.V1_2),
    ]:  # fmt: skip
        tags.set(tag, value)
    converter = pidng.RAW2DNG()
    converter.options(tags, path=str(path.parent), compress=False)
    converter.convert(sensor, filename=path.stem)
    path.with_name(path.stem + ".dng").rename(path)  # pidng always names it .dng
    return path


@pytest.fixture
def raw_tree(tmp_path) -> Path:
    root = tmp_path / "Raw"
    root.mkdir()
    write_dng(root / "IMG_0001.dng", seed=1)
    write_dng(root / "IMG_0002.DNG", seed=2, orientation=ROTATED_90)
    pair = decode((root / "IMG_0001.dng").read_bytes(), max_pixels=10**8, name="x.dng")
    pair.image.save(root / "IMG_0001.jpg", quality=95)  # the camera's JPEG of the same shot
    broken = (root / "IMG_0002.DNG").read_bytes()
    (root / "IMG_0003.dng").write_bytes(broken[: len(broken) // 3])
    (root / "IMG_0004.cr2").write_bytes(b"not a raw file at all" * 100)
    return root


def test_dng_decodes_upright_with_camera_facts(tmp_path):
    path = write_dng(tmp_path / "a.dng")
    decoded = decode(path.read_bytes(), max_pixels=10**8, min_side=64, name=str(path))
    assert decoded.meta.format == "RAW"
    assert (decoded.meta.camera_make, decoded.meta.camera_model) == ("Photosearch", "Test DNG")
    assert (decoded.meta.width, decoded.meta.height) == (WIDTH, HEIGHT)
    assert decoded.image.mode == "RGB" and min(decoded.image.size) >= 64
    turned = write_dng(tmp_path / "b.dng", orientation=ROTATED_90)
    upright = decode(turned.read_bytes(), max_pixels=10**8, min_side=64, name=str(turned))
    assert (upright.meta.width, upright.meta.height) == (HEIGHT, WIDTH)
    assert upright.image.size[1] > upright.image.size[0]  # portrait, as the camera was held
    with pytest.raises(DecodeError) as error:
        decode(path.read_bytes(), max_pixels=1000, name=str(path))
    assert error.value.kind == "too_large"


def test_raw_files_are_indexed_paired_and_broken_ones_recorded(
    config, tiny_embedder, raw_tree, tmp_path
):
    library = PhotoLibrary(
        dataclasses.replace(config, duplicate_threshold=0.9), embedder=tiny_embedder
    )
    summary = library.index([raw_tree])
    assert (summary.new, summary.failed) == (3, 2)
    failures = {Path(f.path).name: f for f in library.store.failures()}
    assert set(failures) == {"IMG_0003.dng", "IMG_0004.cr2"}
    assert all(f.kind in ("corrupt", "unsupported") for f in failures.values())
    raw = library.store.photo_by_path(str(raw_tree / "IMG_0001.dng"))
    jpeg = library.store.photo_by_path(str(raw_tree / "IMG_0001.jpg"))
    assert raw.id != jpeg.id and raw.format == "RAW" and raw.camera_model == "Test DNG"
    groups = near_duplicate_groups(library.store, library.model.id, 0.9)
    assert any({raw.id, jpeg.id} <= set(group) for group in groups)

    client = create_app(library.config, library).test_client()
    for kind in ("thumbnail", "preview"):
        response = client.get(f"/media/{raw.id}/{kind}")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
    query = {"q": "a photo", "type": "raw", "min_score": -1}
    found = client.get("/api/search", query_string=query).get_json()
    assert {hit["format"] for hit in found["results"]} == {"RAW"}

    # A RAW file outside the index as the query (search --like FILE): read as RAW by its name.
    outside = tmp_path / "elsewhere.dng"
    outside.write_bytes((raw_tree / "IMG_0001.dng").read_bytes())
    asked = parse_search({}, upload=outside.read_bytes(), upload_name=str(outside))
    top = library.search(asked).hits[0]
    assert top.photo.id == raw.id and top.score == pytest.approx(1.0, abs=1e-4)
    sent = {"photo": (io.BytesIO(outside.read_bytes()), "query")}  # as the terminal sends it
    answer = client.post(f"/api/search?like_path={outside}&min_score=-1", data=sent)
    assert answer.status_code == 200 and answer.get_json()["results"][0]["id"] == raw.id
    library.close()


class CameraWithPreview:
    """Stands in for rawpy's RawPy where a real RAW with an embedded preview cannot be made
    here (pidng writes none): extract_thumb() gives the camera's JPEG, as LibRaw would."""

    def __init__(self, jpeg: bytes):
        self.jpeg = jpeg

    def extract_thumb(self):
        import rawpy

        return SimpleNamespace(format=rawpy.ThumbFormat.JPEG, data=self.jpeg)


def jpeg_bytes(size: tuple[int, int], orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # blue on the left half
    buffer = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_embedded_preview_is_used_upright_when_large_enough():
    meta = PhotoMeta(width=3000, height=4000)
    turned = raw_module._preview(CameraWithPreview(jpeg_bytes((640, 480))), meta, 224, 6).image
    width, height = turned.size  # decoded at a reduced scale, no smaller than needed
    assert height > width and min(width, height) >= 224  # the RAW says: turn 90 clockwise
    assert turned.getpixel((width // 2, 5))[2] > 150  # the blue left half is now on top
    own = raw_module._preview(CameraWithPreview(jpeg_bytes((640, 480), 6)), meta, 224, 1)
    assert own.image.size == turned.size  # the preview's own orientation wins
    small = CameraWithPreview(jpeg_bytes((160, 120)))
    assert raw_module._preview(small, meta, 224, 1) is None  # too small: demosaic instead


def test_a_raw_larger_than_the_decode_budget_is_refused_unless_it_has_a_preview(tmp_path):
    from photosearch.imaging.budget import DecodeBudget

    path = write_dng(tmp_path / "a.dng")
    with pytest.raises(DecodeError) as error:  # 384x256 demosaics in about 1.6 MB
        decode(path.read_bytes(), max_pixels=10**8, name=str(path), budget=DecodeBudget(1 << 20))
    assert error.value.kind == "too_large" and "decode_memory_mb" in error.value.message
    fits = decode(path.read_bytes(), max_pixels=10**8, name=str(path), budget=DecodeBudget(4 << 20))
    assert fits.image.size == (WIDTH // 2, HEIGHT // 2)
    meta = PhotoMeta(width=3000, height=4000)
    small = CameraWithPreview(jpeg_bytes((160, 120)))  # too small for the model, but better
    assert raw_module._preview(small, meta, 224, 1, any_size=True).image.size == (160, 120)
