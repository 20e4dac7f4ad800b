"""buffalo_l's loading path, on tiny ONNX models generated here with the same inputs and outputs
as InsightFace's: a detector with SCRFD's nine outputs (scores, box distances and landmark
offsets at strides 8, 16 and 32, two anchors a place) that scores a bright 32x32 square on
stride 32's grid as a face, and a recogniser that turns a 112x112 face into 512 numbers. Real
ONNX Runtime sessions, the real decoding, merging, alignment and download code; the download
from a local HTTP server, never the internet."""

from __future__ import annotations

import http.server
import io
import threading
import zipfile
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

from photosearch.errors import ConfigError, ModelLoadError
from photosearch.faces import insightface
from photosearch.faces.model import load_face_model

# Landmarks the stand-in detector puts around each anchor, in strides: eyes, nose, mouth corners.
LANDMARKS = np.array([[-0.3, -0.2], [0.3, -0.2], [0.0, 0.1], [-0.25, 0.4], [0.25, 0.4]])


def _conv_head(name, stride, channels, weight, bias, width):
    """Conv (kernel = stride = `stride`) -> NHWC -> (places x anchors, width) nodes and weights."""
    weights = numpy_helper.from_array(
        np.full((channels, 3, stride, stride), weight, np.float32), f"{name}_w"
    )
    biases = numpy_helper.from_array(np.asarray(bias, np.float32), f"{name}_b")
    shape = numpy_helper.from_array(np.array([-1, width], np.int64), f"{name}_shape")
    nodes = [
        helper.make_node("Conv", ["input.1", f"{name}_w", f"{name}_b"], [f"{name}_conv"],
                         kernel_shape=[stride, stride], strides=[stride, stride]),
        helper.make_node("Transpose", [f"{name}_conv"], [f"{name}_nhwc"], perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", [f"{name}_nhwc", f"{name}_shape"], [f"{name}_flat"]),
    ]  # fmt: skip
    return nodes, [weights, biases, shape]


def scrfd_like() -> onnx.ModelProto:
    nodes, weights, outputs = [], [], {"score": [], "bbox": [], "kps": []}
    for stride in insightface.STRIDES:
        bright = stride == 32  # only stride 32 answers: a bright square scores high there
        score_weight = 10 / (3 * stride * stride) if bright else 0.0
        head, tensors = _conv_head(
            f"score{stride}", stride, 2, score_weight, [0 if bright else -10] * 2, 1
        )
        head.append(helper.make_node("Sigmoid", [f"score{stride}_flat"], [f"score{stride}"]))
        nodes += head
        weights += tensors
        outputs["score"].append(f"score{stride}")
        head, tensors = _conv_head(f"bbox{stride}", stride, 8, 0.0, [1.0] * 8, 4)
        nodes += head
        weights += tensors
        outputs["bbox"].append(f"bbox{stride}_flat")
        head, tensors = _conv_head(f"kps{stride}", stride, 20, 0.0, list(LANDMARKS.ravel()) * 2, 10)
        nodes += head
        weights += tensors
        outputs["kps"].append(f"kps{stride}_flat")
    names = outputs["score"] + outputs["bbox"] + outputs["kps"]  # SCRFD's order
    widths = [1] * 3 + [4] * 3 + [10] * 3
    graph = helper.make_graph(
        nodes,
        "scrfd_like",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, "height", "width"])],
        [
            helper.make_tensor_value_info(name, TensorProto.FLOAT, ["places", width])
            for name, width in zip(names, widths, strict=True)
        ],
        weights,
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def arcface_like(dimension: int = 512) -> onnx.ModelProto:
    mixing = np.random.default_rng(0).normal(size=(3 * 7 * 7, dimension)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node(
                "AveragePool", ["input.1"], ["pooled"], kernel_shape=[16, 16], strides=[16, 16]
            ),
            helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "mixing"], ["683"]),
        ],
        "arcface_like",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["batch", 3, 112, 112])],
        [helper.make_tensor_value_info("683", TensorProto.FLOAT, ["batch", dimension])],
        [numpy_helper.from_array(mixing, "mixing")],
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def write_models(models_dir: Path, dimension: int = 512) -> Path:
    folder = insightface.model_folder(models_dir)
    folder.mkdir(parents=True)
    onnx.save(scrfd_like(), folder / insightface.DETECTOR)
    onnx.save(arcface_like(dimension), folder / insightface.RECOGNISER)
    return folder


def square_at(left: int, top: int, size=(640, 480), background=0) -> Image.Image:
    pixels = np.full((size[1], size[0], 3), background, np.uint8)
    pixels[top : top + 32, left : left + 32] = 255
    return Image.fromarray(pixels)


@pytest.fixture(scope="module")
def buffalo(tmp_path_factory):
    models_dir = tmp_path_factory.mktemp("models")
    write_models(models_dir)
    return load_face_model("buffalo_l", models_dir, offline=True)


