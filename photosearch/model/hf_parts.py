"""The Hugging Face parts of a model: the text tower's config and the tokenizer that open_clip
asks transformers for by repository name (`hf_model_name`, `hf_tokenizer_name` in its model
config). Each is found as a local folder, in this order: the name itself when it is a folder,
`<data dir>/models/hf/<owner>--<name>/`, the Hugging Face cache; else downloaded (unless
offline) into that cache. open_clip is then handed the folder, so nothing loads by name."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..errors import WeightsUnavailable

HF_FOLDER = "hf"
# What a text tower's config and a tokenizer are made of (never weights: the CLIP checkpoint
# holds the text tower's weights too).
PART_FILES = [
    "config.json",
    "tokenizer*",
    "special_tokens_map.json",
    "sentencepiece*",
    "spiece.model",
    "vocab*",
    "merges.txt",
]
NEEDS = {
    "model": ("config.json",),
    "tokenizer": ("tokenizer.json", "sentencepiece.bpe.model", "spiece.model", "vocab.txt"),
}


def hf_names(text_cfg: dict) -> dict[str, str]:
    """The Hugging Face repositories a model config's text tower names, by part."""
    names = {"model": text_cfg.get("hf_model_name"), "tokenizer": text_cfg.get("hf_tokenizer_name")}
    return {part: name for part, name in names.items() if name}


def user_folder(config: Config, name: str) -> Path:
    """Where a user may put a repository's files by hand: models/hf/<owner>--<name>."""
    return config.models_dir / HF_FOLDER / name.replace("/", "--")


def local_part(name: str, part: str, config: Config) -> Path | None:
    """A folder on this machine that holds the part, without touching the network."""
    candidates = [Path(name).expanduser(), user_folder(config, name)]
    cached = _snapshot(name, local_only=True)
    if cached is not None:
        candidates.append(cached)
    for folder in candidates:
        if folder.is_dir() and _holds(folder, part):
            return folder
    return None


def resolve_parts(
    text_cfg: dict, config: Config, model_name: str, offline: bool
) -> dict[str, Path]:
    """A local folder for every Hugging Face part of a model config's text tower, downloaded
    when it is nowhere here and downloads are allowed; else WeightsUnavailable."""
    folders = {}
    for part, name in hf_names(text_cfg).items():
        folder = local_part(name, part, config)
        tried = [
            f"{user_folder(config, name)} and the Hugging Face cache (no {_wanted(part)} there)"
        ]
        if folder is None and offline:
            tried.append("no download (offline mode is on)")
        elif folder is None:
            folder, error = _download(name)
            if folder is not None and not _holds(folder, part):
                folder, error = None, f"it holds no {_wanted(part)}"
            if folder is None:
                tried.append(f"a download of {name} from Hugging Face (failed: {error})")
        if folder is None:
            raise WeightsUnavailable(_missing_message(model_name, part, name, config, tried))
        folders[part] = folder
    return folders


def _holds(folder: Path, part: str) -> bool:
    return any((folder / file).is_file() for file in NEEDS[part])


def _wanted(part: str) -> str:
    return "config.json" if part == "model" else "tokenizer files (" + ", ".join(NEEDS[part]) + ")"


def _snapshot(name: str, local_only: bool) -> Path | None:
    if "/" in name and Path(name).expanduser().is_absolute():
        return None
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(name, allow_patterns=PART_FILES, local_files_only=local_only))
    except Exception:  # noqa: BLE001 - not cached, or not a repository name: not here
        return None


def _download(name: str) -> tuple[Path | None, str]:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(name, allow_patterns=PART_FILES)), ""
    except Exception as exc:  # noqa: BLE001 - any failure ends in the same message
        lines = str(exc).strip().splitlines()
        return None, lines[0][:200] if lines else type(exc).__name__


def _missing_message(model: str, part: str, name: str, config: Config, tried: list[str]) -> str:
    what = "text tower's config" if part == "model" else "tokenizer"
    return (
        f"Could not find the {what} of model '{model}' (Hugging Face repository {name}). "
        f"Tried: {'; '.join(tried)}. To use it offline, copy the repository's "
        f"{_wanted(part)} from a machine that has them into {user_folder(config, name)}, "
        "or copy a Hugging Face cache folder (~/.cache/huggingface/hub) that holds it here."
    )
