"""Places and dates read out of queries, with today fixed and a tiny library of place names."""

import json
import threading
from dataclasses import dataclass
from datetime import date

import pytest

from photosearch.search.interpret import DateSpan, When, interpret, warm_up
from photosearch.search.terms import parse

TODAY = date(2026, 12, 1)  # a Tuesday


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float


LISBON = Place("Lisbon", 38.7)
NAMES = {
    ("lisbon",): LISBON,
    ("lisboa",): LISBON,
    ("portugal",): Place("Portugal", 39.5),
    ("new", "york"): Place("New York", 40.7),
    ("nice",): Place("Nice", 43.7),
    ("sydney",): Place("Sydney", -33.9),
}


class Places:
    """A tiny library's place names: their folded words (one or two) -> the place."""

    def __init__(self, names: dict[tuple[str, ...], Place] = NAMES):
        self.names = names

    def match(self, folded_words, start):
        for length in (2, 1):
            words = tuple(folded_words[start : start + length])
            if len(words) == length and words in self.names:
                return length, self.names[words]
        return None


@pytest.fixture(scope="module", autouse=True)
def warm():
    warm_up()


def read(query, places=None, **options):
    return interpret(parse(query), places=places or Places(), today=TODAY, **options)


def period(text):
    """Written "2017-06-01/2017-08-31", "2019-07-15" (one day) or "months 6 7 8" (any year)."""
    if text.startswith("months"):
        return DateSpan(months=tuple(int(month) for month in text.split()[1:]))
    first, _, last = text.partition("/")
    return DateSpan(date.fromisoformat(first), date.fromisoformat(last or first))


def check(query, text, place=None, when=None):
    expect(read(query), text, place, when)


def expect(found, text, place=None, when=None):
    """`when`: the north's period, then " | " and the south's where they differ."""
    assert found.text == text
    assert (found.place.label if found.place else None) == place
    if when is None:
        assert found.when is None
    else:
        north, _, south = when.partition(" | ")
        assert found.when.north == period(north)
        assert found.when.south == period(south or north)


# Each row: query, the text left, the place, when (see `check`).


@pytest.mark.parametrize(
    ("query", "text", "place", "when"),
    [
        ("2017", "", None, "2017-01-01/2017-12-31"),
        ("photos from 2017", "photos", None, "2017-01-01/2017-12-31"),
        ("2015-2017", "", None, "2015-01-01/2017-12-31"),
        ("2015–2017", "", None, "2015-01-01/2017-12-31"),
        ("from 2015 to 2017", "", None, "2015-01-01/2017-12-31"),
        ("between 2015 and 2017", "", None, "2015-01-01/2017-12-31"),
        ("2015 to 2017", "", None, "2015-01-01/2017-12-31"),
        ("1900", "", None, "1900-01-01/1900-12-31"),
        ("2027", "", None, "2027-01-01/2027-12-31"),  # today's year + 1
        ("2028", "2028", None, None),
        ("1899", "1899", None, None),
        ("1234", "1234", None, None),
        ("50000", "50000", None, None),
        ("2017-2015", "2017-2015", None, None),
        # A range the wrong way round: the first year, the rest stays text.
        ("from 2017 to 2015", "to 2015", None, "2017-01-01/2017-12-31"),
    ],
)
def test_years(query, text, place, when):
    check(query, text, place, when)


