"""CLIP's tokenizer without open_clip gives open_clip's rows on every kind of text, and a
process that uses it imports neither open_clip nor torch."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest

from photosearch.model.clip_tokenizer import ClipTokenizer, clean

from ..conftest import REPO

WRITTEN = [
    "",
    " ",
    "   \t\n  ",
    "a",
    "dogs on the beach",
    "Dogs On The BEACH",
    "a photo of my cat sleeping on the sofa",
    "sunset over the mountains, 2019",
    "birthday cake with 7 candles",
    "1,000,000 people at 3.14pm on 2024-06-01",
    "007 James Bond",
    "don't stop, it's what they'll do; I'M here, we've been, you're it, she'd go",
    "DON'T SHOUT",
    "rock'n'roll",
    "e-mail: someone@example.com, https://example.com/a?b=c&d=e",
    "!!!???...",
    "((([[[{{{}}}]]])))",
    "#hashtag @mention $100 %50 ^caret *star _under_ +plus =eq |pipe ~tilde `tick`",
    "quotes \"double\" and 'single'",
    "“curly” ‘quotes’ — dashes – and… ellipsis",
    "Café crème brûlée à la mode",
    "naïve façade, Ångström, Øresund, Łódź, Dvořák",
    "İstanbul ıi ẞ straße",
    "e\u0301 composed by hand, n\u0303",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "ﬁsh and ﬂowers",
    "東京の夜景",
    "北京烤鸭 上海",
    "서울 야경",
    "ไปเที่ยวทะเล",
    "समुद्र तट पर कुत्ते",
    "كلاب على الشاطئ",
    "כלבים על החוף",
    "Собаки на пляже",
    "Σκύλοι στην παραλία",
    "🐶🏖️",
    "dog 🐕 on the beach 🌊☀️",
    "👨‍👩‍👧‍👦 family",
    "👍🏽 thumbs",
    "🇵🇹 🇯🇵 flags",
    "fish &amp; chips",
    "&lt;b&gt;bold&lt;/b&gt;",
    "&amp;amp; twice &amp;amp;amp; thrice",
    "it&#39;s &quot;quoted&quot; &eacute;t&eacute; &nbsp;space",
    "<b>tags</b> &amp; entities",
    "Ã©tÃ© in Paris",
    "donâ€™t",
    "ÃƒÂ©",
    "Ã¼ber cool",
    "The Mona Lisa brings tears to my eyes â€” ðŸ˜¢",
    "\x1b[31mred\x1b[0m text",
    "null\x00byte and bell\x07",
    "zero\u200bwidth\ufeffbom",
    "soft\u00adhyphen",
    "line\r\nbreaks\rand\u2028separators\u2029too",
    "many     spaces\t\ttabs\n\nnewlines",
    "\u3000ideographic space\u00a0nbsp",
    "<start_of_text>",
    "<end_of_text>",
    "a <start_of_text> in the middle",
    "x<start_of_text>y<end_of_text>z",
    "<START_OF_TEXT> shouted",
    "<start_of_text",
    "\ud83d lone surrogate",
    "\U0010ffff private",
    "a " * 75,
    "a " * 76,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "12345678901234567890",
]

FRAGMENTS = [
    "dog", "Beach", "SUNSET", "café", "&amp;", "&lt;", "Ã©", "â€™", "😀", "🏖️", "東京", "서울",
    "ชายหาด", "شاطئ", "пляж", "2019", "3.5", "'s", "'LL", "--", "...", "<start_of_text>",
    "\t", "\n", "  ", "ﬁ", "Ｗ", "e\u0301", "İ", "ß", "#", "@", "x" * 30, "\x1b[1m",
]  # fmt: skip


def generated(count: int, seed: int = 29) -> list[str]:
    """Texts pieced together from fragments of every kind, a few words to many."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        pieces = rng.choices(FRAGMENTS, k=rng.randint(1, 12))
        texts.append("".join(piece + rng.choice(["", " ", " ", "  "]) for piece in pieces))
    return texts


WORDS = ["dog", "beach", "sunset", "café", "😀"]
LONG = " ".join(random.Random(5).choice(WORDS) for _ in range(500))  # cut at the context length
TEXTS = [*WRITTEN, *generated(300), LONG]


@pytest.fixture(scope="module")
def open_clip():
    import open_clip

    return open_clip


@pytest.mark.parametrize("context_length", [77, 16])  # ViT-B-32; the synthetic test architecture
def test_rows_are_open_clips(open_clip, context_length):
    theirs = open_clip.get_tokenizer("ViT-B-32", context_length=context_length)(TEXTS).numpy()
    ours = ClipTokenizer(context_length)(TEXTS)
    assert ours.dtype == np.int64 and ours.shape == (len(TEXTS), context_length)
    differing = [TEXTS[row] for row in np.flatnonzero((ours != theirs).any(axis=1))]
    assert differing == []


def test_a_long_text_is_cut_and_ends_with_the_end_marker():
    short, fits, cut, long = ClipTokenizer()(["a", "a " * 75, "a " * 76, LONG])
    start, a, end = short[:3]
    assert (start, end) == (49406, 49407) and not short[3:].any()
    assert list(fits) == [start, *[a] * 75, end]
    assert list(cut) == [start, *[a] * 75, end]
    assert long.all() and long[-1] == end


def test_one_text_is_one_row():
    tokenizer = ClipTokenizer()
    assert (tokenizer("dogs on the beach") == tokenizer(["dogs on the beach"])).all()
    assert tokenizer([]).shape == (0, 77)


def test_plain_ascii_is_already_clean_as_ftfy_would_make_it():
    """The shortcut that skips ftfy for printable ASCII without `&` changes nothing."""
    import ftfy

    rng = random.Random(7)
    alphabet = [chr(code) for code in range(0x20, 0x7F) if chr(code) != "&"]
    for _ in range(5000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 40)))
        assert ftfy.fix_text(text) == text
        assert clean(text) == " ".join(text.split()).lower()


def test_matches_only_a_tokenizer_it_reproduces(open_clip):
    simple = open_clip.tokenizer.SimpleTokenizer

    class Subclass(simple):
        pass

    vit = open_clip.get_tokenizer("ViT-B-32")
    assert ClipTokenizer(77).matches(vit)
    assert ClipTokenizer(16).matches(open_clip.get_tokenizer("ViT-B-32", context_length=16))
    assert not ClipTokenizer(16).matches(vit)
    assert not ClipTokenizer().matches(simple(clean="canonicalize"))
    assert not ClipTokenizer().matches(simple(reduction_mask="random"))
    assert not ClipTokenizer().matches(simple(additional_special_tokens=["<mask>"]))
    assert not ClipTokenizer().matches(Subclass())
    assert not ClipTokenizer().matches(lambda texts: texts)


def test_merges_of_another_file_do_not_match(open_clip):
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    first, second = list(tokenizer.bpe_ranks)[:2]
    tokenizer.bpe_ranks[first], tokenizer.bpe_ranks[second] = 1, 0
    assert not ClipTokenizer().matches(tokenizer)


def test_tokenizing_imports_neither_open_clip_nor_torch():
    check = """
import sys
from photosearch.model.clip_tokenizer import ClipTokenizer
tokenizer = ClipTokenizer()
assert tokenizer(["dogs on the beach"])[0, 1] == 3255
assert "ftfy" not in sys.modules, "a plain query imports ftfy"
tokenizer(["Ã©tÃ© &amp; 東京 🐶"])
heavy = {"torch", "torchvision", "open_clip"} & set(sys.modules)
assert not heavy, sorted(heavy)
"""
    result = subprocess.run([sys.executable, "-c", check], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
