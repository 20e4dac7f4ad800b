"""The two halves of an open_clip model (or of a family's model in its shape) as plain modules:
what the torch runtime runs and what is exported to ONNX. The text tower stops at the longest
caption's end-of-text token."""

from __future__ import annotations

import torch
from torch import nn


class ImageTower(nn.Module):
    """Preprocessed pixels (N, 3, H, W) to unnormalised image features."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.visual = model.visual

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.visual(pixels)


class TextTower(nn.Module):
    """Tokens (N, L) to unnormalised text features.

    CLIP's text transformer is causal and pools at the end-of-text token, so the positions
    after it never reach the output: the tokens may be cut after the longest caption's last
    token (see `trim`) with identical results and a fraction of the work (a five-word query
    is 7 of 77 positions). A Hugging Face text tower masks its padding out of attention and
    pooling (the mask derived from the pad id), so its padding columns may be cut too."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.causal = truncatable(model)
        self.pad_id = hf_pad_id(model)
        self.truncatable = self.causal or self.pad_id is not None

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        if not self.causal:
            return self.model.encode_text(tokens)
        from open_clip.transformer import text_global_pool

        model = self.model
        length = tokens.shape[1]
        cast = model.transformer.get_cast_dtype()
        x = model.token_embedding(tokens).to(cast)
        x = x + model.positional_embedding[:length].to(cast)
        x = model.transformer(x, attn_mask=model.attn_mask[:length, :length])
        x = model.ln_final(x)
        x = text_global_pool(
            x, tokens, model.text_pool_type, eos_token_id=getattr(model, "text_eos_id", None)
        )
        projection = model.text_projection
        if projection is None:
            return x
        return projection(x) if isinstance(projection, nn.Linear) else x @ projection

    def trim(self, tokens: torch.Tensor) -> torch.Tensor:
        """The tokens without the padding columns that cannot change the output."""
        if not self.truncatable or tokens.numel() == 0:
            return tokens
        if not self.causal:  # the last column holding a token of any caption
            used = (tokens != self.pad_id).any(dim=0).nonzero()
            return tokens[:, : max(2, int(used.max()) + 1 if len(used) else 2)]
        ends = end_positions(tokens, self.model)
        return tokens[:, : int(ends.max()) + 1]


def truncatable(model: nn.Module) -> bool:
    """True for open_clip's CLIP text tower with a causal mask and end-token pooling."""
    return (
        hasattr(model, "token_embedding")
        and getattr(model, "attn_mask", None) is not None
        and getattr(model, "text_pool_type", None) in ("argmax", "eos")
    )


def hf_pad_id(model: nn.Module) -> int | None:
    """The pad id of a Hugging Face text tower (open_clip's HFTextEncoder, or a family's model
    that masks its padding, such as Chinese-CLIP), else None."""
    if isinstance(getattr(model, "pad_id", None), int):
        return model.pad_id
    text = getattr(model, "text", None)
    if not hasattr(text, "transformer") or not hasattr(text, "config"):
        return None
    return text.config.pad_token_id


def end_positions(tokens: torch.Tensor, model: nn.Module) -> torch.Tensor:
    if model.text_pool_type == "eos":
        return (tokens == model.text_eos_id).int().argmax(dim=-1)
    return tokens.argmax(dim=-1)