@pytest.mark.parametrize(
    ("query", "text", "place", "when"),
    [
        ("July 2019", "", None, "2019-07-01/2019-07-31"),
        ("in March 2020", "", None, "2020-03-01/2020-03-31"),
        ("july of 2019", "", None, "2019-07-01/2019-07-31"),
        ("Jul 2019", "", None, "2019-07-01/2019-07-31"),
        ("2019-07", "", None, "2019-07-01/2019-07-31"),
        ("February 2024", "", None, "2024-02-01/2024-02-29"),
        ("juillet 2019", "", None, "2019-07-01/2019-07-31"),
        ("März 2018", "", None, "2018-03-01/2018-03-31"),
        ("julio de 2019", "", None, "2019-07-01/2019-07-31"),
        ("luglio 2019", "", None, "2019-07-01/2019-07-31"),
        ("июль 2019", "", None, "2019-07-01/2019-07-31"),
        ("May 2017", "", None, "2017-05-01/2017-05-31"),
        ("may 2017", "", None, "2017-05-01/2017-05-31"),
        # A month alone: that month of any year.
        ("March", "", None, "months 3"),
        ("snow in july", "snow", None, "months 7"),
        ("in May", "", None, "months 5"),
        ("in march", "", None, "months 3"),
        ("May", "", None, "months 5"),
        ("August", "", None, "months 8"),
        ("from March to May 2017", "", None, "2017-03-01/2017-05-31"),
        ("from November to February 2017", "", None, "2016-11-01/2017-02-28"),
        ("from March 2017 to May", "", None, "2017-03-01/2017-05-31"),
        ("from November to February", "", None, "months 11 12 1 2"),
        ("last July", "", None, "2026-07-01/2026-07-31"),
        ("last December", "", None, "2025-12-01/2025-12-31"),
    ],
)
def test_months(query, text, place, when):
    check(query, text, place, when)


@pytest.mark.parametrize(
    "query",
    [
        "the dogs may swim",
        "march of the penguins",
        "an august man",
        "spring water",
        "a spring in the forest",
        "leaves fall",
        "juillet",  # other languages' month names need a day or a year
        "jan",  # so do abbreviations
        "sat sun second",
        "mar",
        "christmas tree",  # a holiday alone is every year's: the words find it
        "New Year's Eve",
    ],
)
def test_words_that_look_like_dates_stay_text(query):
    check(query, query)


def test_march_of_the_penguins_capitalised_is_march():
    """A capitalised "March" is the month, even in a film's title."""
    check("March of the Penguins", "of the Penguins", when="months 3")


@pytest.mark.parametrize(
    ("query", "text", "place", "when"),
    [
        # The season of a year is the one that begins in it.
        ("summer 2017", "", None, "2017-06-01/2017-08-31 | 2017-12-01/2018-02-28"),
        ("winter 2017", "", None, "2017-12-01/2018-02-28 | 2017-06-01/2017-08-31"),
        ("winter 2019", "", None, "2019-12-01/2020-02-29 | 2019-06-01/2019-08-31"),
        ("spring 2018", "", None, "2018-03-01/2018-05-31 | 2018-09-01/2018-11-30"),
        ("autumn 2016", "", None, "2016-09-01/2016-11-30 | 2016-03-01/2016-05-31"),
        ("fall 2016", "", None, "2016-09-01/2016-11-30 | 2016-03-01/2016-05-31"),
        ("summer of 2017", "", None, "2017-06-01/2017-08-31 | 2017-12-01/2018-02-28"),
        ("in the summer of 2017", "", None, "2017-06-01/2017-08-31 | 2017-12-01/2018-02-28"),
        ("summer", "", None, "months 6 7 8 | months 12 1 2"),
        ("summer dress", "dress", None, "months 6 7 8 | months 12 1 2"),
        ("in the fall", "", None, "months 9 10 11 | months 3 4 5"),
        ("Spring", "", None, "months 3 4 5 | months 9 10 11"),
        # The most recent summer that has ended, on each side.
        ("last summer", "", None, "2026-06-01/2026-08-31 | 2025-12-01/2026-02-28"),
        ("last winter", "", None, "2025-12-01/2026-02-28 | 2026-06-01/2026-08-31"),
        # The most recent that has begun.
        ("this summer", "", None, "2026-06-01/2026-08-31 | 2026-12-01/2027-02-28"),
    ],
)
def test_seasons(query, text, place, when):
    check(query, text, place, when)


