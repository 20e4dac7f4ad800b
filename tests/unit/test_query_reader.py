"""The seams of the query reader: one parse of a query for every reader of it, a recogniser
added without editing the reader, a segmenter for a script written without spaces, and the
reader's words kept as data."""

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import date

import pytest

from photosearch.errors import QueryError
from photosearch.search.interpret import Found, interpret, read, search_recognisers
from photosearch.search.languages import words_of
from photosearch.search.terms import parse
from photosearch.search.written import written_words

TODAY = date(2026, 12, 1)


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float


class Names:
    """A place matcher for names of one word."""

    def __init__(self, **names: Place):
        self.names = names

    def match(self, folded_words, start):
        place = self.names.get(folded_words[start])
        return (1, place) if place else None


LISBON = Names(lisbon=Place("Lisbon", 38.7))


class People:
    """A recogniser of the kind that comes next: "with Ana" names a person of the library."""

    kind = "person"
    several = False

    def __init__(self, *names: str):
        self.names = {name.lower(): name for name in names}

    def reading(self, words):
        def found(index):
            if words.at(index) == "with" and words.at(index + 1) in self.names:
                return Found(2, f"with {self.names[words.at(index + 1)]}")
            return None

        return found


def test_a_recogniser_joins_the_reader_without_editing_it():
    reading = [*search_recognisers(LISBON, TODAY), People("Ana", "Rui")]
    found = read(parse("beach with ana in Lisbon 2019 with Rui"), reading)
    assert found.text == "beach with Rui"  # one of each kind, the first
    assert [(item.kind, item.said, item.label) for item in found.understood] == [
        ("person", "with ana", "with Ana"),
        ("place", "in Lisbon", "in Lisbon"),
        ("when", "2019", "taken 2019-01-01 to 2019-12-31"),
    ]
    assert (
        found.line() == '"beach with Rui" · with Ana · in Lisbon · taken 2019-01-01 to 2019-12-31'
    )
    json.dumps(found.to_dict())
    # The reader's rules hold for it too: subtracted terms, words kept, quotes.
    assert not read(parse("beach - with Ana"), reading).understood
    assert not read(parse("beach with Ana"), reading, keep=["With Ana"]).understood
    assert not read(parse('"beach with Ana"'), reading).understood


def test_a_query_is_parsed_once_for_the_reader_the_written_words_and_the_searcher():
    query = parse('dog "beware" + text:cat - #12')
    assert [(piece.kind, piece.text) for piece in query.pieces] == [
        ("word", "dog"),
        ("quoted", "beware"),
        ("operator", "+"),
        ("written", "cat"),
        ("operator", "-"),
        ("word", "#12"),
    ]
    assert query.phrases == ("beware", "cat")
    assert [(term.sign, term.text, term.photo_id) for term in query.terms()] == [
        (1, "dog beware", None),
        (1, "cat", None),
        (-1, None, 12),
    ]
    rest = query.without_phrases()
    assert rest.text == rest.joined == "dog + - #12"
    with pytest.raises(QueryError):
        rest.terms()  # a term is empty once its phrase goes


def test_what_the_reader_leaves_is_a_query_the_searcher_and_the_written_words_take():
    query = parse('dogs "beware" in Lisbon + cats')
    found = interpret(query.without_phrases(), places=LISBON, today=TODAY)
    assert found.text == found.rest.joined == "dogs + cats"
    assert [(term.sign, term.text) for term in found.rest.terms()] == [(1, "dogs"), (1, "cats")]
    assert written_words(query, found.rest).words == ()  # algebra: pictures only
    plain = parse('dogs "beware" in Lisbon')
    left = interpret(plain.without_phrases(), places=LISBON, today=TODAY).rest
    assert (written_words(plain, left).phrases, written_words(plain, left).words) == (
        ("beware",),
        ("dogs",),
    )


def han_words(chunk):
    """A segmenter for the test: the longest known word first, a character alone otherwise."""
    known = ("2017年", "夏天", "里斯本")
    words, rest = [], chunk
    while rest:
        word = next((word for word in known if rest.startswith(word)), rest[0])
        words.append(word)
        rest = rest[len(word) :]
    return words


def test_a_script_without_spaces_is_one_word_until_its_segmenter_splits_it():
    assert [piece.text for piece in parse("2017年夏天里斯本 dogs", segmenters={}).pieces] == [
        "2017年夏天里斯本",
        "dogs",
    ]
    query = parse("2017年夏天里斯本 dogs", segmenters={"han": han_words})
    assert [(piece.text, piece.glued) for piece in query.pieces] == [
        ("2017年", False),
        ("夏天", True),
        ("里斯本", True),
        ("dogs", False),
    ]
    assert query.joined == "2017年夏天里斯本 dogs"
    found = interpret(query, places=Names(里斯本=Place("Lisbon", 38.7)), today=TODAY)
    assert [item.said for item in found.understood] == ["2017年夏天", "里斯本"]
    assert (found.place.label, found.text) == ("Lisbon", "dogs")
    # A segmenter whose words do not give the chunk back is not trusted.
    broken = parse("夏天里斯本", segmenters={"han": lambda chunk: ["夏天"]})
    assert [piece.text for piece in broken.pieces] == ["夏天里斯本"]


def test_the_reader_words_are_data_and_each_table_says_what_it_is_for():
    tables = dict(words_of("en"))
    about = tables.pop("about")
    assert set(tables) == set(about)
    assert all(isinstance(words, list | dict) and words for words in tables.values())


def test_reading_a_query_loads_no_spacy_until_a_word_needs_it():
    code = (
        "import sys; from datetime import date; "
        "from photosearch.search.interpret import interpret; "
        "from photosearch.search.terms import parse; "
        "interpret(parse('dogs 2017'), places=None, today=date(2026, 12, 1)); "
        "print('spacy' in sys.modules)"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "False"
