"""Runtime choices measured on this machine, remembered in the data dir per machine, model
and tower. Light on purpose: `status` reads it without importing torch."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import platform
from datetime import datetime
from importlib import metadata
from pathlib import Path

from ...config import Config
from ...files import atomic_write

log = logging.getLogger(__name__)
MEMORY_FILE = "runtime-choices.json"
TOWERS = ("image", "text")


@functools.cache
def machine_fingerprint() -> str:
    """What makes a measurement valid: the processor, its features, the cores we may use and
    the libraries that run the model. Read once per process."""
    cpu, flags = platform.processor(), ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and not cpu:
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith(("flags", "Features")) and not flags:
                flags = line.split(":", 1)[1].strip()
    except OSError:
        pass
    parts = [platform.machine(), cpu, flags, str(_usable_cores())]
    parts += [_version(name) for name in ("torch", "onnxruntime")]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def recall(config: Config, model_key: str, tower: str) -> dict | None:
    return _read(config).get(_key(config, model_key, tower))


def remember(config: Config, model_key: str, tower: str, choice: dict) -> None:
    memory = _read(config)
    stamp = datetime.now().isoformat(timespec="seconds")
    memory[_key(config, model_key, tower)] = {**choice, "measured_at": stamp}
    path = config.data_dir / MEMORY_FILE
    try:
        atomic_write(
            path, lambda temporary: Path(temporary).write_text(json.dumps(memory, indent=1))
        )
    except OSError as exc:
        log.warning("Could not remember the runtime choice in %s: %s", path, exc)


def runtime_status(config: Config, model_key: str | None) -> dict:
    """What `status` says of the runtime: the settings, and per tower what was measured."""
    towers = {tower: recall(config, model_key, tower) if model_key else None for tower in TOWERS}
    if config.runtime != "auto" and config.precision not in ("auto", "int8"):
        summary = f"{config.runtime} {config.precision} (as configured)"
    elif not any(towers.values()):
        summary = f"{config.runtime}/{config.precision}: measured on first use of the model here"
    else:
        labels = {t: f"{c['runtime']} {c['precision']}" for t, c in towers.items() if c}
        when = max(c["measured_at"] for c in towers.values() if c)[:10]
        shown = (
            next(iter(labels.values()))
            if len(set(labels.values())) == 1 and len(labels) == 2
            else ", ".join(f"{t} {label}" for t, label in labels.items())
        )
        summary = f"{shown} (fastest measured on this machine, {when})"
    return {
        "runtime": config.runtime,
        "precision": config.precision,
        "image": towers["image"],
        "text": towers["text"],
        "summary": summary,
    }


def _key(config: Config, model_key: str, tower: str) -> str:
    return "|".join((machine_fingerprint(), model_key, tower, config.runtime, config.precision))


def _read(config: Config) -> dict:
    try:
        return json.loads((config.data_dir / MEMORY_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"
