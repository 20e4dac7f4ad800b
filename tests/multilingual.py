"""A tiny multilingual CLIP for tests, made in the test and nothing downloaded: a random
XLM-RoBERTa text tower of a few thousand weights and a tokenizer trained on a few sentences,
saved as a Hugging Face folder where a user puts one (`<data dir>/models/hf/...`), and an
open_clip checkpoint of `photosearch-test-tiny-xlmr` using them; or of its NLLB-like twin:
an M2M100 encoder-decoder (open_clip keeps its encoder, pooled at the first token, as
nllb-clip does) and a tokenizer with FLORES-200 language tokens."""

from __future__ import annotations

from pathlib import Path

SENTENCES = [
    "a dog on the beach", "a cat sleeping on a sofa", "mountains in the snow",
    "海滩上的狗", "沙发上睡觉的猫", "雪中的山", "2017年夏天在里斯本",
    "un chien sur la plage", "un chat qui dort sur le canapé", "des montagnes sous la neige",
    "ein Hund am Strand", "eine Katze auf dem Sofa", "un perro en la playa",
]  # fmt: skip
SPECIAL = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
FLORES_TOKENS = ["eng_Latn", "zho_Hans", "fra_Latn", "deu_Latn", "spa_Latn"]
REPOSITORIES = {"xlmr": "photosearch-test/tiny-xlm-roberta", "nllb": "photosearch-test/tiny-nllb"}
ARCHES = {"xlmr": "photosearch-test-tiny-xlmr", "nllb": "photosearch-test-tiny-nllb"}


def hf_folder(models_dir: Path, kind: str = "xlmr") -> Path:
    return models_dir / "hf" / REPOSITORIES[kind].replace("/", "--")


def write_hf_folder(folder: Path, flores: bool = False) -> Path:
    """A random tiny XLM-RoBERTa config and a trained tokenizer, saved as transformers does."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from tokenizers.processors import TemplateProcessing
    from transformers import M2M100Config, PreTrainedTokenizerFast, XLMRobertaConfig

    special = SPECIAL + (FLORES_TOKENS if flores else [])
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=400, special_tokens=special, unk_token="<unk>")
    tokenizer.train_from_iterator(SENTENCES, trainer)
    tokenizer.post_processor = TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>", pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
        mask_token="<mask>", cls_token="<s>", sep_token="</s>",
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(folder)
    ids = {"pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2}
    if flores:
        M2M100Config(
            vocab_size=tokenizer.get_vocab_size(), d_model=32, encoder_layers=2,
            decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
            encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=80, **ids,
        ).save_pretrained(folder)  # fmt: skip
        return folder
    XLMRobertaConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=80,
        **ids,
    ).save_pretrained(folder)
    return folder


def save_multilingual_checkpoint(models_dir: Path, path: Path, kind: str = "xlmr") -> str:
    """The Hugging Face folder in models_dir and a random checkpoint at path: the model name
    (`ARCH:/path`) a user would pass."""
    import torch

    from photosearch.model.loading import get_open_clip

    folder = write_hf_folder(hf_folder(models_dir, kind), flores=kind == "nllb")
    open_clip = get_open_clip()
    text_cfg = open_clip.get_model_config(ARCHES[kind])["text_cfg"]
    torch.manual_seed(0)
    model = open_clip.create_model(
        ARCHES[kind],
        text_cfg={**text_cfg, "hf_model_name": str(folder), "hf_model_pretrained": False},
    )
    torch.save({"state_dict": model.state_dict()}, path)
    return f"{ARCHES[kind]}:{path}"