@pytest.mark.parametrize(
    ("query", "text", "place", "when"),
    [
        ("yesterday", "", None, "2026-11-30"),
        ("today", "", None, "2026-12-01"),
        ("last week", "", None, "2026-11-23/2026-11-29"),
        ("this week", "", None, "2026-11-30/2026-12-01"),
        ("last month", "", None, "2026-11-01/2026-11-30"),
        ("this month", "", None, "2026-12-01"),
        ("this year", "", None, "2026-01-01/2026-12-01"),
        ("last year", "", None, "2025-01-01/2025-12-31"),
        ("3 days ago", "", None, "2026-11-28"),
        ("two weeks ago", "", None, "2026-11-16/2026-11-22"),
        ("a week ago", "", None, "2026-11-23/2026-11-29"),
        ("2 months ago", "", None, "2026-10-01/2026-10-31"),
        ("10 years ago", "", None, "2016-01-01/2016-12-31"),
        ("3 hours ago", "", None, "2026-12-01"),
        ("dogs 3 days ago on the beach", "dogs on the beach", None, "2026-11-28"),
        ("il y a 3 jours", "", None, "2026-11-28"),
        ("vor 3 Tagen", "", None, "2026-11-28"),
        ("3 giorni fa", "", None, "2026-11-28"),
        ("gestern", "", None, "2026-11-30"),
        ("la semaine dernière", "", None, "2026-11-23/2026-11-29"),
        ("last Christmas", "", None, "2025-12-24/2025-12-26"),
        ("Christmas 2019", "", None, "2019-12-24/2019-12-26"),
        ("xmas 2019", "", None, "2019-12-24/2019-12-26"),
        ("Christmas Eve 2019", "", None, "2019-12-24"),
        ("New Year's Eve 2019", "", None, "2019-12-31/2020-01-01"),
        ("last New Year's Eve", "", None, "2025-12-31/2026-01-01"),
        ("150 years ago", "150 years ago", None, None),  # before 1900
        ("long ago", "long ago", None, None),
        ("in 3 days", "in 3 days", None, None),
    ],
)
def test_relative_dates(query, text, place, when):
    check(query, text, place, when)


@pytest.mark.parametrize(
    ("query", "text", "place", "when"),
    [
        ("15 July 2019", "", None, "2019-07-15"),
        ("2019-07-15", "", None, "2019-07-15"),
        ("2019/07/15", "", None, "2019-07-15"),
        ("July 15, 2019", "", None, "2019-07-15"),
        ("on 15 July 2019", "", None, "2019-07-15"),
        ("15th of July 2019", "", None, "2019-07-15"),
        ("15 de julio de 2019", "", None, "2019-07-15"),
        ("15. März 2018", "", None, "2018-03-15"),
        ("15 juillet 2019", "", None, "2019-07-15"),
        # Without a year: the most recent such day.
        ("July 4", "", None, "2026-07-04"),
        ("25 December", "", None, "2025-12-25"),
        ("29 February", "", None, "2024-02-29"),
        # No such day: the month is still there.
        ("30 February 2019", "30", None, "2019-02-01/2019-02-28"),
    ],
)
def test_full_dates(query, text, place, when):
    check(query, text, place, when)


