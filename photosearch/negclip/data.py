"""Image-caption pairs for fine-tuning: COCO captions (Karpathy-split JSON or the official
captions file), or a CSV of file names and captions."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import PhotosearchError


class TrainingDataError(PhotosearchError):
    pass


@dataclass(frozen=True)
class Pair:
    image: Path
    caption: str


def load_pairs(path: Path, images: Path | None = None) -> list[Pair]:
    """Pairs from a .json (Karpathy list or COCO captions), a .csv, or a folder holding
    captions.csv; image paths are relative to `images`, else to the file's folder."""
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / "captions.csv"
    if not path.is_file():
        raise TrainingDataError(
            f"No training data at {path}: give a COCO captions JSON, a CSV with columns "
            "'filename' and 'caption', or a folder holding captions.csv."
        )
    root = Path(images).expanduser() if images else path.parent
    pairs = _json_pairs(path, root) if path.suffix.lower() == ".json" else _csv_pairs(path, root)
    if not pairs:
        raise TrainingDataError(f"{path} holds no image-caption pairs.")
    missing = [p.image for p in pairs if not p.image.is_file()]
    if missing:
        raise TrainingDataError(
            f"{len(missing)} image(s) named in {path} are missing, for example {missing[0]}."
        )
    return pairs


def _json_pairs(path: Path, root: Path) -> list[Pair]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrainingDataError(f"{path} is not readable JSON: {exc}.") from None
    if isinstance(data, dict) and "annotations" in data:  # COCO's own captions file
        files = {image["id"]: image["file_name"] for image in data.get("images", [])}
        return [
            Pair(root / files[a["image_id"]], a["caption"].strip())
            for a in data["annotations"]
            if a.get("image_id") in files
        ]
    if isinstance(data, list):  # Karpathy split: {"image": ..., "caption": str or [str]}
        pairs = []
        for index, entry in enumerate(data):
            if not isinstance(entry, dict) or "image" not in entry or "caption" not in entry:
                raise TrainingDataError(f"{path}, entry {index}: needs 'image' and 'caption'.")
            captions = (
                entry["caption"] if isinstance(entry["caption"], list) else [entry["caption"]]
            )
            pairs += [Pair(root / entry["image"], str(c).strip()) for c in captions]
        return pairs
    raise TrainingDataError(f"{path} is neither a COCO captions file nor a list of entries.")


def _csv_pairs(path: Path, root: Path) -> list[Pair]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = {name.lower(): name for name in reader.fieldnames or []}
        file_field = fields.get("filename") or fields.get("filepath") or fields.get("image")
        caption_field = fields.get("caption") or fields.get("title")
        if not file_field or not caption_field:
            raise TrainingDataError(
                f"{path} needs a 'filename' and a 'caption' column (found: {reader.fieldnames})."
            )
        return [Pair(root / row[file_field], row[caption_field].strip()) for row in reader]
