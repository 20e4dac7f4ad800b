"""Model presets and loading: a name resolves to an open_clip architecture plus weights from a
pretrained tag (local caches first, then a download) or a local checkpoint file, or to a model
of another family (`families/`: Chinese-CLIP) and its folder."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from ..config import Config
from ..errors import ConfigError, ModelLoadError, WeightsUnavailable
from ..files import atomic_write
from .families import chinese_clip
from .flores import FloresTokenizer
from .hf_parts import resolve_parts

log = logging.getLogger(__name__)

# Tests only: a tiny architecture that runs in milliseconds on a CPU. Not a preset.
TEST_ARCH = "photosearch-test-tiny"
# Tests only: the same with a Hugging Face XLM-RoBERTa text tower, its config and tokenizer
# read from the Hugging Face folder the test writes (models/hf/photosearch-test--tiny-xlm-roberta).
TEST_HF_ARCH = "photosearch-test-tiny-xlmr"
# The synthetic benchmark's model, trained from scratch: a small ResNet whose attention
# pooling keeps where things are, and a causal text tower pooled at the end. Not a preset.
SYNTHETIC_ARCH = "photosearch-synthetic-small"
CONFIG_DIR = Path(__file__).parent / "configs"
CHECKPOINT_SUFFIXES = (".pt", ".pth", ".bin", ".safetensors", ".ckpt")
DIGESTS_FILE = "checkpoint-digests.json"


# The file names open_clip gives weights on the Hugging Face hub (open_clip.constants; copied
# so that finding a preset's weights does not import open_clip and torch).
HF_WEIGHT_NAMES = ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")


@dataclass(frozen=True)
class Preset:
    arch: str
    tag: str | None  # None: weights come from a checkpoint file
    description: str
    # Where open_clip downloads the tag's weights from (its pretrained table, copied so that
    # `status` and `models` answer without importing torch; a test keeps them in step).
    hf_hub: str = ""
    url: str = ""
    # Hugging Face repositories the architecture's config names for its text tower and
    # tokenizer (open_clip's model config, copied for `status`; a test keeps them in step).
    hf_parts: dict[str, str] = field(default_factory=dict)
    languages: str = "English"  # what its text tower was trained to read
    # Published retrieval figures, e.g. Crossmodal-3600 recall@1 per language, and their source.
    figures: dict[str, float] = field(default_factory=dict)
    figures_source: str = ""
    figures_measure: str = "XM3600 image R@1"  # what the figures are
    family: str = "open_clip"  # or chinese_clip.FAMILY: the tag is then a Hugging Face repository


# open_clip's multilingual benchmark (Crossmodal-3600, image retrieval from a caption).
XM3600 = "open_clip's docs/openclip_multilingual_retrieval_results.csv"


PRESETS: dict[str, Preset] = {
    "clip": Preset(
        "ViT-B-32",
        "openai",
        "OpenAI CLIP ViT-B/32 (default)",
        hf_hub="timm/vit_base_patch32_clip_224.openai/",
        url="https://openaipublic.azureedge.net/clip/models/40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af/ViT-B-32.pt",
        figures={"Chinese": 0.0036},
        figures_source=XM3600,
    ),
    "clip-laion": Preset(
        "ViT-B-32",
        "laion2b_s34b_b79k",
        "OpenCLIP ViT-B/32 trained on LAION-2B",
        hf_hub="laion/CLIP-ViT-B-32-laion2B-s34B-b79K/",
    ),
    # NegCLIP was fine-tuned from OpenAI's ViT-B/32, whose activations are QuickGELU.
    "negclip": Preset(
        "ViT-B-32-quickgelu", None, "NegCLIP (ARO authors' fine-tune of CLIP ViT-B/32)"
    ),
    "multilingual": Preset(
        "xlm-roberta-base-ViT-B-32",
        "laion5b_s13b_b90k",
        "OpenCLIP ViT-B/32 with an XLM-RoBERTa text tower, LAION-5B",
        hf_hub="laion/CLIP-ViT-B-32-xlm-roberta-base-laion5B-s13B-b90k/",
        hf_parts={"model": "xlm-roberta-base", "tokenizer": "xlm-roberta-base"},
        languages="about 100 languages (XLM-RoBERTa's), Chinese included",
        figures={"Chinese": 0.537, "all languages": 0.426},
        figures_source=XM3600,
    ),
    "nllb": Preset(
        "nllb-clip-base-siglip",
        "mrl",
        "NLLB-CLIP: SigLIP ViT-B/16 with NLLB's text encoder; the query's language is given",
        hf_hub="visheratin/nllb-siglip-mrl-base/",
        hf_parts={
            "model": "facebook/nllb-200-distilled-600M",
            "tokenizer": "facebook/nllb-200-distilled-600M",
        },
        languages="the 200 languages of NLLB (FLORES-200), Chinese included",
        figures={"Chinese": 0.535, "all languages": 0.554},
        figures_source=XM3600,
    ),
    "siglip-i18n": Preset(
        "ViT-B-16-SigLIP-i18n-256",
        "webli",
        "Google SigLIP ViT-B/16, 256 px, multilingual WebLI",
        hf_hub="timm/ViT-B-16-SigLIP-i18n-256/",
        hf_parts={"tokenizer": "timm/ViT-B-16-SigLIP-i18n-256"},  # its own text tower
        languages="the languages of multilingual WebLI (about 100), Chinese included",
        figures={"Chinese": 0.474, "all languages": 0.441},
        figures_source=XM3600,
    ),
    "chinese-clip": Preset(
        chinese_clip.ARCH,
        chinese_clip.REPOSITORIES[chinese_clip.ARCH],
        "Chinese-CLIP ViT-B/16 (OFA-Sys), for queries in Chinese",
        languages="Chinese",
        figures={"MUGE": 0.521, "Flickr30K-CN": 0.627, "COCO-CN": 0.622},
        figures_source="OFA-Sys/Chinese-CLIP's Results.md (ViT-B/16)",
        figures_measure="zero-shot image R@1",
        family=chinese_clip.FAMILY,
    ),
}


@dataclass(frozen=True)
class ModelSpec:
    """What the user asked for, resolved to an architecture and one source of weights."""

    name: str
    arch: str
    tag: str | None = None
    checkpoint: Path | None = None  # a file, or the folder of a model of another family
    family: str = "open_clip"


@dataclass(frozen=True)
class ModelIdentity:
    """What makes vectors comparable: same key, same embedding space."""

    key: str
    arch: str
    tag: str | None
    checkpoint_sha256: str | None
    dim: int


@dataclass
class LoadedModel:
    spec: ModelSpec
    identity: ModelIdentity
    model: object
    preprocess: object
    tokenizer: object
    image_size: int


def get_open_clip():
    import open_clip

    if not {TEST_ARCH, SYNTHETIC_ARCH} <= set(open_clip.list_models()):
        open_clip.add_model_config(CONFIG_DIR)
    return open_clip


def negclip_checkpoint_path(config: Config) -> Path:
    if config.negclip_checkpoint:
        return Path(config.negclip_checkpoint).expanduser()
    return config.models_dir / "negclip.pth"


def parse_model(name: str, config: Config, check: bool = True) -> ModelSpec:
    """Turn a preset name, `ARCH:TAG` or `ARCH:/path/to/checkpoint` into a ModelSpec. With
    check, the architecture and tag are checked against open_clip (which imports torch)."""
    name = name.strip()
    if name in PRESETS:
        preset = PRESETS[name]
        if preset.tag is None:
            return ModelSpec(name, preset.arch, checkpoint=negclip_checkpoint_path(config))
        return ModelSpec(name, preset.arch, tag=preset.tag, family=preset.family)
    arch, sep, source = name.partition(":")
    if chinese_clip.is_architecture(arch) and source:
        folder = Path(source).expanduser()
        if source == chinese_clip.REPOSITORIES[arch]:
            return ModelSpec(name, arch, tag=source, family=chinese_clip.FAMILY)
        return ModelSpec(name, arch, checkpoint=folder, family=chinese_clip.FAMILY)
    if not sep or not arch or not source:
        raise ConfigError(
            f"Unknown model '{name}'. Use a preset ({', '.join(PRESETS)}), an open_clip "
            "'ARCH:TAG' such as 'ViT-B-32:openai', or 'ARCH:/path/to/checkpoint.pt'."
        )
    if not check:
        path = _looks_like_path(source)
        return ModelSpec(name, arch, checkpoint=Path(source).expanduser() if path else None,
                         tag=None if path else source)  # fmt: skip
    open_clip = get_open_clip()
    if arch not in open_clip.list_models():
        raise ConfigError(
            f"Unknown open_clip architecture '{arch}' in model '{name}'. "
            "Run `python -c 'import open_clip; print(open_clip.list_models())'` for the list."
        )
    if _looks_like_path(source):
        return ModelSpec(name, arch, checkpoint=Path(source).expanduser())
    if not open_clip.get_pretrained_cfg(arch, source):
        tags = ", ".join(open_clip.list_pretrained_tags_by_model(arch)) or "none"
        raise ConfigError(
            f"'{source}' is neither a pretrained tag of {arch} nor an existing file. "
            f"Tags of {arch}: {tags}."
        )
    return ModelSpec(name, arch, tag=source)


def training_architecture(name: str, config: Config) -> str:
    """The architecture that training from scratch builds: a bare open_clip architecture name
    (random weights need no weights file), or the architecture of any model name."""
    name = name.strip()
    if name in PRESETS or ":" in name:
        return require_trainable(parse_model(name, config)).arch
    if name not in get_open_clip().list_models():
        raise ConfigError(
            f"Unknown model or architecture '{name}'. Training from scratch takes an open_clip "
            "architecture (such as ViT-B-32 or photosearch-synthetic-small) or any model name."
        )
    return name


def require_trainable(spec: ModelSpec) -> ModelSpec:
    """The spec, if training can start from it: the trainer and its checkpoints are open_clip's."""
    if spec.family != "open_clip":
        raise ConfigError(
            f"Model '{spec.name}' is a {spec.arch} model, run through Hugging Face transformers: "
            "training (NegCLIP) starts from open_clip models only, such as clip or clip-laion."
        )
    return spec