@pytest.mark.parametrize(
    ("query", "text", "place", "when"),
    [
        ("dogs in Lisbon", "dogs", "Lisbon", None),
        ("dogs at Lisbon", "dogs", "Lisbon", None),
        ("dogs near Lisbon", "dogs", "Lisbon", None),
        ("dogs from Lisbon", "dogs", "Lisbon", None),
        ("Lisbon dogs", "dogs", "Lisbon", None),
        ("lisbon dogs", "dogs", "Lisbon", None),
        ("dogs in LISBOA", "dogs", "Lisbon", None),
        ("Portugal", "", "Portugal", None),
        ("photos of Portugal", "photos", "Portugal", None),
        ("New York skyline", "skyline", "New York", None),
        ("new york at night", "at night", "New York", None),
        ("beach", "beach", None, None),  # not a library place
        ("summer in Sydney", "", "Sydney", "months 6 7 8 | months 12 1 2"),
        # "nice" is an adjective too: alone, it must look like a name.
        ("a nice view", "a nice view", None, None),
        ("nice", "nice", None, None),
        ("beach nice sunset", "beach nice sunset", None, None),
        ("sunset in Nice", "sunset", "Nice", None),
        ("sunset Nice", "sunset", "Nice", None),
        # First in the query, a capital says nothing, and spaCy reads an adjective.
        ("Nice 2019", "Nice", None, "2019-01-01/2019-12-31"),
        ("in Nice 2019", "", "Nice", "2019-01-01/2019-12-31"),
        ("2019 Nice", "", "Nice", "2019-01-01/2019-12-31"),
    ],
)
def test_places(query, text, place, when):
    check(query, text, place, when)


def test_without_a_place_matcher_places_stay_text():
    found = interpret(parse("dogs in Lisbon 2017"), places=None, today=TODAY)
    assert found.text == "dogs in Lisbon" and found.place is None
    assert found.when.label == "2017"


@pytest.mark.parametrize(
    ("query", "text", "place", "when"),
    [
        (
            "dogs on the beach in Lisbon summer 2017",
            "dogs on the beach",
            "Lisbon",
            "2017-06-01/2017-08-31 | 2017-12-01/2018-02-28",
        ),
        (
            "dogs in Lisbon in summer 2017",
            "dogs",
            "Lisbon",
            "2017-06-01/2017-08-31 | 2017-12-01/2018-02-28",
        ),
        ("dogs, Lisbon, 2017", "dogs", "Lisbon", "2017-01-01/2017-12-31"),
        ("Lisbon and dogs", "dogs", "Lisbon", None),
        ("dogs (in Lisbon) at night", "dogs at night", "Lisbon", None),
        (
            "photos from last summer",
            "photos",
            None,
            "2026-06-01/2026-08-31 | 2025-12-01/2026-02-28",
        ),
        # One date and one place: the first of each; the rest stays text.
        ("summer 2017 and 2018", "2018", None, "2017-06-01/2017-08-31 | 2017-12-01/2018-02-28"),
        ("July 2019 in Lisbon and New York", "New York", "Lisbon", "2019-07-01/2019-07-31"),
        ("a 2017 calendar on the wall", "a calendar on the wall", None, "2017-01-01/2017-12-31"),
    ],
)
def test_together(query, text, place, when):
    check(query, text, place, when)


@pytest.mark.parametrize(
    ("query", "text", "place", "year"),
    [
        ("cat + hat - dog", "cat + hat - dog", None, None),
        ("#12 - people", "#12 - people", None, None),
        ("#2017 - people", "#2017 - people", None, None),
        ("t-shirt", "t-shirt", None, None),
        ("dogs in Lisbon + cats", "dogs + cats", "Lisbon", None),
        ("cats - Lisbon 2017", "cats - Lisbon 2017", None, None),  # subtracted terms: never read
        ("Lisbon 2017 + cat", "2017 + cat", "Lisbon", None),  # no term is emptied
        ("2017 + cat", "2017 + cat", None, None),
        ('"cat" 2017 + hat', "cat + hat", None, "2017"),
    ],
)
def test_query_algebra_keeps_its_shape(query, text, place, year):
    found = read(query)
    assert found.text == text
    assert (found.place.label if found.place else None) == place
    assert (found.when.label if found.when else None) == year


@pytest.mark.parametrize(
    "query", ["a cat", "photo", "x", "anything", "a red car", "dogs on the beach", "t-shirt"]
)
def test_plain_queries_are_left_alone(query):
    found = read(query)
    assert (found.text, found.understood, found.literal) == (query, (), False)
    assert found.line() == f'"{query}"'


