"""The query's language for NLLB text towers. NLLB-CLIP was trained with each caption's
language as its first token, a FLORES-200 code (`zho_Hans`, `fra_Latn`), as NLLB's tokenizer
writes it for a source language: `[code] pieces </s>`. A query's language is given (`--lang
zh`, the API's `lang`, the web page's language) or detected by lingua, whose models ship in
its wheel, among the main languages the model knows (all 75 of lingua's would cost 1.3 GB
and half a minute to load, and read short Latin queries worse); English when unsure."""

from __future__ import annotations

import functools
import re
import threading

DEFAULT = "eng_Latn"
# ISO 639-3 (what lingua detects and what people's language tags name) to FLORES-200, where
# NLLB names a language by its macrolanguage's member (Arabic: arb, Persian: pes, Malay: zsm).
FLORES = {
    "afr": "afr_Latn", "ara": "arb_Arab", "aze": "azj_Latn", "bel": "bel_Cyrl",
    "ben": "ben_Beng", "bos": "bos_Latn", "bul": "bul_Cyrl", "cat": "cat_Latn",
    "ces": "ces_Latn", "cym": "cym_Latn", "dan": "dan_Latn", "deu": "deu_Latn",
    "ell": "ell_Grek", "eng": "eng_Latn", "epo": "epo_Latn", "est": "est_Latn",
    "eus": "eus_Latn", "fas": "pes_Arab", "fin": "fin_Latn", "fra": "fra_Latn",
    "gle": "gle_Latn", "guj": "guj_Gujr", "heb": "heb_Hebr", "hin": "hin_Deva",
    "hrv": "hrv_Latn", "hun": "hun_Latn", "hye": "hye_Armn", "ind": "ind_Latn",
    "isl": "isl_Latn", "ita": "ita_Latn", "jpn": "jpn_Jpan", "kat": "kat_Geor",
    "kaz": "kaz_Cyrl", "kor": "kor_Hang", "lav": "lvs_Latn", "lit": "lit_Latn",
    "lug": "lug_Latn", "mar": "mar_Deva", "mkd": "mkd_Cyrl", "mon": "khk_Cyrl",
    "mri": "mri_Latn", "msa": "zsm_Latn", "nld": "nld_Latn", "nno": "nno_Latn",
    "nob": "nob_Latn", "pan": "pan_Guru", "pol": "pol_Latn", "por": "por_Latn",
    "ron": "ron_Latn", "rus": "rus_Cyrl", "slk": "slk_Latn", "slv": "slv_Latn",
    "sna": "sna_Latn", "som": "som_Latn", "sot": "sot_Latn", "spa": "spa_Latn",
    "sqi": "als_Latn", "srp": "srp_Cyrl", "swa": "swh_Latn", "swe": "swe_Latn",
    "tam": "tam_Taml", "tel": "tel_Telu", "tgl": "tgl_Latn", "tha": "tha_Thai",
    "tsn": "tsn_Latn", "tso": "tso_Latn", "tur": "tur_Latn", "ukr": "ukr_Cyrl",
    "urd": "urd_Arab", "vie": "vie_Latn", "xho": "xho_Latn", "yor": "yor_Latn",
    "zho": "zho_Hans", "zul": "zul_Latn",
}  # fmt: skip
# The languages detected (ISO 639-3): about 300 MB of lingua's models, loaded with the model;
# the others are given (`--lang`).
DETECTED = ("eng", "zho", "jpn", "kor", "fra", "deu", "spa", "por", "ita", "nld", "rus")
UNSURE = 0.1  # lingua's minimum relative distance: below it a query is not sure (English)
TRADITIONAL = {"hant", "tw", "hk", "mo"}  # zh-Hant, zh-TW ...: traditional characters
CODE = re.compile(r"[a-z]{3}_[A-Z][a-z]{3}")


