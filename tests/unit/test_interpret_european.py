"""Places and dates read out of queries in French, German, Spanish, Portuguese, Italian and
Dutch, with every language's words at once (the English tables stay in test_interpret)."""

import pytest

from photosearch.search.interpret import warm_up
from photosearch.search.languages import LANGUAGES, words_of

from .test_interpret import Place, Places, expect, read

LISBON, ROME, SYDNEY = Place("Lisbon", 38.7), Place("Rome", 41.9), Place("Sydney", -33.9)
NAMES = {  # one word each
    **dict.fromkeys(["lisbon", "lisboa", "lissabon", "lisbonne", "lisbona"], LISBON),
    **dict.fromkeys(["roma", "rom", "rome"], ROME),
    "sydney": SYDNEY,
    "portugal": Place("Portugal", 39.5),
    "alemania": Place("Germany", 51.0),
}
PLACES = Places({(word,): place for word, place in NAMES.items()})


@pytest.fixture(scope="module", autouse=True)
def warm():
    warm_up()


SUMMER_2017 = "2017-06-01/2017-08-31 | 2017-12-01/2018-02-28"
SUMMER = "months 6 7 8 | months 12 1 2"
WINTER_2018 = "2018-12-01/2019-02-28 | 2018-06-01/2018-08-31"
SPRING_2019 = "2019-03-01/2019-05-31 | 2019-09-01/2019-11-30"
AUTUMN_2016 = "2016-09-01/2016-11-30 | 2016-03-01/2016-05-31"
LAST_SUMMER = "2026-06-01/2026-08-31 | 2025-12-01/2026-02-28"
THIS_SUMMER = "2026-06-01/2026-08-31 | 2026-12-01/2027-02-28"
LAST_WINTER = "2025-12-01/2026-02-28 | 2026-06-01/2026-08-31"
JULY_2019 = "2019-07-01/2019-07-31"
YEARS = "2015-01-01/2017-12-31"
CHRISTMAS_2019 = "2019-12-24/2019-12-26"
LAST_CHRISTMAS = "2025-12-24/2025-12-26"

