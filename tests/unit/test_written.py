"""What a query looks for in the text written in photos: quoted phrases and `text:` terms,
the words of the rest, and how a photo's text holds them."""

from __future__ import annotations

import pytest

from photosearch.search.terms import parse
from photosearch.search.written import (
    Written,
    content_words,
    matched_lines,
    score,
    written_words,
)
from photosearch.store import TextLine
from photosearch.text import fold


@pytest.mark.parametrize(
    ("query", "rest", "phrases"),
    [
        ("dogs on the beach", "dogs on the beach", ()),
        ('"CAFE LISBOA"', "", ("CAFE LISBOA",)),
        ("“curly quotes”", "", ("curly quotes",)),
        ('dog "beware" in Lisbon', "dog in Lisbon", ("beware",)),
        ("text:receipt 2019", "2019", ("receipt",)),
        ('text:"two words" and more', "and more", ("two words",)),
        ('context:x "" text:', "context:x text:", ()),  # not a term, an empty phrase, a bare text:
        ('an "unclosed quote', 'an "unclosed quote', ()),
    ],
)  # fmt: skip
def test_written_phrases_are_taken_out_of_the_query(query, rest, phrases):
    parsed = parse(query)
    assert (parsed.without_phrases().text, parsed.phrases) == (rest, phrases)


def test_content_words_leave_out_short_and_common_words():
    assert content_words("The Dogs on the BEACH, dogs!") == ("dogs", "beach")
    assert content_words("a photo of Café Lisboa") == ("cafe", "lisboa")
    assert content_words("北京 咖啡") == ("北京", "咖啡")
    assert content_words("a b c of") == ()


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("chiens sur la plage", ("chiens", "plage")),
        ("perros en la playa", ("perros", "playa")),
        ("der Hund hat einen Ball", ("hund", "ball")),
        ("il gatto nero sul divano", ("gatto", "nero", "divano")),
        ("de hond op het strand", ("hond", "strand")),
        ("cães na praia", ("caes", "praia")),
        # Another language's little words are kept in English: "hat" is German for "has".
        ("cat hat", ("cat", "hat")),
        ("the war", ("war",)),
        ("a man with a hat", ("man", "hat")),
    ],
)
def test_content_words_leave_out_the_little_words_of_the_querys_language(query, words):
    assert content_words(query) == words


def test_query_algebra_is_about_pictures_only():
    assert written_words(parse("cat + hat - dog")).words == ()
    assert written_words(parse("#12")).words == ()
    assert written_words(parse('"Beware"')).phrases == ("beware",)


@pytest.mark.parametrize(
    ("text", "needles", "expected"),
    [
        ("cafe lisboa 1927", ("lisboa",), 1.0),
        ("receipts and bills", ("receipt",), 0.75),  # the start of a word
        ("education", ("cat",), None),  # not its middle
        ("北京咖啡馆", ("咖啡",), 1.0),  # unspaced scripts match anywhere
        ("action46459680", ("4645",), 0.75),  # a number joined to a word by the recogniser
        ("route66", ("route",), 1.0),
        ("b2b", ("2",), 1.0),
        ("parking only", ("parking", "lisboa"), None),  # every word, or nothing
        ("cafe lisboa", ("cafe", "lisboa"), 2.5),  # together as typed: a bonus
        ("lisboa cafe", ("cafe", "lisboa"), 2.0),
    ],
)  # fmt: skip
def test_how_a_text_holds_the_words(text, needles, expected):
    assert score(fold(text), Written(words=needles)) == expected


def test_phrases_are_held_in_their_order():
    phrase = Written(phrases=("cafe lisboa",))
    assert score("le cafe lisboa", phrase) == 1.0
    assert score("lisboa cafe", phrase) is None


def test_the_lines_that_hold_a_word():
    lines = [TextLine("CAFÉ LISBOA", 0.99, ()), TextLine("Open 7 days", 0.98, ())]
    assert matched_lines(lines, Written(words=("cafe",))) == lines[:1]
    assert matched_lines(lines, Written(words=("closed",))) == []