def _looks_like_path(source: str) -> bool:
    return (
        os.sep in source
        or source.startswith(("~", "."))
        or source.lower().endswith(CHECKPOINT_SUFFIXES)
        or Path(source).exists()
    )


def local_weights(spec: ModelSpec) -> Path | None:
    """Where the weights already are on this machine, without touching the network."""
    if spec.family == chinese_clip.FAMILY:
        return chinese_clip.local_folder(spec.checkpoint, spec.tag)
    if spec.checkpoint is not None:
        return spec.checkpoint if spec.checkpoint.is_file() else None
    for candidate in _cache_candidates(spec):
        if candidate.is_file():
            return candidate
    return None


def _pretrained_source(spec: ModelSpec) -> dict:
    """Where the tag's weights come from: a preset's copy, else open_clip's own table."""
    preset = PRESETS.get(spec.name)
    if preset is not None and (preset.arch, preset.tag) == (spec.arch, spec.tag):
        return {"hf_hub": preset.hf_hub, "url": preset.url}
    return get_open_clip().get_pretrained_cfg(spec.arch, spec.tag)


def _cache_candidates(spec: ModelSpec) -> list[Path]:
    """Files that open_clip's downloads leave behind: the Hugging Face cache, then ~/.cache/clip."""
    from huggingface_hub import try_to_load_from_cache

    cfg = _pretrained_source(spec)
    candidates: list[Path] = []
    if cfg.get("hf_hub"):
        repo_id, filename = os.path.split(cfg["hf_hub"])
        names = [filename] if filename else list(HF_WEIGHT_NAMES)
        if filename.endswith((".bin", ".pth")):
            names.insert(0, filename[:-4] + ".safetensors")
        for name in names:
            found = try_to_load_from_cache(repo_id, name)
            if isinstance(found, str):
                candidates.append(Path(found))
    if cfg.get("url"):
        candidates.append(Path.home() / ".cache" / "clip" / os.path.basename(cfg["url"]))
    return candidates