def test_a_face_is_decoded_from_scrfds_outputs(buffalo):
    (face,) = buffalo.find(square_at(160, 96))
    # Stride 32's anchor at the square's corner (160, 96), distances 1 stride each way.
    assert face.box == pytest.approx((128 / 640, 64 / 480, 64 / 640, 64 / 480), abs=1e-6)
    assert face.score > 0.99
    expected = (np.array([160, 96]) + LANDMARKS * 32) / [640, 480]
    assert np.allclose(face.landmarks, expected, atol=1e-6)
    assert face.descriptor.dtype == np.float32 and face.descriptor.shape == (512,)
    assert np.linalg.norm(face.descriptor) == pytest.approx(1, abs=1e-5)


def test_the_same_face_elsewhere_aligns_to_the_same_descriptor(buffalo):
    (first,) = buffalo.find(square_at(160, 96))
    (second,) = buffalo.find(square_at(384, 320))
    assert 1 - float(first.descriptor @ second.descriptor) < 1e-4
    (third,) = buffalo.find(square_at(384, 320, background=90))  # another face: a grey frame
    assert 1 - float(first.descriptor @ third.descriptor) > 0.01


def test_several_faces_and_a_large_photo_reduced_to_the_side(buffalo):
    pixels = np.asarray(square_at(64, 64)).copy()
    pixels[320:352, 448:480] = 255
    faces = buffalo.find(Image.fromarray(pixels))
    assert len(faces) == 2  # each square's two anchors merged into one face
    large = square_at(320, 192).resize((1280, 960), Image.Resampling.NEAREST)
    (face,) = buffalo.find(large)  # reduced to 853 x 640, then fitted into SCRFD's 640 x 640
    assert face.box[:2] == pytest.approx((288 / 640, 160 / 480), abs=1e-3)


@pytest.mark.parametrize(
    "image",
    [Image.new("RGB", (640, 480)), Image.new("RGB", (1, 1)), Image.new("L", (300, 200), 60)],
    ids=["nobody", "one pixel", "grey"],
)
def test_nothing_found_where_there_is_no_face(buffalo, image):
    assert buffalo.find(image) == []


def test_missing_files_offline_say_where_they_go(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_face_model("buffalo_l", tmp_path, offline=True)
    message = raised.value.message
    folder = str(insightface.model_folder(tmp_path))
    assert folder in message and "offline" in message and "face_model to dlib" in message


def test_broken_or_foreign_files_are_refused_clearly(tmp_path):
    folder = write_models(tmp_path / "foreign", dimension=128)
    with pytest.raises(ModelLoadError, match="not buffalo_l's"):
        insightface.load_buffalo_l(tmp_path / "foreign", offline=True)
    (folder / insightface.DETECTOR).write_bytes(b"not an onnx model")
    with pytest.raises(ModelLoadError, match="could not be opened"):
        insightface.load_buffalo_l(tmp_path / "foreign", offline=True)


def test_unknown_face_model_names_the_known_ones(tmp_path):
    with pytest.raises(ConfigError, match="dlib, buffalo_l"):
        load_face_model("retinaface", tmp_path, offline=False)


@pytest.fixture
def archive_server(tmp_path, monkeypatch):
    """InsightFace's release archive as served from this machine: a zip of the two models in a
    buffalo_l/ folder, among others, on a local HTTP server."""
    source = write_models(tmp_path / "source")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as members:
        for name in (insightface.DETECTOR, insightface.RECOGNISER):
            members.write(source / name, f"buffalo_l/{name}")
        members.writestr("buffalo_l/genderage.onnx", b"unused")
    body = archive.getvalue()

    class Archive(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the handler's name is http.server's
            if not self.path.endswith(".zip"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Archive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/buffalo_l.zip"
    monkeypatch.setattr(insightface, "ARCHIVE_URL", url)
    yield url
    server.shutdown()


def test_downloaded_when_online(tmp_path, archive_server):
    model = load_face_model("buffalo_l", tmp_path / "models", offline=False)
    folder = insightface.model_folder(tmp_path / "models")
    assert sorted(p.name for p in folder.iterdir()) == [
        insightface.DETECTOR,
        insightface.RECOGNISER,
    ]
    assert len(model.find(square_at(160, 96))) == 1


def test_a_failed_download_is_one_paragraph(tmp_path, archive_server, monkeypatch):
    monkeypatch.setattr(insightface, "ARCHIVE_URL", archive_server.replace(".zip", ".tar"))
    broken = tmp_path / "models"
    with pytest.raises(ConfigError, match="Tried: .*a download from http://127.0.0.1"):
        load_face_model("buffalo_l", broken, offline=False)
    assert not insightface.files_present(broken)
