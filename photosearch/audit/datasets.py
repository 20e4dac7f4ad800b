"""Readers for the ARO files in their official formats. A malformed file or entry is a clear
AuditDataError naming the file and the entry, never a traceback."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from ..errors import PhotosearchError
from .perturb import order_options
from .tasks import TASKS, AuditItem


class AuditDataError(PhotosearchError):
    """Benchmark files that are missing or not in the expected format."""


@dataclass(frozen=True)
class TaskFiles:
    """Where a task's files live below a data dir, and where they come from."""

    annotations: str
    image_root: str  # annotation image paths are relative to this folder
    source: str


VG_SOURCE = "the ARO release (Google Drive; `--download` fetches it)"
FILES = {
    "vg-relation": TaskFiles("visual_genome_relation.json", "images", VG_SOURCE),
    "vg-attribution": TaskFiles("visual_genome_attribution.json", "images", VG_SOURCE),
    "coco-order": TaskFiles(
        "coco_karpathy_test.json",
        ".",
        "the BLIP Karpathy-split file, with COCO's val2014 images in val2014/ "
        "(`--download` fetches both)",
    ),
    "flickr30k-order": TaskFiles(
        "flickr30k_test.json",
        ".",
        "the BLIP Karpathy-split file (`--download` fetches it), with the Flickr30k images in "
        "flickr30k-images/ (they need Flickr30k's request form; no automatic download)",
    ),
    "synthetic-relation": TaskFiles("visual_genome_relation.json", "images", "generated"),
    "synthetic-attribution": TaskFiles("visual_genome_attribution.json", "images", "generated"),
    "synthetic-order": TaskFiles("synthetic_order.json", ".", "generated"),
}


def missing_files(task: str, data_dir: Path) -> list[Path]:
    files = FILES[task]
    wanted = [data_dir / files.annotations, data_dir / files.image_root]
    return [path for path in wanted if not path.exists()]


def load_task(task: str, data_dir: Path, seed: int = 1) -> list[AuditItem]:
    files = FILES[task]
    path = data_dir / files.annotations
    entries = _read_json_list(path)
    image_root = data_dir / files.image_root
    if TASKS[task].kind == "order":
        items = _order_items(entries, path, image_root, seed)
    else:
        items = _vg_items(entries, path, image_root, TASKS[task].kind)
    _check_images(items, path)
    return items


def _read_json_list(path: Path) -> list:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuditDataError(f"{path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditDataError(f"{path} cannot be read: {exc}.") from None
    except json.JSONDecodeError as exc:
        raise AuditDataError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    if not isinstance(data, list):
        raise AuditDataError(
            f"{path} should hold a JSON list of entries, not {type(data).__name__}."
        )
    return data


def _field(entry, name: str, kind, path: Path, index: int):
    if not isinstance(entry, dict):
        raise AuditDataError(
            f"{path}, entry {index}: expected an object, got {type(entry).__name__}."
        )
    if name not in entry:
        raise AuditDataError(f"{path}, entry {index}: missing field '{name}'.")
    value = entry[name]
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind):
        raise AuditDataError(
            f"{path}, entry {index}: field '{name}' should be {kind.__name__}, "
            f"got {type(value).__name__} ({value!r:.60})."
        )
    return value


def _vg_items(entries: list, path: Path, image_root: Path, kind: str) -> list[AuditItem]:
    items = []
    for index, entry in enumerate(entries):
        bbox = tuple(_field(entry, f"bbox_{k}", float, path, index) for k in "xywh")
        if bbox[2] <= 0 or bbox[3] <= 0:
            raise AuditDataError(f"{path}, entry {index}: the box has no area ({bbox}).")
        if kind == "relation":
            group = _field(entry, "relation_name", str, path, index)
        else:
            attributes = _field(entry, "attributes", list, path, index)
            if len(attributes) != 2 or not all(isinstance(a, str) for a in attributes):
                raise AuditDataError(
                    f"{path}, entry {index}: 'attributes' should be a list of two strings."
                )
            group = f"{attributes[0]}_{attributes[1]}"
        items.append(
            AuditItem(
                image=image_root / _field(entry, "image_path", str, path, index),
                options=(
                    _field(entry, "true_caption", str, path, index),
                    _field(entry, "false_caption", str, path, index),
                ),
                bbox=bbox,
                group=group,
            )
        )
    return items


def _order_items(entries: list, path: Path, image_root: Path, seed: int) -> list[AuditItem]:
    rng = random.Random(seed)
    items = []
    for index, entry in enumerate(entries):
        image = image_root / _field(entry, "image", str, path, index)
        captions = _field(entry, "caption", list, path, index)
        if not captions or not all(isinstance(c, str) and c.strip() for c in captions):
            raise AuditDataError(
                f"{path}, entry {index}: 'caption' should be a list of non-empty strings."
            )
        items.extend(AuditItem(image=image, options=order_options(c, rng)) for c in captions)
    return items


def _check_images(items: list[AuditItem], path: Path) -> None:
    missing = sorted({str(item.image) for item in items if not item.image.is_file()})
    if missing:
        raise AuditDataError(
            f"{len(missing)} image(s) named in {path} are missing, for example {missing[0]}. "
            "Check that the images are unpacked where the annotations expect them."
        )
