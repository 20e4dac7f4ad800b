"""Chinese-CLIP (OFA-Sys, Apache-2.0) through Hugging Face transformers: what its models are
called here and where their files are. A model is a folder as Hugging Face keeps it:
`config.json`, the tokenizer's `vocab.txt`, and `model.safetensors` or `pytorch_model.bin`;
from a path, from the Hugging Face cache, or downloaded into that cache. Light: no torch."""

from __future__ import annotations

from pathlib import Path

FAMILY = "chinese_clip"
ARCH = "ChineseCLIP-ViT-B-16"
REPOSITORIES = {ARCH: "OFA-Sys/chinese-clip-vit-base-patch16"}
CONFIG, VOCABULARY = "config.json", "vocab.txt"
WEIGHT_NAMES = ("model.safetensors", "pytorch_model.bin")
# The small files Hugging Face keeps beside them (read when there, never required).
EXTRA_NAMES = ("tokenizer_config.json", "preprocessor_config.json")


def is_architecture(arch: str) -> bool:
    return arch in REPOSITORIES


def weights_file(folder: Path) -> Path | None:
    return next((folder / n for n in WEIGHT_NAMES if (folder / n).is_file()), None)


def missing_files(folder: Path) -> list[str]:
    """What a model folder lacks, in words: empty when it is whole."""
    missing = [name for name in (CONFIG, VOCABULARY) if not (folder / name).is_file()]
    if weights_file(folder) is None:
        missing.append(" or ".join(WEIGHT_NAMES))
    return missing


def local_folder(folder: Path | None, repository: str | None) -> Path | None:
    """The model's whole folder on this machine (the path given, else the Hugging Face
    cache's snapshot of the repository), without touching the network."""
    if folder is None:
        folder = _cached(repository or "")
    return folder if folder is not None and folder.is_dir() and not missing_files(folder) else None


def _cached(repository: str) -> Path | None:
    """The folder of the repository's snapshot in the Hugging Face cache, if it has one."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repository, CONFIG)
    return Path(found).parent if isinstance(found, str) else None


def find_local(folder: Path | None, repository: str | None, tried: list[str]) -> Path | None:
    """Like local_folder, saying in `tried` what was looked at and why it would not do."""
    found = local_folder(folder, repository)
    if found is not None:
        return found
    if folder is None:
        tried.append("the local Hugging Face cache (not there, or not all of it)")
    elif not folder.is_dir():
        tried.append(f"the folder {folder} (there is no such folder)")
    else:
        without = ", ".join(missing_files(folder))
        tried.append(f"the folder {folder} (it has no {without})")
    return None


def download(repository: str, tried: list[str]) -> Path | None:
    """The repository's files, downloaded into the Hugging Face cache."""
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(
            repository, allow_patterns=[CONFIG, VOCABULARY, *WEIGHT_NAMES, *EXTRA_NAMES]
        )
    except Exception as exc:  # noqa: BLE001 - any download failure ends in the same message
        tried.append(f"a download of {repository} (failed: {str(exc).splitlines()[0][:300]})")
        return None
    folder = Path(path)
    if missing_files(folder):
        tried.append(f"a download of {repository} (it lacks {', '.join(missing_files(folder))})")
        return None
    return folder


def how_to_get(arch: str) -> str:
    repository = REPOSITORIES[arch]
    return (
        "To use it offline, copy the model's folder from a machine that has it (config.json, "
        f"vocab.txt and model.safetensors or pytorch_model.bin, as Hugging Face's {repository} "
        f"has them) and pass it as --model {arch}:/path/to/folder, or copy a Hugging Face cache "
        "folder (~/.cache/huggingface/hub) that holds it to this machine."
    )
