"""What a library says about itself (`status`, `models`, /api/status), read from the config,
the database and the files on disk: never by loading the model or importing torch."""

from __future__ import annotations

import os
from pathlib import Path

from ..config import Config
from ..faces.model import face_models as list_face_models
from ..faces.model import model_version
from ..imaging import budget as decode_budget
from ..indexing import passes
from ..model.hf_parts import local_part
from ..model.loading import (
    PRESETS,
    device_hint,
    figures_line,
    identity_key,
    local_weights,
    parse_model,
)
from ..model.runtime import runtime_status
from ..places.gazetteer import VERSION as PLACES_VERSION
from ..store import ModelInfo, Store, VectorIndex
from ..store.database import redacted
from ..store.faces import Faces


def status_report(config: Config, store: Store, model_reason: str) -> dict:
    """Counts and state of the library under the configured model."""
    spec = parse_model(config.model, config, check=False)
    weights = local_weights(spec)
    key = identity_key(spec, config) if spec.checkpoint is None or weights else None
    models = {model.key: model for model in store.models()}
    current = models.get(key)
    counts = store.counts(current.id if current else None)
    index = VectorIndex(config, current) if current else None
    return {
        "photos": counts["photos"],
        "videos": counts["videos"],
        "failed": counts["failed"],
        "places": store.place_counts(PLACES_VERSION),
        **{p.name: p.status(store, config) for p in passes.registered()},
        "faces_of_other_models": faces_of_other_models(config, store),
        "vectors": counts.get("vectors", 0),
        "frames": counts.get("frames", 0),
        "model": config.model,
        "model_reason": model_reason,
        "languages": _reads(config.model),
        "model_key": key,
        "weights": str(weights) if weights else None,
        "device": device_hint(config.device),
        "runtime": runtime_status(config, key),
        "decoding": decoding_status(config),
        "data_dir": str(config.data_dir),
        "database": redacted(store.url),
        "index_file": str(index.path) if index else None,
        "index_bytes": _size(index.path) if index else 0,
        "index_state": _index_state(index, current),
        "models_in_database": [
            {"key": model.key, "dim": model.dim, "vectors": store.counts(model.id)["vectors"]}
            for model in models.values()
        ],
    }


def faces_of_other_models(config: Config, store: Store) -> int:
    """Photos whose faces another face model than the configured one found: search by person
    goes on using them until `index --reread-faces` looks at them again (docs/people.md)."""
    current = model_version(config.face_model)
    by_model = store.concern(Faces).photos_by_model()
    return sum(photos for version, photos in by_model.items() if version != current)


def decoding_status(config: Config) -> dict:
    """The decode budget, the upload limit, and what this process's decodes have done."""
    return {
        **decode_budget.shared_budget().stats(),
        "decode_memory_mb": config.decode_memory_mb,  # 0: auto
        "auto": not config.decode_memory_mb,
        "max_upload_pixels": config.max_upload_pixels,
    }


def presets(config: Config) -> list[dict]:
    """The model presets, and whether their weights are on this machine."""
    rows = []
    for name, preset in PRESETS.items():
        spec = parse_model(name, config)
        weights = local_weights(spec)
        hf = {part: local_part(repo, part, config) for part, repo in preset.hf_parts.items()}
        rows.append(
            {
                "name": name,
                "kind": "search",
                "arch": preset.arch,
                "weights": preset.tag or f"checkpoint file {spec.checkpoint}",
                "description": preset.description,
                "available": weights is not None and None not in hf.values(),
                "location": str(weights) if weights else None,
                "hugging_face": {
                    part: {"repository": preset.hf_parts[part], "folder": folder and str(folder)}
                    for part, folder in hf.items()
                },
                "selected": name == config.model,
                "languages": preset.languages,
                "figures": preset.figures,
                "figures_line": figures_line(preset),
                "figures_source": preset.figures_source,
            }
        )
    return rows


def face_models(config: Config) -> list[dict]:
    """The face models, and whether their files are on this machine."""
    return [
        {
            "name": info.name,
            "kind": "faces",
            "dimension": info.dimension,
            "description": info.description,
            "available": info.files is not None,
            "location": info.files and str(info.files),
            "selected": info.name == config.face_model,
        }
        for info in list_face_models(config.models_dir)
    ]


def _reads(model: str) -> str | None:
    """What a preset reads and how well, as `status` says it; None for other models."""
    preset = PRESETS.get(model)
    if preset is None:
        return None
    figures = figures_line(preset)
    return preset.languages + (f" ({figures}; source: {preset.figures_source})" if figures else "")


def _size(path: Path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _index_state(index: VectorIndex | None, model: ModelInfo | None) -> str:
    if index is None:
        return "empty"
    saved = index.saved_version()
    if saved is None:
        return "missing (rebuilt from the database on the next search)"
    return "fresh" if saved == model.vectors_version else "stale (rebuilt on the next search)"