# Each row: query, the text left, the place, when (as test_interpret's `check` has it).
CASES = {
    "fr": [
        ("chiens sur la plage en juillet 2019", "chiens sur la plage", None, JULY_2019),
        ("chiens sur la plage été 2017", "chiens sur la plage", None, SUMMER_2017),
        ("en été 2017", "", None, SUMMER_2017),
        ("l'été 2017", "", None, SUMMER_2017),
        ("l'été dernier", "", None, LAST_SUMMER),
        ("photos de l'hiver dernier", "photos", None, LAST_WINTER),
        ("cet été", "", None, THIS_SUMMER),
        ("en été", "", None, SUMMER),
        ("au printemps 2019", "", None, SPRING_2019),
        ("en juillet", "", None, "months 7"),
        ("en mars", "", None, "months 3"),
        ("en mai", "", None, "months 5"),
        ("mars 2019", "", None, "2019-03-01/2019-03-31"),
        ("le 14 juillet 2019", "", None, "2019-07-14"),
        ("de 2015 à 2017", "", None, YEARS),
        ("entre 2015 et 2017", "", None, YEARS),
        ("de mai à juillet 2019", "", None, "2019-05-01/2019-07-31"),
        ("Noël 2019", "", None, CHRISTMAS_2019),
        ("Noël dernier", "", None, LAST_CHRISTMAS),
        ("Pâques 2019", "", None, "2019-04-21/2019-04-22"),
        ("a pendant 2017", "a pendant", None, "2017-01-01/2017-12-31"),  # no "pendant" (during)
        ("chiens à Lisbonne en été 2017", "chiens", "Lisbon", SUMMER_2017),
        ("plage au Portugal", "plage", "Portugal", None),
        ("il y a 3 jours", "", None, "2026-11-28"),
        ("l'année dernière", "", None, "2025-01-01/2025-12-31"),
    ],
    "de": [
        ("Hunde am Strand Sommer 2017", "Hunde am Strand", None, SUMMER_2017),
        ("Hunde am Strand im Sommer 2017", "Hunde am Strand", None, SUMMER_2017),
        ("im Sommer", "", None, SUMMER),
        ("letzten Sommer", "", None, LAST_SUMMER),
        ("im letzten Winter", "", None, LAST_WINTER),
        ("diesen Sommer", "", None, THIS_SUMMER),
        ("Frühling 2019", "", None, SPRING_2019),
        ("im Frühjahr 2019", "", None, SPRING_2019),
        ("Herbst 2016", "", None, AUTUMN_2016),
        ("Winter 2018", "", None, WINTER_2018),
        ("im Juli", "", None, "months 7"),
        ("im Mai", "", None, "months 5"),
        ("Juli 2019", "", None, JULY_2019),
        ("am 15. März 2018", "", None, "2018-03-15"),
        ("von 2015 bis 2017", "", None, YEARS),
        ("zwischen 2015 und 2017", "", None, YEARS),
        ("Weihnachten 2019", "", None, CHRISTMAS_2019),
        ("letzte Weihnachten", "", None, LAST_CHRISTMAS),
        ("Heiligabend 2019", "", None, "2019-12-24"),
        ("Silvester 2019", "", None, "2019-12-31/2020-01-01"),
        ("Ostern 2020", "", None, "2020-04-12/2020-04-13"),
        ("Hunde in Lissabon 2017", "Hunde", "Lisbon", "2017-01-01/2017-12-31"),
        ("vor 3 Tagen", "", None, "2026-11-28"),
        ("letztes Jahr", "", None, "2025-01-01/2025-12-31"),
    ],
    "es": [
        ("perros en la playa verano 2017", "perros en la playa", None, SUMMER_2017),
        ("perros en la playa en verano de 2017", "perros en la playa", None, SUMMER_2017),
        ("en el verano de 2017", "", None, SUMMER_2017),
        ("el verano pasado", "", None, LAST_SUMMER),
        ("este verano", "", None, THIS_SUMMER),
        ("verano", "", None, SUMMER),
        ("primavera 2019", "", None, SPRING_2019),
        ("otoño 2016", "", None, AUTUMN_2016),
        ("invierno de 2018", "", None, WINTER_2018),
        ("en julio", "", None, "months 7"),
        ("perros a mayo", "perros", None, "months 5"),
        ("julio de 2019", "", None, JULY_2019),
        ("15 de julio de 2019", "", None, "2019-07-15"),
        ("de 2015 a 2017", "", None, YEARS),
        ("desde 2015 hasta 2017", "", None, YEARS),
        ("entre 2015 y 2017", "", None, YEARS),
        ("Navidad 2019", "", None, CHRISTMAS_2019),
        ("la Navidad pasada", "", None, LAST_CHRISTMAS),
        ("Nochevieja 2019", "", None, "2019-12-31/2020-01-01"),
        ("Semana Santa 2019", "", None, "2019-04-14/2019-04-21"),
        ("fotos de Lisboa", "fotos", "Lisbon", None),
        ("perros en Lisboa en verano", "perros", "Lisbon", SUMMER),
        ("perros en Sydney en verano", "perros", "Sydney", SUMMER),
        ("gatos en Alemania 2017", "gatos", "Germany", "2017-01-01/2017-12-31"),
        ("hace 3 días", "", None, "2026-11-28"),
        ("el año pasado", "", None, "2025-01-01/2025-12-31"),
    ],
    "pt": [
        ("cães na praia verão 2017", "cães na praia", None, SUMMER_2017),
        ("cães na praia no verão de 2017", "cães na praia", None, SUMMER_2017),
        ("o verão passado", "", None, LAST_SUMMER),
        ("este verão", "", None, THIS_SUMMER),
        ("no verão", "", None, SUMMER),
        ("outono 2016", "", None, AUTUMN_2016),
        ("inverno de 2018", "", None, WINTER_2018),
        ("em julho", "", None, "months 7"),
        ("julho de 2019", "", None, JULY_2019),
        ("de 2015 a 2017", "", None, YEARS),
        ("entre 2015 e 2017", "", None, YEARS),
        ("no Natal de 2019", "", None, CHRISTMAS_2019),
        ("o Natal 2019", "", None, CHRISTMAS_2019),
        # Natal is a city in Brazil too: Christmas needs "no" or "o" before it.
        ("Natal 2019", "Natal", None, "2019-01-01/2019-12-31"),
        ("fans in Natal 2017", "fans in Natal", None, "2017-01-01/2017-12-31"),
        ("no Natal passado", "", None, LAST_CHRISTMAS),
        ("Páscoa 2019", "", None, "2019-04-21/2019-04-22"),
        ("cães em Lisboa", "cães", "Lisbon", None),
        ("o ano passado", "", None, "2025-01-01/2025-12-31"),
        ("Lisboa no verão de 2017", "", "Lisbon", SUMMER_2017),
        ("fotos do Portugal 2017", "fotos do", "Portugal", "2017-01-01/2017-12-31"),
    ],
    "it": [
        ("cani in spiaggia in estate 2017", "cani in spiaggia", None, SUMMER_2017),
        # "estate" is an English word too: without a preposition, the year alone is read
        ("cani in spiaggia estate 2017", "cani in spiaggia estate", None, "2017-01-01/2017-12-31"),
        ("real estate 2017", "real estate", None, "2017-01-01/2017-12-31"),
        ("nell'estate 2017", "", None, SUMMER_2017),
        ("in estate", "", None, SUMMER),
        ("d'estate", "", None, SUMMER),
        ("l'estate scorsa", "", None, LAST_SUMMER),
        ("quest'estate", "", None, THIS_SUMMER),
        ("questa estate", "", None, THIS_SUMMER),
        ("primavera 2019", "", None, SPRING_2019),
        ("autunno 2016", "", None, AUTUMN_2016),
        ("inverno 2018", "", None, WINTER_2018),
        ("a luglio 2019", "", None, JULY_2019),
        ("cani a luglio", "cani", None, "months 7"),
        ("ad agosto", "", None, "months 8"),
        ("in luglio", "", None, "months 7"),
        ("da 2015 a 2017", "", None, YEARS),
        ("tra 2015 e 2017", "", None, YEARS),
        ("Natale 2019", "", None, CHRISTMAS_2019),
        ("il Natale scorso", "", None, LAST_CHRISTMAS),
        ("Pasqua 2019", "", None, "2019-04-21/2019-04-22"),
        ("cani a Roma", "cani a", "Rome", None),
        ("cani a Roma nell'estate 2017", "cani a", "Rome", SUMMER_2017),
        ("3 giorni fa", "", None, "2026-11-28"),
        ("l'anno scorso", "", None, "2025-01-01/2025-12-31"),
        ("il mese scorso", "", None, "2026-11-01/2026-11-30"),
    ],
    "nl": [
        ("honden op het strand zomer 2017", "honden op het strand", None, SUMMER_2017),
        ("in de zomer van 2017", "", None, SUMMER_2017),
        ("vorige zomer", "", None, LAST_SUMMER),
        ("afgelopen winter", "", None, LAST_WINTER),
        ("deze zomer", "", None, THIS_SUMMER),
        ("zomer", "", None, SUMMER),
        ("in de lente", "", None, "months 3 4 5 | months 9 10 11"),
        ("lente 2019", "", None, SPRING_2019),
        ("herfst 2016", "", None, AUTUMN_2016),
        ("in juli", "", None, "months 7"),
        ("juli 2019", "", None, JULY_2019),
        ("op 15 juli 2019", "", None, "2019-07-15"),
        ("van 2015 tot 2017", "", None, YEARS),
        ("tussen 2015 en 2017", "", None, YEARS),
        ("Kerstmis 2019", "", None, CHRISTMAS_2019),
        ("vorige kerst", "", None, LAST_CHRISTMAS),
        ("Pasen 2019", "", None, "2019-04-21/2019-04-22"),
        ("honden in Lissabon", "honden", "Lisbon", None),
        ("3 dagen geleden", "", None, "2026-11-28"),
        ("vorig jaar", "", None, "2025-01-01/2025-12-31"),
    ],
}