def _download(spec: ModelSpec, tried: list[str]) -> Path | None:
    if spec.family == chinese_clip.FAMILY:
        if not _reachable(_hugging_face_host(), tried):
            return None
        return chinese_clip.download(spec.tag, tried)
    cfg = get_open_clip().get_pretrained_cfg(spec.arch, spec.tag)
    host = _hugging_face_host() if cfg.get("hf_hub") else urlparse(cfg.get("url", "")).hostname
    if not _reachable(host, tried):
        return None
    from open_clip.pretrained import download_pretrained

    try:
        return Path(download_pretrained(cfg))
    except Exception as exc:  # noqa: BLE001 - any download failure ends in the same message
        tried.append(f"a download from {host} (failed: {exc})")
        return None


def _hugging_face_host() -> str:
    return urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname


def _reachable(host: str, tried: list[str]) -> bool:
    try:
        socket.create_connection((host, 443), timeout=3).close()
    except OSError as exc:
        tried.append(f"a download from {host} (unreachable: {exc})")
        return False
    return True


def _offline(config: Config) -> bool:
    return config.offline or os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")


def resolve_weights(spec: ModelSpec, config: Config) -> Path:
    """A local file with the spec's weights, or WeightsUnavailable naming what was tried."""
    tried: list[str] = []
    if spec.family == chinese_clip.FAMILY:
        found = chinese_clip.find_local(spec.checkpoint, spec.tag, tried)
        if found is not None:
            return found
        if spec.checkpoint is None and _offline(config):
            tried.append("no download (offline mode is on)")
        elif spec.checkpoint is None:
            found = _download(spec, tried)
            if found is not None:
                return found
    elif spec.checkpoint is not None:
        if spec.checkpoint.is_file():
            return spec.checkpoint
        tried.append(f"the checkpoint file {spec.checkpoint} (it does not exist)")
    else:
        found = local_weights(spec)
        if found:
            return found
        tried.append("the local Hugging Face cache and ~/.cache/clip (not there)")
        if _offline(config):
            tried.append("no download (offline mode is on)")
        else:
            downloaded = _download(spec, tried)
            if downloaded:
                return downloaded
    raise WeightsUnavailable(_missing_weights_message(spec, config, tried))


