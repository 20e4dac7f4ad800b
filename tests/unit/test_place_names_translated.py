"""Country and region names in other languages, from pycountry's ISO 3166 catalogs: Deutschland,
Alemania, Allemagne and 德国 are Germany to a library with photos from Germany."""

import pytest

from photosearch.places.names import PlaceNames, PlaceRef
from photosearch.places.translated import country_names, region_names

GERMANY = PlaceRef("country", "Germany", "DE")
BAVARIA = PlaceRef("region", "Bavaria", "DE")
PORTUGAL = PlaceRef("country", "Portugal", "PT")


@pytest.fixture(scope="module")
def names() -> PlaceNames:
    return PlaceNames.of_library(
        [
            ("Munich", "Bavaria", "Germany", "DE", 4),
            ("Lisbon", "Lisbon", "Portugal", "PT", 2),
            ("Rome", "Lazio", "Italy", "IT", 1),
        ]
    )


@pytest.mark.parametrize(
    "text",
    ["Deutschland", "Alemania", "Allemagne", "Alemanha", "Germania", "Duitsland", "德国", "德國"],
)
def test_a_country_by_its_names_in_other_languages(names, text):
    assert names.resolve(text) == {GERMANY}


@pytest.mark.parametrize("text", ["Bayern", "Bavière", "Baviera", "Beieren", "巴伐利亚"])
def test_a_region_by_its_names_in_other_languages(names, text):
    assert names.resolve(text) == {BAVARIA}


def test_names_in_a_query_and_only_of_the_librarys_places(names):
    found = names.find(["gatos", "en", "alemania"], 2)
    assert (found.places, found.canonical) == ((GERMANY,), False)
    assert names.find(["葡萄牙"]).places == (PORTUGAL,)
    assert names.resolve("Latium") == {PlaceRef("region", "Lazio", "IT")}
    assert names.resolve("Frankreich") == frozenset()  # no photo from France


def test_the_catalogs_as_read():
    assert {"Deutschland", "Alemania", "德国"} <= set(country_names("DE"))
    assert "Germany" not in country_names("DE")  # the English names are the gazetteer's
    assert country_names("XX") == ()
    found = region_names([("DE", "Bavaria"), ("DE", "Atlantis"), ("XX", "Nowhere")])
    assert set(found) == {("DE", "Bavaria")} and "Bayern" in found[("DE", "Bavaria")]
    assert region_names([]) == {}