@pytest.mark.parametrize(
    ("query", "literal", "text", "understood", "read_literally"),
    [
        ("a 2017 calendar on the wall", True, "a 2017 calendar on the wall", 0, True),
        ('dogs "in Lisbon" 2017', True, "dogs in Lisbon 2017", 0, True),
        # Wholly in quotes: literal.
        ('"dogs in Lisbon summer 2017"', False, "dogs in Lisbon summer 2017", 0, True),
        ('  "dogs in Lisbon"  ', False, "dogs in Lisbon", 0, True),
        # Quoted parts are never read.
        ('"a 2017 calendar" on the wall', False, "a 2017 calendar on the wall", 0, False),
        ('"a 2017 calendar" in Lisbon', False, "a 2017 calendar", 1, False),
        ("“dogs in Lisbon” 2017", False, "dogs in Lisbon", 1, False),
    ],
)
def test_quotes_and_literal(query, literal, text, understood, read_literally):
    found = read(query, literal=literal)
    assert found.text == text
    assert len(found.understood) == understood
    assert found.literal is read_literally


@pytest.mark.parametrize(
    ("query", "keep", "text", "kinds"),
    [
        ("dogs in Lisbon 2017", ["in Lisbon"], "dogs in Lisbon", ("when",)),
        ("dogs in Lisbon 2017", ["IN LISBON"], "dogs in Lisbon", ("when",)),
        ("dogs summer 2017", ["summer 2017"], "dogs summer 2017", ()),  # not "summer" alone then
        ("dogs in Lisbon 2017", ["in Lisbon", "2017"], "dogs in Lisbon 2017", ()),
        ("dogs in Lisbon 2017", ["Lisbon"], "dogs", ("place", "when")),  # not what was said
    ],
)
def test_kept_words_stay_text(query, keep, text, kinds):
    found = read(query, keep=keep)
    assert found.text == text
    assert tuple(item.kind for item in found.understood) == kinds


def test_what_was_understood():
    found = read("Dogs on the beach IN Lisbon, Summer 2017!")
    place, when = found.understood
    assert (place.kind, place.said, place.label) == ("place", "IN Lisbon", "in Lisbon")
    assert (when.kind, when.said, when.when.label) == ("when", "Summer 2017", "summer 2017")
    assert when.label == "taken 2017-06-01 to 2017-08-31"  # Lisbon is north of the equator
    assert found.text == "Dogs on the beach"
    assert found.hemisphere == "north"
    assert found.place is LISBON and found.when is when.when


@pytest.mark.parametrize(
    ("query", "line"),
    [
        (
            "dogs on the beach in Lisbon summer 2017",
            '"dogs on the beach" · in Lisbon · taken 2017-06-01 to 2017-08-31',
        ),
        ("Lisbon summer 2017", "(any photo) · in Lisbon · taken 2017-06-01 to 2017-08-31"),
        ("summer 2017 in Sydney", "(any photo) · taken 2017-12-01 to 2018-02-28 · in Sydney"),
        (
            "winter 2017",
            "(any photo) · taken 2017-12-01 to 2018-02-28 in the north,"
            " 2017-06-01 to 2017-08-31 in the south",
        ),
        ("yesterday", "(any photo) · taken 2026-11-30"),
        ("March", "(any photo) · taken in March of any year"),
        ("dogs", '"dogs"'),
        ("", '""'),
    ],
)
def test_line(query, line):
    assert read(query).line() == line


@pytest.mark.parametrize(
    ("label", "hemisphere", "text"),
    [
        ("summer 2017", "north", "taken 2017-06-01 to 2017-08-31"),
        ("summer 2017", "south", "taken 2017-12-01 to 2018-02-28"),
        (
            "summer 2017",
            None,
            "taken 2017-06-01 to 2017-08-31 in the north, 2017-12-01 to 2018-02-28 in the south",
        ),
        ("July 2019", None, "taken 2019-07-01 to 2019-07-31"),
        ("July 2019", "south", "taken 2019-07-01 to 2019-07-31"),
        ("15 July 2019", None, "taken 2019-07-15"),
        (
            "summer",
            "south",
            "taken in December, January, February of any year",
        ),
    ],
)
def test_describe(label, hemisphere, text):
    when = read(label).when
    assert isinstance(when, When) and when.label == label
    assert when.describe(hemisphere) == text