def _missing_weights_message(spec: ModelSpec, config: Config, tried: list[str]) -> str:
    what = f"model '{spec.name}' ({spec.arch}" + (
        f", pretrained tag '{spec.tag}')" if spec.tag else ")"
    )
    if spec.family == chinese_clip.FAMILY:
        how = chinese_clip.how_to_get(spec.arch)
    elif spec.name == "negclip":
        how = (
            "NegCLIP's weights are not downloadable by photosearch: get negclip.pth from the ARO "
            "authors' release (repository mertyg/vision-language-models-are-bows), then put it at "
            f"{negclip_checkpoint_path(config)} or set negclip_checkpoint "
            "(PHOTOSEARCH_NEGCLIP_CHECKPOINT)."
        )
    else:
        how = (
            "To use it offline, copy the weights file from a machine that has it (or download it "
            "there) and pass it as --model "
            f"{spec.arch}:/path/to/weights.pt (an open_clip state dict or .safetensors), or copy "
            "a Hugging Face cache folder (~/.cache/huggingface/hub) that holds it to this machine."
        )
    return f"Could not load the weights of {what}. Tried: {'; '.join(tried)}. {how}"


def figures_line(preset: Preset) -> str:
    """`XM3600 image R@1: Chinese 0.537, all languages 0.426`, or empty."""
    if not preset.figures:
        return ""
    figures = ", ".join(f"{what} {value:g}" for what, value in preset.figures.items())
    return f"{preset.figures_measure}: {figures}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checkpoint_sha256(path: Path, config: Config) -> str:
    """The checkpoint's SHA-256, remembered in the data dir by the file's path, size, inode
    and modification time: hashing 600 MB of weights cost every command a second or more."""
    memory = config.models_dir / DIGESTS_FILE
    try:
        stat = path.stat()
        known = json.loads(memory.read_text())
    except (OSError, ValueError):
        known = {}
    else:
        seen = known.get(str(path.resolve()))
        if seen and seen[:3] == [stat.st_size, stat.st_mtime_ns, stat.st_ino]:
            return seen[3]
    digest = file_sha256(path)
    stat = path.stat()
    known[str(path.resolve())] = [stat.st_size, stat.st_mtime_ns, stat.st_ino, digest]
    try:
        atomic_write(memory, lambda temporary: Path(temporary).write_text(json.dumps(known)))
    except OSError as exc:
        log.info("Could not remember the checkpoint's digest in %s: %s", memory, exc)
    return digest