def flores_code(language: str) -> str | None:
    """A language as people write it (`zh`, `zh-Hans`, `zh-TW`, `fr_FR`, `fra`, `fra_Latn`)
    as a FLORES-200 code; None when it names no language we know."""
    language = language.strip()
    if CODE.fullmatch(language):
        return language if language in FLORES.values() or language == "zho_Hant" else None
    primary, *rest = re.split(r"[-_]", language.lower())
    if len(primary) == 2:
        from lingua import IsoCode639_1, Language

        try:
            primary = Language.from_iso_code_639_1(getattr(IsoCode639_1, primary.upper()))
        except AttributeError:
            return None
        primary = primary.iso_code_639_3.name.lower()
    code = FLORES.get(primary)
    if code == "zho_Hans" and TRADITIONAL & set(rest):
        return "zho_Hant"
    return code


@functools.cache
def _detector(codes: frozenset[str]):
    """A lingua detector for the detected languages a model knows (by FLORES code): built
    once per set, its models loaded now (with the model) rather than on the first query."""
    from lingua import IsoCode639_3, Language, LanguageDetectorBuilder

    languages = [
        Language.from_iso_code_639_3(getattr(IsoCode639_3, iso.upper()))
        for iso in DETECTED
        if FLORES[iso] in codes
    ]
    if len(languages) < 2:
        return None
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return builder.with_minimum_relative_distance(UNSURE).with_preloaded_language_models().build()


def detected(text: str, codes: frozenset[str]) -> str:
    """The FLORES code of the text's language among `codes`; English when none is sure."""
    detector = _detector(codes)
    language = detector.detect_language_of(text) if detector else None
    if language is None:
        return DEFAULT
    return FLORES[language.iso_code_639_3.name.lower()]


class FloresTokenizer:
    """open_clip's Hugging Face tokenizer for a tower that reads the caption's language first:
    each text becomes `[code] pieces </s>`, padded, the code read from the text's front
    (`zho_Hans 海滩上的狗`, as `tagged` writes it) or detected."""

    def __init__(self, tokenizer, codes: frozenset[str]):
        self.tokenizer = tokenizer  # open_clip's HFTokenizer: its cleaning and context length
        self.context_length = tokenizer.context_length
        self.codes = codes
        inner = tokenizer.tokenizer
        self._ids = {code: inner.convert_tokens_to_ids(code) for code in codes}
        self._end, self._pad = inner.eos_token_id, inner.pad_token_id
        self._lock = threading.Lock()  # a fast tokenizer is not to be called from two threads

    @classmethod
    def wrapping(cls, tokenizer) -> FloresTokenizer | None:
        """The wrapper when the tokenizer has FLORES-200 language tokens, else None."""
        vocabulary = tokenizer.tokenizer.get_vocab()
        codes = frozenset(c for c in (*FLORES.values(), "zho_Hant") if c in vocabulary)
        return cls(tokenizer, codes) if DEFAULT in codes else None

    def tagged(self, text: str, language: str | None) -> str:
        """The text with its language's code in front: given (when the model knows it), or
        detected."""
        code = flores_code(language) if language else None
        return f"{code if code in self.codes else self.language_of(text)} {text}"

    def language_of(self, text: str) -> str:
        return detected(text, self.codes)

    def __call__(self, texts: str | list[str]):
        import torch

        texts = [texts] if isinstance(texts, str) else texts
        rows = torch.full((len(texts), self.context_length), self._pad, dtype=torch.long)
        for number, text in enumerate(texts):
            code, sep, rest = text.partition(" ")
            if not (sep and code in self.codes):
                code, rest = self.language_of(text), text
            with self._lock:
                pieces = self.tokenizer.tokenizer(
                    self.tokenizer.clean_fn(rest), add_special_tokens=False
                )["input_ids"][: self.context_length - 2]
            row = [self._ids[code], *pieces, self._end]
            rows[number, : len(row)] = torch.tensor(row)
        return rows
