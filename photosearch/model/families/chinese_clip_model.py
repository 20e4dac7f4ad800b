"""A Chinese-CLIP folder built into a model in open_clip's shape: the vision tower and its
projection as `visual`, the text tower taking token ids alone (the attention mask is wherever
they are not [PAD]) and pooled at [CLS], as Chinese-CLIP's own code pools it. Its images are
resized to the square, not cropped, with CLIP's mean and deviation, as Chinese-CLIP's own
preprocessing does."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn
from torchvision import transforms

from ...errors import ModelLoadError
from ..wordpiece_tokenizer import WordPieceTokenizer
from .chinese_clip import VOCABULARY

# Chinese-CLIP's texts are cut at 52 tokens (its `cn_clip.clip.tokenize` default).
CONTEXT_LENGTH = 52
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


class VisualTower(nn.Module):
    """Pixels (N, 3, S, S) to projected image features."""

    def __init__(self, vision_model: nn.Module, projection: nn.Module, image_size: int):
        super().__init__()
        self.vision_model = vision_model
        self.projection = projection
        self.image_size = image_size

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.projection(self.vision_model(pixel_values=pixels).pooler_output)


class ChineseClip(nn.Module):
    """Chinese-CLIP as the runtimes wrap open_clip's models."""

    def __init__(self, model: nn.Module, pad_id: int, image_size: int):
        super().__init__()
        # The runtimes cut the padding columns after the longest caption (it is masked).
        self.visual = VisualTower(model.vision_model, model.visual_projection, image_size)
        self.text_model = model.text_model
        self.text_projection = model.text_projection
        self.pad_id = pad_id

    def encode_image(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.visual(pixels)

    def encode_text(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = (tokens != self.pad_id).long()
        hidden = self.text_model(input_ids=tokens, attention_mask=mask).last_hidden_state
        return self.text_projection(hidden[:, 0, :])

    def example_tokens(self) -> torch.Tensor:
        """Two padded captions, for tracing the text tower."""
        tokens = torch.full((2, CONTEXT_LENGTH), self.pad_id, dtype=torch.long)
        tokens[:, :6] = torch.arange(100, 106)
        return tokens


class TensorTokenizer:
    """The word-piece tokenizer's rows as a torch tensor, as open_clip's tokenizers give them."""

    def __init__(self, light: WordPieceTokenizer):
        self.light = light
        self.context_length = light.context_length

    def __call__(self, texts) -> torch.Tensor:
        return torch.from_numpy(self.light(texts))


def build(folder: Path, device: str) -> tuple[ChineseClip, transforms.Compose, TensorTokenizer]:
    """The model of a whole folder on `device`, in eval mode, its preprocess and tokenizer."""
    from transformers import ChineseCLIPModel
    from transformers.utils import logging as transformers_logging

    verbosity = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()  # its bar for every load is not for users
    try:
        model, info = ChineseCLIPModel.from_pretrained(
            folder, local_files_only=True, dtype=torch.float32, output_loading_info=True
        )
        light = WordPieceTokenizer(folder / VOCABULARY, CONTEXT_LENGTH, _lowercase(folder))
    except Exception as exc:  # noqa: BLE001 - transformers raises many types for a bad folder
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise ModelLoadError(
            f"The Chinese-CLIP folder {folder} could not be loaded: {reason}. Check that it "
            "holds a Chinese-CLIP model as Hugging Face keeps it."
        ) from None
    finally:
        transformers_logging.set_verbosity(verbosity)
    if info.get("missing_keys"):
        missing = sorted(info["missing_keys"])
        raise ModelLoadError(
            f"The weights in {folder} are not a whole Chinese-CLIP model: {len(missing)} of its "
            f"tensors are missing ({', '.join(missing[:3])} …)."
        )
    size = int(model.config.vision_config.image_size)
    wrapped = ChineseClip(model, light.pad_id, size).to(device).eval()
    return wrapped, _preprocess(folder, size), TensorTokenizer(light)


def _preprocess(folder: Path, size: int) -> transforms.Compose:
    settings = _json(folder / "preprocessor_config.json")
    return transforms.Compose(
        [
            transforms.Resize((size, size), interpolation=transforms.InterpolationMode.BICUBIC),
            transforms.ToTensor(),
            transforms.Normalize(
                settings.get("image_mean", CLIP_MEAN), settings.get("image_std", CLIP_STD)
            ),
        ]
    )


def _lowercase(folder: Path) -> bool:
    return bool(_json(folder / "tokenizer_config.json").get("do_lower_case", True))


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
