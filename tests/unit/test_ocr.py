"""Text in photos, on real pixels: scikit-image's sample photos with words drawn onto them by
Pillow in Debian's fonts (fonts-dejavu-core, fonts-liberation, fonts-wqy-zenhei for Chinese),
the same photos without text, and inputs that cannot be read. One reader for the module."""

from __future__ import annotations

import io
import re
import socket
import subprocess
import sys
import threading
from importlib import resources
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from photosearch.ocr import reader as ocr
from tests.text_photos import CHINESE, LIBERATION, MONO, SANS, SERIF_BOLD, font

SKIMAGE_DATA = resources.files("skimage") / "data"


@pytest.fixture(scope="module")
def reader() -> ocr.TextReader:
    """Loaded with every connection refused: the models come from the wheel, never a download."""

    def refuse(*args, **kwargs):
        raise AssertionError("the OCR models tried to reach the network")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        reader = ocr.TextReader()
        reader.load()
    return reader


def photo(name: str) -> Image.Image:
    with (SKIMAGE_DATA / name).open("rb") as file:
        return Image.open(file).convert("RGB")


def draw(image, text, face, xy, fill, plate=None) -> tuple[int, int, int, int]:
    """Draw a line of text (on a plate of colour `plate`, if given); its bounding box."""
    pen = ImageDraw.Draw(image)
    box = pen.textbbox(xy, text, font=face)
    if plate:
        pen.rectangle((box[0] - 8, box[1] - 8, box[2] + 8, box[3] + 8), fill=plate)
    pen.text(xy, text, font=face, fill=fill)
    return box


def words(lines: list[ocr.RecognisedLine]) -> set[str]:
    return {word for line in lines for word in re.findall(r"[^\W_]+", line.text.lower())}


def around(line: ocr.RecognisedLine, box: tuple[int, int, int, int]) -> bool:
    """Whether the line's box holds the drawn text's box with a margin under the text's height:
    the detector pads each line by about half its height."""
    xs, ys = [x for x, _ in line.box], [y for _, y in line.box]
    margin = box[3] - box[1]
    inside = min(xs) <= box[0] + 2 and min(ys) <= box[1] + 2
    inside = inside and max(xs) >= box[2] - 2 and max(ys) >= box[3] - 2
    close = box[0] - min(xs) < margin and box[1] - min(ys) < margin
    return inside and close and max(xs) - box[2] < margin and max(ys) - box[3] < margin