def check(query, text, place, when):
    expect(read(query, PLACES), text, place, when)


@pytest.mark.parametrize(
    ("query", "text", "place", "when"),
    [case for cases in CASES.values() for case in cases],
)
def test_european_queries(query, text, place, when):
    check(query, text, place, when)


def test_at_least_a_hundred_cases_in_six_languages():
    assert set(CASES) == {"fr", "de", "es", "pt", "it", "nl"}
    assert sum(map(len, CASES.values())) >= 100


@pytest.mark.parametrize(
    "query",
    [
        "a mai tai",  # French and German May, but a cocktail: "en mai", "im Mai"
        "mars",  # a planet, a chocolate bar: the month needs a year, a day or "en"
        "in mars",  # English "in": the planet
        "rover on mars",
        "juillet",  # another language's month alone needs a preposition
        "estate",  # an English word too: Italian summer alone needs a preposition
        "country estate",
        "real estate agent",
        "lente de cámara",  # a lens in Spanish, spring in Dutch
        "Noël",  # a holiday alone is every year's: the words find it
        "Weihnachten",
        "Natal",
        "e bike",
        "vitamin a",
        "a nice view",  # "a" is no preposition here, nor "à" folded
        "a spring in the forest",
        "an august man",
        "son and father",
        "die hard",
    ],
)
def test_words_that_look_like_dates_stay_text(query):
    check(query, query, None, None)


def test_the_rules_of_english_hold_in_every_language():
    """Shown as said, undone by a chip's ×, and nothing read in quotes or literally."""
    query = "Hunde in Lissabon im Sommer 2017"
    found = read(query, PLACES)
    assert [(item.said, item.label) for item in found.understood] == [
        ("in Lissabon", "in Lisbon"),
        ("im Sommer 2017", "taken 2017-06-01 to 2017-08-31"),
    ]
    kept = read(query, PLACES, keep=["im Sommer 2017"])
    assert kept.text == "Hunde im Sommer 2017" and kept.when is None
    for literal in (
        read(query, PLACES, literal=True),
        read(f'"{query}"', PLACES),
    ):
        assert literal.understood == () and literal.text == query


@pytest.mark.parametrize("language", ["fr", "de", "es", "pt", "it", "nl"])
def test_each_language_is_a_file_of_tables_each_said_what_it_is_for(language):
    """A table of another language is one English has, or one its file says what it is for."""
    tables = dict(words_of(language))
    about = {**words_of("en")["about"], **tables.pop("about", {})}
    assert tables and set(tables) <= set(about)
    assert all(isinstance(words, list | dict) and words for words in tables.values())
    assert language in LANGUAGES
