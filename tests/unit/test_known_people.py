"""The library's named people as a query sees them: names matched longest first, case and
accents aside, one name for several people, names that are ordinary words read only where
they look like names, and an unknown name refused clearly."""

from datetime import date

import pytest

from photosearch.errors import QueryError
from photosearch.search.interpret import interpret
from photosearch.search.interpret.describe import describe
from photosearch.search.known_people import KnownPeople
from photosearch.search.terms import parse

TODAY = date(2026, 12, 1)
PEOPLE = KnownPeople([(1, "Ana"), (2, "Ana Maria"), (3, "Will"), (4, "Zoë"), (5, "ana")])


def read(query: str, **options):
    return interpret(parse(query), places=None, today=TODAY, people=PEOPLE, **options)


def test_names_resolve_case_and_accents_aside_and_one_name_stands_for_its_people():
    assert PEOPLE.resolve(" ANA ").ids == (1, 5) and PEOPLE.resolve("ana").term == (1, 5)
    assert PEOPLE.resolve("zoe").label == "Zoë" and PEOPLE.resolve("zoe").term == 4
    assert PEOPLE.resolve("ana   maria").ids == (2,)
    with pytest.raises(QueryError, match=r"named 'Bob'\. People named: Ana, Ana Maria, Will, Zoë"):
        PEOPLE.resolve("Bob")
    with pytest.raises(QueryError, match="nobody is named yet"):
        KnownPeople([]).resolve("Ana")


@pytest.mark.parametrize(
    ("query", "people", "text"),
    [
        ("Ana Maria at the beach 2019", ["Ana Maria"], "at the beach"),  # the longest name
        ("ana at the beach", ["Ana"], "at the beach"),
        ("dogs with Zoe", ["Zoë"], "dogs"),
        ("photos with will", ["Will"], "photos"),  # after "with", as it is
        ("will it snow", [], "will it snow"),  # an ordinary word, alone
        ("Ana - beach", [], "Ana - beach"),  # never a subtracted term's only word
        ("Ana and Zoe at the beach", ["Ana", "Zoë"], "at the beach"),  # "and" goes with Zoë
        ("with ana and zoe", ["Ana", "Zoë"], ""),
        ("Zoë, Ana Maria and Will dancing", ["Zoë", "Ana Maria", "Will"], "dancing"),
        ("Ana mit Zoë und Will", ["Ana", "Zoë", "Will"], ""),
        ("salt and pepper with Ana", ["Ana"], "salt and pepper"),  # "and" between no names
        ("Ana and friends", ["Ana"], "friends"),  # a joining word dropped beside a find
        ("Ana and will it snow", ["Ana"], "will it snow"),  # "will" still a word
    ],
)
def test_the_names_in_a_query_are_people(query, people, text):
    found = read(query)
    assert [person.label for person in found.people] == people
    assert found.text == text


def test_each_person_of_a_query_is_undone_on_its_own():
    both = read("Ana and Zoe at the beach")
    assert [item.said for item in both.understood] == ["Ana", "and Zoe"]
    without_zoe = read("Ana and Zoe at the beach", keep=["and Zoe"])
    assert [person.label for person in without_zoe.people] == ["Ana"]
    assert without_zoe.text == "Zoe at the beach"  # "and" dropped beside Ana, as joiners are


def test_never_read_literally_in_quotes_or_once_taken_off():
    assert read("Ana at the beach", literal=True).people == ()
    assert read('"Ana at the beach"').people == ()
    assert read("Ana at the beach", keep=["ana"]).people == ()
    assert interpret(parse("Ana at the beach"), places=None, today=TODAY).people == ()


def test_the_person_is_told_in_the_page_language():
    item = read("Ana 2019").understood[0]
    assert (item.kind, item.label, item.to_dict()["person"]) == ("person", "with Ana", "Ana")
    assert read("Ana and Zoe").to_dict()["people"] == ["Ana", "Zoë"]
    said = {"with {person}": "人物：{person}"}  # the catalog's, as the web's gettext gives it
    assert describe(item, "zh-Hans", said.get).label == "人物：Ana"
