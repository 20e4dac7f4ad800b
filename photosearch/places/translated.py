"""Country and region names in other languages (Deutschland, Alemania, Allemagne and 德国 for
Germany; Bayern, Bavière and 巴伐利亚 for Bavaria), from the ISO 3166 names that pycountry ships
translated as gettext catalogs. Country names are read once per process (some 40 ms, a few
hundred kB); regions only for the regions asked, and the catalogs are not kept."""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from ..text import fold

# The query reader's languages (search/languages) and Chinese, simplified and traditional.
LOCALES = ("fr", "de", "es", "pt", "pt_BR", "it", "nl", "zh_CN", "zh_TW", "zh_HK")

RegionKey = tuple[str, str]  # country code, region as the gazetteer names it


def country_names(country_code: str) -> tuple[str, ...]:
    """The country's names in LOCALES, without its English ones: () for an unknown code."""
    return _countries().get(country_code, ())


def region_names(regions: Iterable[RegionKey]) -> dict[RegionKey, tuple[str, ...]]:
    """The names in English and LOCALES of the regions that ISO 3166-2 lists under the same
    name (in its own language or a translation: "Bavaria" is Bayern); others are left out."""
    wanted: dict[str, dict[str, str]] = {}
    for code, region in regions:
        wanted.setdefault(code, {})[fold(region)] = region
    if not wanted:
        return {}
    import pycountry  # a tenth of a second: only when names are built

    catalogs = _catalogs("iso3166-2", ("en", *LOCALES))
    found: dict[RegionKey, tuple[str, ...]] = {}
    for code, by_folded in wanted.items():
        for subdivision in pycountry.subdivisions.get(country_code=code) or ():
            names = [subdivision.name, *(each.gettext(subdivision.name) for each in catalogs)]
            for name in names:
                if (region := by_folded.get(fold(name))) is not None:
                    found[(code, region)] = tuple(dict.fromkeys(names))
    return found


@cache
def _countries() -> dict[str, tuple[str, ...]]:
    import pycountry

    catalogs = _catalogs("iso3166-1", LOCALES)
    names: dict[str, tuple[str, ...]] = {}
    for country in pycountry.countries:
        english = [
            name
            for name in (country.name, *(getattr(country, key, None) for key in _NAME_KEYS))
            if name
        ]
        others = (catalog.gettext(name) for catalog in catalogs for name in english)
        names[country.alpha_2] = tuple(dict.fromkeys(n for n in others if n not in english))
    return names


_NAME_KEYS = ("common_name", "official_name")


def _catalogs(domain: str, locales: Iterable[str]) -> list[gettext.GNUTranslations]:
    """The domain's catalog of each locale that has one, read afresh (gettext.translation
    would keep every catalog it reads for the life of the process)."""
    import pycountry

    catalogs = []
    for locale in locales:
        path = Path(pycountry.LOCALES_DIR, locale, "LC_MESSAGES", f"{domain}.mo")
        if path.is_file():
            with path.open("rb") as file:
                catalogs.append(gettext.GNUTranslations(file))
    return catalogs