def device_hint(requested: str) -> str:
    """The device `resolve_device` would pick, guessed without importing torch (for status):
    CUDA when an NVIDIA driver is loaded."""
    if requested != "auto":
        return requested
    return "cuda" if os.path.exists("/proc/driver/nvidia/version") else "cpu"


def resolve_device(requested: str) -> str:
    import torch

    if requested == "cpu":
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if requested == "cuda":
        raise ConfigError("Device 'cuda' was asked for, but torch sees no CUDA GPU here.")
    return "cpu"


def untrained_model(arch: str, device: str, seed: int = 0) -> LoadedModel:
    """An architecture with random weights: the start of training from scratch."""
    import torch

    open_clip = get_open_clip()
    torch.manual_seed(seed)
    model, _, preprocess = open_clip.create_model_and_transforms(arch, device=device)
    tokenizer = open_clip.get_tokenizer(arch)
    spec = ModelSpec(f"{arch} (untrained)", arch)
    dim = _embedding_dim(model, tokenizer, device)
    identity = ModelIdentity(f"{arch}:untrained-seed{seed}", arch, None, None, dim)
    size = model.visual.image_size
    size = size[0] if isinstance(size, tuple | list) else size
    return LoadedModel(spec, identity, model.eval(), preprocess, tokenizer, int(size))


