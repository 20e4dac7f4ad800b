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
    is 7 of 77 positions)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.truncatable = truncatable(model)
        # A family's tower that says where its captions end (masking what follows) is cut too.
        self.trimmable = self.truncatable or hasattr(model, "end_positions")

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        if not self.truncatable:
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
        if not self.trimmable or tokens.numel() == 0:
            return tokens
        ends = end_positions(tokens, self.model)
        return tokens[:, : int(ends.max()) + 1]


def truncatable(model: nn.Module) -> bool:
    """True for open_clip's CLIP text tower with a causal mask and end-token pooling."""
    return (
        hasattr(model, "token_embedding")
        and getattr(model, "attn_mask", None) is not None
        and getattr(model, "text_pool_type", None) in ("argmax", "eos")
    )


def end_positions(tokens: torch.Tensor, model: nn.Module) -> torch.Tensor:
    if hasattr(model, "end_positions"):
        return model.end_positions(tokens)
    if model.text_pool_type == "eos":
        return (tokens == model.text_eos_id).int().argmax(dim=-1)
    return tokens.argmax(dim=-1)