def test_labels():
    labels = {
        "in March 2020": "March 2020",
        "juillet 2019": "July 2019",
        "from 2015 to 2017": "2015 to 2017",
        "2015-2017": "2015 to 2017",
        "fall 2016": "autumn 2016",
        "two weeks ago": "2 weeks ago",
        "gestern": "yesterday",
        "last Christmas": "last Christmas",
        "2019-07-15": "15 July 2019",
        "from March to May 2017": "March to May 2017",
    }
    assert {query: read(query).when.label for query in labels} == labels


def test_to_dict_is_json_ready():
    found = read("dogs in Lisbon summer 2017")
    data = json.loads(json.dumps(found.to_dict()))
    summer = {
        "label": "summer 2017",
        "north": {"from": "2017-06-01", "to": "2017-08-31", "months": []},
        "south": {"from": "2017-12-01", "to": "2018-02-28", "months": []},
    }
    assert data == {
        "query": "dogs in Lisbon summer 2017",
        "text": "dogs",
        "line": '"dogs" · in Lisbon · taken 2017-06-01 to 2017-08-31',
        "literal": False,
        "understood": [
            {"kind": "place", "said": "in Lisbon", "label": "in Lisbon", "place": "Lisbon"},
            {
                "kind": "when",
                "said": "summer 2017",
                "label": "taken 2017-06-01 to 2017-08-31",
                "when": summer,
            },
        ],
        "place": "Lisbon",
        "when": summer,
        "people": [],  # the people named in the query (test_known_people)
    }
    south = read("summer").to_dict()["when"]["south"]
    assert south == {"from": None, "to": None, "months": [12, 1, 2]}


HOSTILE = [
    "x" * 1000,
    "dogs " * 200,
    "nice " * 200,
    "2017 " * 200,
    "in Lisbon " * 100,
    " ".join(f"{n} days ago" for n in range(100)),
    "ago " * 250,
    "il y a " * 150,
    "!!!???...,,,;;;---",
    "+ - + -",
    '"""""',
    '"unclosed dogs in Lisbon',
    "\x00\x01\x02\x1b[31m dogs \x7f\u200b\ufeff",
    "🐶🐶🐶 2017 🏖️",
    "собака в Москве 2017",
    "东京 2017年 夏天",
    "كلب في لشبونة 2017",
    "99999",
    "2017-99-99",
    "31/31/2017",
    "1e10",
    "99999999999999999999 days ago",
    "il y a 99999999999 jours",
    "9999-12-31",
    "0000-00-00",
    "from 2015 to",
    "between and",
    "last",
    "the",
    "\n\t ",
    "".join(chr(code) for code in range(32, 1200)),
    " ".join(["in may 2017 from march to summer last ago vor 3 Tagen Lisbon nice"] * 20),
]


@pytest.mark.timeout(20)  # a catastrophic backtrack would take minutes, not a slow machine
@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_are_harmless(query):
    found = read(query)
    assert isinstance(found.text, str) and len(found.understood) <= 2
    json.dumps(found.to_dict())
    found.line()


def test_threads_read_alike():
    queries = ["Lisbon dogs", "a nice view", "New York skyline", "Nice 2019", "3 days ago"]
    expected = [read(query).to_dict() for query in queries]
    results, errors = [], []

    def work():
        try:
            results.append([read(query).to_dict() for query in queries * 5])
        except Exception as error:  # reported below, with the thread's traceback lost
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(result == expected * 5 for result in results)