def load_model(spec: ModelSpec, config: Config, device: str) -> LoadedModel:
    """Build the open_clip model for spec with its weights on device, in eval mode."""
    weights = resolve_weights(spec, config)
    if spec.family == chinese_clip.FAMILY:
        return _load_family_model(spec, config, device, weights)
    open_clip = get_open_clip()
    tag_cfg = open_clip.get_pretrained_cfg(spec.arch, spec.tag) if spec.tag else {}
    text_cfg = open_clip.get_model_config(spec.arch).get("text_cfg", {})
    hf_folders = resolve_parts(text_cfg, config, spec.name, _offline(config))
    try:
        tokenizer = _tokenizer(open_clip, spec.arch, text_cfg, hf_folders.get("tokenizer"))
    except Exception as exc:  # noqa: BLE001 - transformers raises many types for bad files
        raise ModelLoadError(
            f"The tokenizer in {hf_folders['tokenizer']} could not be loaded for model "
            f"'{spec.name}': {_first_line(exc)}."
        ) from None
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(
            spec.arch,
            pretrained=str(weights),
            device=device,
            force_quick_gelu=bool(tag_cfg.get("quick_gelu", False)),
            image_mean=tag_cfg.get("mean"),
            image_std=tag_cfg.get("std"),
            image_interpolation=tag_cfg.get("interpolation"),
            image_resize_mode=tag_cfg.get("resize_mode"),
            **_local_text_cfg(text_cfg, hf_folders.get("model")),
        )
    except Exception as exc:  # noqa: BLE001 - open_clip raises many types for a bad file
        raise ModelLoadError(
            f"The weights file {weights} could not be loaded into {spec.arch} for model "
            f"'{spec.name}': {_first_line(exc)}. Check that the file is an open_clip checkpoint "
            "of that architecture."
        ) from None
    model.eval()
    sha = checkpoint_sha256(weights, config) if spec.checkpoint else None
    identity = ModelIdentity(
        key=identity_key(spec, config, sha),
        arch=spec.arch,
        tag=spec.tag,
        checkpoint_sha256=sha,
        dim=_embedding_dim(model, tokenizer, device),
    )
    image_size = model.visual.image_size
    image_size = image_size[0] if isinstance(image_size, tuple | list) else image_size
    return LoadedModel(
        spec=spec,
        identity=identity,
        model=model,
        preprocess=preprocess,
        tokenizer=tokenizer,
        image_size=int(image_size),
    )


def _load_family_model(spec: ModelSpec, config: Config, device: str, folder: Path) -> LoadedModel:
    """A Chinese-CLIP model from its whole folder, in open_clip's shape."""
    from .families.chinese_clip_model import build

    model, preprocess, tokenizer = build(folder, device)
    sha = checkpoint_sha256(chinese_clip.weights_file(folder), config) if spec.checkpoint else None
    dim = _embedding_dim(model, tokenizer, device)
    identity = ModelIdentity(identity_key(spec, config, sha), spec.arch, spec.tag, sha, dim)
    return LoadedModel(spec, identity, model, preprocess, tokenizer, model.visual.image_size)


def _local_text_cfg(text_cfg: dict, folder: Path | None) -> dict:
    """The text tower's config naming its Hugging Face folder instead of the hub's name; the
    checkpoint holds its weights, so transformers builds it from the config alone."""
    if folder is None:
        return {}
    return {"text_cfg": {**text_cfg, "hf_model_name": str(folder), "hf_model_pretrained": False}}


def _tokenizer(open_clip, arch: str, text_cfg: dict, folder: Path | None):
    """open_clip's tokenizer for the architecture, a Hugging Face one read from its folder;
    with FLORES-200 language tokens (NLLB), one that puts the query's language in front."""
    if folder is None:
        return open_clip.get_tokenizer(arch)
    from open_clip.tokenizer import DEFAULT_CONTEXT_LENGTH, HFTokenizer

    tokenizer = HFTokenizer(
        str(folder),
        context_length=text_cfg.get("context_length", DEFAULT_CONTEXT_LENGTH),
        tokenizer_mode=text_cfg.get("tokenizer_mode"),
        **text_cfg.get("tokenizer_kwargs", {}),
    )
    return FloresTokenizer.wrapping(tokenizer) or tokenizer


def identity_key(spec: ModelSpec, config: Config, sha256: str | None = None) -> str:
    """Stable name of the embedding space: arch + tag, or arch + hash of the checkpoint's bytes."""
    if spec.checkpoint is None:
        return f"{spec.arch}:{spec.tag}"
    if sha256 is None:
        hashed = spec.checkpoint
        if spec.family == chinese_clip.FAMILY:  # a folder: its weights are the model
            hashed = chinese_clip.weights_file(spec.checkpoint) or spec.checkpoint
        sha256 = checkpoint_sha256(hashed, config)
    return f"{spec.arch}:sha256-{sha256[:16]}"


def _embedding_dim(model, tokenizer, device: str) -> int:
    import torch

    with torch.inference_mode():
        return int(model.encode_text(tokenizer(["probe"]).to(device)).shape[-1])


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