def test_importing_the_package_loads_nothing():
    code = (
        "import sys, photosearch.ocr\n"
        "heavy = {'rapidocr', 'onnxruntime', 'openvino', 'numpy', 'cv2'} & set(sys.modules)\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_model_version_names_the_package_and_the_models():
    assert re.fullmatch(
        r"rapidocr 3\.\d+\.\d+: PP-OCRv6_det_small \+ PP-OCRv6_rec_small", ocr.MODEL_VERSION
    )


def test_two_lines_read_with_their_boxes(reader):
    image = photo("coffee.png")
    first = draw(image, "Fresh Coffee", font(SANS, 40), (30, 20), (255, 255, 255))
    second = draw(image, "Open 7 days", font(SERIF_BOLD, 28), (330, 340), (255, 220, 0))
    lines = reader.read(image)
    assert [line.text for line in lines] == ["Fresh Coffee", "Open 7 days"]
    assert all(line.confidence >= ocr.MIN_CONFIDENCE for line in lines)
    assert around(lines[0], first) and around(lines[1], second)


@pytest.mark.parametrize(
    ("name", "text", "face", "px", "fill", "plate"),
    [
        ("chelsea.png", "Tiger 2024", SANS, 16, (20, 20, 20), (235, 235, 235)),
        ("astronaut.png", "LAUNCH PAD", MONO, 24, (255, 255, 255), None),
        ("rocket.jpg", "Harbour", LIBERATION, 32, (250, 60, 40), None),
        ("brick.png", "PARKING", SERIF_BOLD, 48, (0, 0, 160), (250, 250, 250)),
    ],
)  # fmt: skip
def test_fonts_sizes_and_colours(reader, name, text, face, px, fill, plate):
    image = photo(name)
    draw(image, text, font(face, px), (40, 60), fill, plate)
    assert set(text.lower().split()) <= words(reader.read(image))


def test_a_slightly_turned_line(reader):
    image = photo("chelsea.png")
    layer = Image.new("RGBA", (260, 60), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((10, 10), "Summer Garden", font=font(SANS, 30), fill="white")
    layer = layer.rotate(4, Image.Resampling.BICUBIC, expand=True)
    image.paste(layer, (80, 200), layer)
    lines = reader.read(image)
    assert {"summer", "garden"} <= words(lines)
    (left, top), (right, top_right) = lines[0].box[:2]
    assert top - top_right > 5  # the box leans with the text: its right end is higher


def test_a_chinese_line(reader):
    image = photo("coffee.png")
    draw(image, "欢迎光临", font(CHINESE, 40), (40, 30), (255, 255, 255))
    assert "欢迎光临" in [line.text for line in reader.read(image)]


def test_a_12_megapixel_photo_gives_full_resolution_boxes(reader):
    tiles = [
        photo(name).resize((1334, 1000)) for name in ("coffee.png", "chelsea.png", "rocket.jpg")
    ]
    image = Image.new("RGB", (4000, 3000))
    for index, tile in enumerate(tiles * 3):
        image.paste(tile, ((index % 3) * 1333, (index // 3) * 1000))
    drawn = draw(image, "Station 42", font(SANS, 40), (2500, 2400), (10, 10, 10), (240, 240, 240))
    lines = reader.read(image)
    assert [line.text for line in lines] == ["Station 42"]
    assert around(lines[0], drawn)


@pytest.mark.parametrize(
    "name",
    ["chelsea.png", "coffee.png", "grass.png", "gravel.png", "brick.png", "rocket.jpg",
     "camera.png", "moon.png", "hubble_deep_field.jpg", "retina.jpg"],
)  # fmt: skip
def test_photos_without_text_give_no_lines(reader, name):
    assert reader.read(photo(name)) == []


def test_grey_tiny_and_transparent_images(reader):
    grey = photo("camera.png").convert("L")
    draw(grey, "CAMERA", font(SANS, 32), (300, 450), 255)
    assert "camera" in words(reader.read(grey))
    assert reader.read(Image.new("RGB", (1, 1))) == []
    assert reader.read(Image.new("RGBA", (300, 200), (0, 0, 0, 0))) == []


def test_a_damaged_photo_raises_one_error(reader):
    data = io.BytesIO()
    photo("chelsea.png").save(data, "PNG")
    damaged = Image.open(io.BytesIO(data.getvalue()[: len(data.getvalue()) // 2]))
    with pytest.raises(ocr.OcrError) as caught:
        reader.read(damaged)
    assert "\n" not in str(caught.value) and str(caught.value).startswith("text could not be")


def test_what_is_not_an_image_raises_one_error(reader):
    with pytest.raises(ocr.OcrError, match="bytes is not an image"):
        reader.read(b"not a photo")


def test_a_runtime_failure_raises_one_error(reader, monkeypatch):
    def fail(image):
        raise RuntimeError("ONNX Runtime failed\nwith a traceback of many lines")

    monkeypatch.setattr(reader._models, "detect", fail)
    with pytest.raises(ocr.OcrError, match="^text could not be read: RuntimeError: ONNX Runtime"):
        reader.read(photo("chelsea.png"))


def test_models_that_cannot_load_raise_one_error(monkeypatch):
    import onnxruntime

    def fail(*args, **kwargs):
        raise RuntimeError("no such file\nor directory")

    monkeypatch.setattr(onnxruntime, "InferenceSession", fail)
    with pytest.raises(ocr.OcrError, match="^the OCR models could not be loaded: RuntimeError"):
        ocr.TextReader().read(photo("chelsea.png"))


def test_a_detector_that_cannot_compile_raises_one_error(monkeypatch):
    import openvino

    class Failing:
        def __init__(self):
            raise RuntimeError("no CPU plugin\nfor this machine")

    monkeypatch.setattr(openvino, "Core", Failing)
    with pytest.raises(ocr.OcrError, match="^the OCR models could not be loaded: RuntimeError"):
        ocr.TextReader().load()


def test_the_thread_count_reaches_the_runtimes():
    reader = ocr.TextReader(threads=1)
    reader.load()
    session = reader._models._recogniser.session.session
    assert session.get_session_options().intra_op_num_threads == 1
    detector = reader._models.detector  # one stream for each call at once, a thread each
    assert detector.get_property("NUM_STREAMS") == ocr.usable_cores()
    assert detector.get_property("INFERENCE_NUM_THREADS") == ocr.usable_cores()
    assert ocr.TextReader().threads == ocr.usable_cores()


def test_threads_read_at_once_as_one_does(reader):
    image = photo("coffee.png")
    draw(image, "Morning Market", font(SANS, 32), (40, 40), (255, 255, 255))
    alone = reader.read(image)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(reader.read(image))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [alone] * 3 and alone


def test_a_reduced_copy_is_detected_and_the_full_photo_recognised(reader):
    image = photo("coffee.png").resize((1800, 1200))
    drawn = draw(image, "Morning Market", font(SANS, 36), (600, 700), (255, 255, 255))
    asked = []

    def full():
        asked.append(True)
        return image

    lines = reader.read(image.reduce(2), full=full)  # 900x600: padded to 928x608, not resized
    assert [line.text for line in lines] == ["Morning Market"] and asked == [True]
    assert around(lines[0], drawn)  # in the pixels of the full photo
    plain = photo("brick.png").resize((1800, 1200))
    assert reader.read(plain.reduce(2), full=lambda: asked.append(False)) == [] and asked == [True]


def test_what_the_full_photo_raises_passes_through(reader):
    class Unreadable(Exception):
        pass

    def full():
        raise Unreadable("the file changed")

    image = photo("coffee.png")
    draw(image, "Fresh Coffee", font(SANS, 40), (30, 20), (255, 255, 255))
    with pytest.raises(Unreadable):
        reader.read(image.reduce(2), full=full)


def test_the_detection_copy():
    assert ocr.detection_size(640, 480) == (640, 480)
    width, height = ocr.detection_size(1600, 1200)
    assert width % 32 == height % 32 == 0 and width == ocr.DETECTION_SIDE
    width, height = ocr.detection_size(4000, 3000)
    assert width * ocr.SMALLEST_TEXT_PX / 4000 >= ocr.DETECTED_TEXT_PX - 0.5
    assert ocr.detection_size(3000, 4000) == (height, width)
    assert ocr.detection_scale(4000, 3000) == 0.5 and ocr.detection_scale(640, 480) == 1.0
    # However large the photo, the copy stays bounded: the detector's memory follows its area
    assert max(ocr.detection_size(16000, 12000)) <= ocr.DETECTION_MAX_SIDE
    assert ocr.detected_size(1000, 750, padded=True) == (1000, 750)  # the caller's own copy
    assert ocr.detected_size(4000, 3000, padded=True) == ocr.detection_size(4000, 3000)


def test_the_shared_reader_is_one():
    assert ocr.shared_reader() is ocr.shared_reader()
