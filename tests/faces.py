"""Faces for the face tests, built at test time. Real ones: scikit-image's astronaut (Eileen
Collins, NASA, public domain) and cameraman (CC0) cut out and pasted into its photos of nobody,
at known sizes, places, angles and exposures, so that a test knows where each face is and how
large.

A face's size is the width of the box dlib's detector draws around it, in the scene's pixels
(about the distance from ear to ear): `paste` scales the cut-out so that box comes out that wide.
And stand-ins of InsightFace's buffalo_l models, tiny ONNX files with the same inputs and outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image, ImageDraw, ImageFilter
from skimage import data

from photosearch.faces import insightface

# Where each face is in its scikit-image photo: dlib's box (left, top, width) and the cut-out
# around it, wide enough to hold the head and some hair.
_FACES = {
    "astronaut": ((179, 83, 88), (126, 30, 320, 224)),
    "cameraman": ((205, 125, 73), (170, 90, 290, 215)),
}
# Photos with nobody in them: backgrounds for the scenes and the false-face checks.
NOBODY = ("coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry", "brick")


@dataclass(frozen=True)
class PlacedFace:
    """A face pasted into a scene: its box (left, top, width, height) in the scene's pixels."""

    who: str
    box: tuple[int, int, int, int]

    def as_fractions(self, size: tuple[int, int]) -> tuple[float, float, float, float]:
        width, height = size
        left, top, w, h = self.box
        return (left / width, top / height, w / width, h / height)


def _rgb(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(pixels).convert("RGB")


@cache
def _cutout(who: str) -> tuple[Image.Image, Image.Image]:
    """The face's cut-out and a soft oval mask that blends its edges into a background."""
    photo = _rgb(data.astronaut() if who == "astronaut" else data.camera())
    cut = photo.crop(_FACES[who][1])
    mask = Image.new("L", cut.size, 0)
    ImageDraw.Draw(mask).ellipse((6, 2, cut.width - 6, cut.height - 2), fill=255)
    return cut, mask.filter(ImageFilter.GaussianBlur(5))


def background(name: str, size: tuple[int, int] = (4000, 3000)) -> Image.Image:
    """One of scikit-image's photos of nobody, cropped to the size's shape and scaled to it."""
    photo = _rgb(getattr(data, name)())
    aspect = size[0] / size[1]
    if photo.width / photo.height > aspect:
        width = round(photo.height * aspect)
        photo = photo.crop(
            ((photo.width - width) // 2, 0, (photo.width + width) // 2, photo.height)
        )
    else:
        height = round(photo.width / aspect)
        photo = photo.crop(
            (0, (photo.height - height) // 2, photo.width, (photo.height + height) // 2)
        )
    return photo.resize(size, Image.Resampling.BICUBIC)


def paste(
    scene: Image.Image,
    who: str,
    face_px: int,
    centre: tuple[float, float],
    angle: float = 0.0,
    exposure: float = 1.0,
) -> PlacedFace:
    """Pastes `who`'s face into `scene` (in place) with dlib's box `face_px` wide, centred at
    `centre` (fractions of the scene), turned `angle` degrees and brightened by `exposure`."""
    (box_left, box_top, box_width), (cut_left, cut_top, _, _) = _FACES[who]
    cut, mask = _cutout(who)
    scale = face_px / box_width
    size = (round(cut.width * scale), round(cut.height * scale))
    face = cut.resize(size, Image.Resampling.LANCZOS)
    face_mask = mask.resize(size, Image.Resampling.BILINEAR)
    if exposure != 1.0:
        face = Image.eval(face, lambda value: min(255, round(value * exposure)))
    if angle:
        face = face.rotate(angle, Image.Resampling.BICUBIC)
        face_mask = face_mask.rotate(angle, Image.Resampling.BICUBIC)
    left = round(centre[0] * scene.width - size[0] / 2)
    top = round(centre[1] * scene.height - size[1] / 2)
    scene.paste(face, (left, top), face_mask)
    box = (
        left + round((box_left - cut_left) * scale),
        top + round((box_top - cut_top) * scale),
        face_px,
        face_px,
    )
    return PlacedFace(who, box)


def portrait(face_px: int = 400, name: str = "coffee", size=(4000, 3000), **kwargs):
    """A scene with the astronaut's face in the middle: (scene, [PlacedFace])."""
    scene = background(name, size)
    return scene, [paste(scene, "astronaut", face_px, (0.5, 0.45), **kwargs)]


def astronaut_album(folder: Path) -> Path:
    """Five JPEGs of the astronaut, 180 to 320 px wide on three backgrounds: one person whom
    the grouping founds from these photos alone."""
    folder.mkdir()
    for number, (name, face_px) in enumerate(
        [("coffee", 200), ("rocket", 240), ("chelsea", 280), ("coffee", 320), ("rocket", 180)]
    ):
        scene, _ = portrait(face_px, name=name, size=(1200, 900))
        scene.save(folder / f"astronaut-{number}.jpg", quality=92)
    return folder


def group(size=(4000, 3000)) -> tuple[Image.Image, list[PlacedFace]]:
    """Four faces of two people, at several sizes, angles and exposures, in one scene."""
    scene = background("rocket", size)
    faces = [
        paste(scene, "astronaut", 420, (0.2, 0.35)),
        paste(scene, "astronaut", 360, (0.5, 0.6), angle=8, exposure=0.7),
        paste(scene, "cameraman", 380, (0.8, 0.35)),
        paste(scene, "astronaut", 320, (0.8, 0.75), angle=-6, exposure=1.3),
    ]
    return scene, faces


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two (left, top, width, height) boxes."""
    left, top = max(a[0], b[0]), max(a[1], b[1])
    right, bottom = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, right - left) * max(0.0, bottom - top)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


# buffalo_l's stand-ins: the landmarks the detector puts around each anchor, in strides (eyes,
# nose, mouth corners).
STAND_IN_LANDMARKS = np.array([[-0.3, -0.2], [0.3, -0.2], [0.0, 0.1], [-0.25, 0.4], [0.25, 0.4]])


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
        head, tensors = _conv_head(
            f"kps{stride}", stride, 20, 0.0, list(STAND_IN_LANDMARKS.ravel()) * 2, 10
        )
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


def write_buffalo_stand_ins(models_dir: Path, dimension: int = 512) -> Path:
    """Tiny ONNX models with the inputs and outputs of buffalo_l's two, where it looks for them:
    a detector with SCRFD's nine outputs that finds a bright 32x32 square on stride 32's grid,
    and a recogniser of 112x112 faces into `dimension` numbers."""
    folder = insightface.model_folder(models_dir)
    folder.mkdir(parents=True)
    onnx.save(scrfd_like(), folder / insightface.DETECTOR)
    onnx.save(arcface_like(dimension), folder / insightface.RECOGNISER)
    return folder
