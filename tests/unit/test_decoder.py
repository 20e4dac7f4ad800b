"""Every edge-case encoding decodes to upright RGB; every bad file fails with a reason."""

import io

import numpy as np
import pytest
from PIL import Image

from photosearch.imaging.decoder import DecodeError, decode

from ..conftest import TEST_DATA
from ..sample_data import ORIENTED_SIZE, sample

LIMIT = 200_000_000


def decoded(relative_path: str, **kwargs):
    return decode((TEST_DATA / relative_path).read_bytes(), max_pixels=LIMIT, **kwargs)


@pytest.mark.parametrize(
    "name",
    [
        "big-12mp.jpg",
        "exif-canon-paris-2017.jpg",
        "orientation-6.jpg",
        "rocket.heic",
        "cat.webp",
        "grayscale.jpg",
        "cmyk.jpg",
        "gray-16bit.png",
        "alpha.png",
        "animated.gif",
        "Mixed Case & spaces ü.JPG",
        "jpeg-named.png",
    ],
)
def test_edge_cases_become_rgb(name):
    result = decoded(f"edge/{name}")
    assert result.image.mode == "RGB"
    assert min(result.image.size) > 0


def test_orientation_is_applied():
    result = decoded("edge/orientation-6.jpg")
    assert result.image.size == (451, 300)
    assert (result.meta.width, result.meta.height) == (451, 300)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_decodes_upright(orientation):
    upright = np.asarray(Image.open(TEST_DATA / "extra/upright.png"), dtype=float)
    result = decoded(f"extra/orientation-{orientation}.jpg")
    assert result.image.size == (result.meta.width, result.meta.height) == ORIENTED_SIZE
    # JPEG loses ~3 levels on average; a wrong flip or turn of this crop differs by ~35.
    assert np.abs(np.asarray(result.image, dtype=float) - upright).mean() < 8


def test_palette_png_keeps_its_colours_and_whitens_the_transparent_one():
    palette = Image.open(TEST_DATA / "extra/palette.png")
    transparent = np.asarray(palette)[..., None] == palette.info["transparency"]
    expected = np.where(transparent, 255, np.asarray(palette.convert("RGB")))
    assert transparent.any()
    np.testing.assert_array_equal(np.asarray(decoded("extra/palette.png").image), expected)


def test_tiff_decodes_losslessly():
    result = decoded("extra/coffee.tif")
    assert result.meta.format == "TIFF"
    np.testing.assert_array_equal(np.asarray(result.image), np.asarray(sample("coffee.png")))


def test_jpeg_draft_decodes_near_model_size_but_reports_full_size():
    result = decoded("edge/big-12mp.jpg", min_side=224)
    assert min(result.image.size) >= 224
    assert max(result.image.size) <= 1000
    assert (result.meta.width, result.meta.height) == (4000, 3000)


def test_sixteen_bit_is_scaled_not_clipped():
    pixels = np.asarray(decoded("edge/gray-16bit.png").image)
    assert 20 < pixels.mean() < 235 and pixels.std() > 10


def test_alpha_is_flattened_onto_white():
    image = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    result = decode(buffer.getvalue(), max_pixels=LIMIT)
    assert result.image.getpixel((0, 0)) == (255, 255, 255)


def test_cmyk_colours_survive():
    cmyk = np.asarray(decoded("edge/cmyk.jpg").image, dtype=float)
    rgb = np.asarray(decoded("photos/food/coffee-cup.jpg").image, dtype=float)
    assert cmyk.shape == rgb.shape
    assert np.abs(cmyk - rgb).mean() < 20


def test_exif_metadata():
    meta = decoded("edge/exif-canon-paris-2017.jpg").meta
    assert meta.camera_make == "Canon" and meta.camera_model == "Canon EOS 5D Mark IV"
    assert meta.taken_at.isoformat() == "2017-07-15T16:42:10"
    assert meta.latitude == pytest.approx(48.8582, abs=1e-4)
    assert meta.longitude == pytest.approx(2.2945, abs=1e-4)
    assert meta.format == "JPEG"


def test_content_decides_format_not_extension():
    assert decoded("edge/jpeg-named.png").meta.format == "JPEG"


@pytest.mark.parametrize(
    "name, kind",
    [
        ("zero-bytes.jpg", "empty"),
        ("truncated.jpg", "corrupt"),
        ("random-bytes.jpg", "unsupported"),
        ("text-file.png", "unsupported"),
        ("decompression-bomb.png", "too_large"),
        ("header-only.png", "unsupported"),
    ],
)
def test_bad_files_fail_with_a_reason(name, kind):
    with pytest.raises(DecodeError) as error:
        decoded(f"bad/{name}")
    assert error.value.kind == kind and error.value.message


def test_pixel_limit_is_configurable():
    with pytest.raises(DecodeError, match="exceeds the limit"):
        decode((TEST_DATA / "photos/food/coffee-cup.jpg").read_bytes(), max_pixels=1000)
