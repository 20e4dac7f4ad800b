"""A tiny Chinese-CLIP made with random weights and saved as Hugging Face keeps one: a small
`ChineseCLIPConfig`, a word-piece `vocab.txt` of a few hundred Chinese characters and English
words written here, and the weights. The tests load it through the preset's own code path."""

from __future__ import annotations

from pathlib import Path

# Characters of everyday photo captions, and English words: about 300 entries with the markers.
CHINESE = (
    "的一是在不了有人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子"
    "说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机"
    "当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心"
    "反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程"
    "展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期"
    "根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志"
    "猫狗海滩夏天冬雪花山城市夜晚红色汽车孩子生日蛋糕公园桥河湖树草"
)
ENGLISH = [
    *("a", "the", "dog", "cat", "beach", "on", "in", "of", "at", "and", "red", "car", "night"),
    *("snow", "tree", "park", "city", "bridge", "river", "lake", "cake", "birthday", "summer"),
    *("winter", "photo", "people", "##s", "##ing", "##ed"),
]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def write_vocabulary(path: Path) -> Path:
    words = list(dict.fromkeys([*SPECIAL, *CHINESE, *ENGLISH, *"0123456789.,!?"]))
    path.write_text("\n".join(words) + "\n", encoding="utf-8")
    return path


def save_tiny_chinese_clip(folder: Path, seed: int = 0, vocabulary: bool = True) -> Path:
    """The folder of a random tiny Chinese-CLIP (text 2 layers, vision 2 layers, 32 dims)."""
    import torch
    from transformers import ChineseCLIPConfig, ChineseCLIPModel

    folder.mkdir(parents=True, exist_ok=True)
    vocab = write_vocabulary(folder / "vocab.txt")
    size = len(vocab.read_text(encoding="utf-8").splitlines())
    config = ChineseCLIPConfig(
        text_config={
            "vocab_size": size,
            "hidden_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "intermediate_size": 64,
            "max_position_embeddings": 64,
        },
        vision_config={
            "hidden_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "intermediate_size": 64,
            "image_size": 32,
            "patch_size": 8,
        },
        projection_dim=32,
    )
    torch.manual_seed(seed)
    ChineseCLIPModel(config).eval().save_pretrained(folder)
    if not vocabulary:
        vocab.unlink()
    return folder
