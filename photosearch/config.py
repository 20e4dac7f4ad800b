"""One Config object. Precedence: CLI flags > environment > TOML file in the data dir > defaults."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_FILE_NAME = "config.toml"
ENV_PREFIX = "PHOTOSEARCH_"
DEVICES = ("auto", "cpu", "cuda")
RUNTIMES = ("auto", "torch", "onnx")
PRECISIONS = ("auto", "fp32", "bf16", "fp16", "int8")
INDEX_TYPES = ("auto", "flat", "ivf", "ivfsq")
WEB_LANGUAGES = ("auto", "en", "zh-Hans")  # auto: the browser's Accept-Language
FACE_MODELS = ("dlib", "buffalo_l")  # photosearch.faces: dlib installed, buffalo_l on request
# The settings that take one of a few words.
CHOICES = {
    "device": DEVICES, "runtime": RUNTIMES, "precision": PRECISIONS, "index_type": INDEX_TYPES,
    "web_language": WEB_LANGUAGES, "face_model": FACE_MODELS,
}  # fmt: skip


def default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "photosearch"


@dataclass(frozen=True)
class Config:
    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str = ""  # empty: a SQLite file inside data_dir
    model: str = "clip"
    device: str = "auto"
    runtime: str = "auto"  # auto (measured per machine), torch or onnx
    gpu_decode: bool = True  # CUDA: decode JPEGs on the GPU (nvjpeg), the rest on the CPU
    precision: str = "auto"  # auto, fp32, bf16 (CPU/CUDA), fp16 (CUDA) or int8 (onnx)
    batch_size: int = 32
    workers: int = 0  # decode threads; 0 picks from the CPU count
    exclude: tuple[str, ...] = ()
    include_hidden: bool = False
    max_image_pixels: int = 200_000_000
    # The most an uploaded query photo may decode to (a JPEG counts at the reduced scale it is
    # decoded at for the model); larger ones are refused (HTTP 413) before decoding. 0: no
    # limit of its own (max_image_pixels and the decode budget still hold).
    max_upload_pixels: int = 40_000_000
    # Megabytes of decoded images in memory at once, for the whole process: decodes wait for
    # their turn, and one larger than all of it is decoded smaller or refused. 0: auto (1/12
    # of the memory, from 256 to 2048 MB).
    decode_memory_mb: int = 0
    negclip_checkpoint: str = ""  # path to negclip.pth; empty: <data_dir>/models/negclip.pth
    offline: bool = False  # never try to download weights
    viewer: str = ""  # search --open: image viewer command given the paths; empty: the desktop's
    # search --open for videos: a player command ({seconds}: where to start); empty: mpv or
    # VLC where installed (started at the moment), else the desktop's opener
    video_player: str = ""
    access_token: str = ""  # required by the web server on non-loopback addresses
    web_language: str = "auto"  # the web pages' language: auto (the browser's), en or zh-Hans
    min_score: float = 0.2  # text queries: weaker matches are not shown
    min_score_photo: float = 0.5  # photo queries ("more like this"): same, for image-image scores
    duplicate_threshold: float = 0.95  # cosine at or above which photos are near-duplicates
    # vector index: auto (by size), flat (exact), ivf (approximate), ivfsq (compressed)
    index_type: str = "auto"
    ann_threshold: int = 50_000  # auto: vectors at which search switches to approximate (IVF)
    compressed_threshold: int = 2_000_000  # auto: vectors from which the index is compressed
    ivf_nprobe: int = 32  # IVF lists searched per query: more is slower and more exact
    decode_timeout: int = 60  # seconds a file may take to read and decode before it is skipped
    # Where `model` came from (a flag, the environment, the config file); empty: the default,
    # which a library's own model (the one it was last indexed with) takes precedence over.
    model_source: str = field(default="", compare=False)
    reconcile_interval: int = 3600  # watcher: seconds between full re-scans (0: never)
    thumbnails_at_index: bool = True  # save 320 px thumbnails from the index decode
    ocr: bool = True  # read the text in photos (a pass after embedding), to search its words
    face_model: str = "dlib"  # finds and describes faces: dlib or buffalo_l (docs/faces.md)
    # Find faces in photos (a content pass after embedding), to group them into people. Off
    # until the faces pass's cost is measured (issue 32).
    faces: bool = False
    ray_address: str = ""  # embed on a Ray cluster: auto, local or ray://HOST:10001; "": here

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'photosearch.db'}"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def decode_workers(self) -> int:
        return self.workers if self.workers > 0 else max(2, min(8, os.cpu_count() or 2))

    @classmethod
    def load(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Config:
        """Build the config; overrides whose value is None count as not given."""
        environ = dict(os.environ if environ is None else environ)
        overrides = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(overrides) - _FIELDS.keys()
        if unknown:
            raise ConfigError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")

        data_dir = overrides.get("data_dir") or environ.get("PHOTOSEARCH_HOME")
        data_dir = Path(data_dir).expanduser() if data_dir else default_data_dir()

        layers = [
            ("the --model flag", overrides),
            (f"{ENV_PREFIX}MODEL", _read_env(environ)),
            (str(data_dir / CONFIG_FILE_NAME), _read_file(data_dir / CONFIG_FILE_NAME)),
        ]
        values: dict[str, Any] = {}
        for _, layer in reversed(layers):
            values.update(layer)
        values["data_dir"] = data_dir
        config = cls(**{name: _coerce(name, value) for name, value in values.items()})
        source = next((where for where, layer in layers if "model" in layer), "")
        return dataclasses.replace(config, model_source=source)


_FIELDS = {f.name: f for f in dataclasses.fields(Config) if f.name != "model_source"}


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"The config file {path} could not be read: {exc}.") from None
    data = data.get("photosearch", data)  # allow an optional [photosearch] table
    unknown = set(data) - _FIELDS.keys() - {"data_dir"}
    if unknown:
        raise ConfigError(
            f"The config file {path} has unknown setting(s): {', '.join(sorted(unknown))}. "
            f"Known settings: {', '.join(sorted(_FIELDS))}."
        )
    data.pop("data_dir", None)  # the data dir decides where this file is; it cannot move itself
    return data


def _read_env(environ: dict[str, str]) -> dict[str, Any]:
    values = {}
    for name in _FIELDS:
        if name == "data_dir":
            continue
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = raw
    return values


def _coerce(name: str, value: Any) -> Any:
    """Turn strings from the environment (and loose TOML values) into the field's type."""
    kind = _FIELDS[name].type
    try:
        if kind == "bool":
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError(value)
                return lowered in {"1", "true", "yes", "on"}
            return bool(value)
        if kind == "int":
            number = int(value)
            if number < (1 if name == "batch_size" else 0):
                raise ValueError(value)
            return number
        if kind == "float":
            number = float(value)
            if not -1.0 <= number <= 1.0:
                raise ValueError(value)
            return number
        if kind == "tuple[str, ...]":
            if isinstance(value, str):
                return tuple(part.strip() for part in value.split(",") if part.strip())
            return tuple(str(part) for part in value)
        if kind == "Path":
            return Path(value).expanduser()
        value = str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"Setting '{name}' has an invalid value: {value!r}.") from None
    choices = CHOICES.get(name)
    if choices and value not in choices:
        raise ConfigError(f"Setting '{name}' must be one of {', '.join(choices)}, not {value!r}.")
    return value
