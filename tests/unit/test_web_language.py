"""The pages' language as chosen from the switch, the setting and the browser, what a query
understood told in Chinese, and the catalogs: every word of the pages translated."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from photosearch.errors import BadParameter
from photosearch.search.interpret import interpret
from photosearch.search.interpret.describe import describe
from photosearch.search.known_places import FoundPlace
from photosearch.search.request import parse_search
from photosearch.search.terms import parse
from photosearch.web.language import LANGUAGES, choose

REPO = Path(__file__).resolve().parents[2]
TRANSLATIONS = REPO / "photosearch" / "web" / "translations"


@pytest.mark.parametrize(
    ("switched", "setting", "accepted", "chosen"),
    [
        (None, "auto", ["zh-CN", "en"], "zh-Hans"),
        (None, "auto", ["zh-TW"], "zh-Hans"),  # any Chinese reads the Chinese pages
        (None, "auto", ["zh"], "zh-Hans"),
        (None, "auto", ["en-GB", "zh-CN"], "en"),
        (None, "auto", ["fr-FR", "zh-CN"], "zh-Hans"),  # the first the pages are written in
        (None, "auto", ["fr-FR", "de"], "en"),
        (None, "auto", [], "en"),
        (None, "auto", ["*", "not a tag!"], "en"),
        (None, "zh-Hans", ["en"], "zh-Hans"),  # the setting over the browser
        ("en", "zh-Hans", ["zh-CN"], "en"),  # the switch over both
        ("zh-Hans", "auto", ["en"], "zh-Hans"),
        ("klingon", "auto", ["zh-CN"], "zh-Hans"),  # a cookie of no language is passed over
    ],
)
def test_the_language_is_the_switchs_then_the_settings_then_the_browsers(
    switched, setting, accepted, chosen
):
    assert choose(switched, setting, accepted) == chosen


ZH = {  # the catalog's words that describe() asks for, as the web's gettext gives them
    "summer": "夏天",
    "winter": "冬天",
    "{season} {year}": "{year}{season}",
    "{season} of any year": "每年{season}",
    "{months} of any year": "每年{months}",
    "in {place}": "在{place}",
    "taken {dates}": "拍摄于 {dates}",
}


class Lisbon:
    def match(self, words, start):
        if words[start] != "lisbon":
            return None
        return 1, FoundPlace("Lisbon", (), 38.7, ("Lisbon", "Lisboa", "リスボン", "里斯本"))


@pytest.mark.parametrize(
    ("query", "chips"),
    [
        (
            "dogs in Lisbon summer 2017",
            [("在里斯本", ""), ("2017年夏天", "拍摄于 2017年6月1日 – 8月31日")],
        ),
        ("a cat last month", [("上个月", "拍摄于 2026年11月1日 – 30日")]),
        ("a cat last year", [("去年", "拍摄于 2025年1月1日 – 12月31日")]),
        ("a cat 3 years ago", [("3年前", "拍摄于 2023年1月1日 – 12月31日")]),
        ("a cat yesterday", [("昨天", "拍摄于 2026年12月6日")]),
        ("a cat July 2019", [("2019年7月", "拍摄于 2019年7月1日 – 31日")]),
        ("a cat 2017", [("2017年", "拍摄于 2017年1月1日 – 12月31日")]),
        ("a cat 2015 to 2017", [("2015–2017年", "拍摄于 2015年1月1日 – 2017年12月31日")]),
        ("a cat winter 2017", [("2017年冬天", "拍摄于 2017年12月1日 – 2018年2月28日")]),
        ("a cat summer", [("每年夏天", "拍摄于 每年六月、七月和八月")]),
        ("a cat 3 August 2019", [("2019年8月3日", "拍摄于 2019年8月3日")]),
    ],
)
def test_what_was_understood_is_told_in_chinese(query, chips):
    read = interpret(parse(query), places=Lisbon(), today=date(2026, 12, 7))
    told = [
        tuple(part.replace("\u2009", " ") for part in describe(item, "zh-Hans", ZH.get))
        for item in read.understood
    ]  # CLDR writes a range's dash between thin spaces
    assert told == chips


def test_a_place_without_a_chinese_name_keeps_its_own():
    place = FoundPlace("Porto", (), 41.1, ("Porto", "Oporto"))
    read = interpret(parse("in Porto"), places=_only(place), today=date(2026, 12, 7))
    assert (
        describe(read.understood[0], "zh-Hans", lambda words: ZH.get(words, words)).label
        == "在Porto"
    )


def _only(place):
    class Matcher:
        def match(self, words, start):
            return (1, place) if words[start] == place.label.lower() else None

    return Matcher()


def test_a_search_carries_its_language():
    assert parse_search({"q": "猫", "lang": "zh-Hans"}).lang == "zh-Hans"
    assert parse_search({"q": "cat"}).lang is None
    with pytest.raises(BadParameter, match="'lang' must be a language"):
        parse_search({"q": "cat", "lang": "<script>"})


def test_every_word_of_the_pages_is_translated(tmp_path):
    """Extracts the pages' words afresh (templates, web code, describe) and compares them with
    each catalog: none missing, none left over, none untranslated or fuzzy."""
    template = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_", "-k", "said", "--no-location", "-o", str(template), "."],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    with template.open("rb") as source:
        extracted = {message.id for message in read_po(source) if message.id}
    assert len(extracted) > 100
    languages = [path.name for path in TRANSLATIONS.iterdir() if path.is_dir()]
    assert sorted(languages) == sorted(tag.replace("-", "_") for tag in LANGUAGES if tag != "en")
    for language in languages:
        with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
            catalog = read_po(source, locale=language)
        translated = {message.id: message for message in catalog if message.id}
        assert sorted(map(str, extracted - translated.keys())) == [], f"{language}: missing"
        assert sorted(map(str, translated.keys() - extracted)) == [], f"{language}: left over"
        for message in translated.values():
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings) and not message.fuzzy, f"{language}: {message.id!r}"
        assert [errors for _, errors in catalog.check()] == []  # placeholders kept


def test_the_build_compiles_each_catalog_and_refuses_a_broken_one(tmp_path):
    """setup.py's step of every build (pip install ., -e, a wheel): .po to the .mo that
    Flask-Babel reads; a translation that loses a placeholder stops the build."""
    spec = importlib.util.spec_from_file_location("photosearch_setup", REPO / "setup.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    po = TRANSLATIONS / "zh_Hans" / "LC_MESSAGES" / "messages.po"
    build.compile_catalog(po, tmp_path / "zh_Hans" / "LC_MESSAGES" / "messages.mo")
    compiled = Translations.load(str(tmp_path), ["zh_Hans"])
    assert compiled.gettext("Search") == "搜索"
    assert compiled.ngettext("%(num)d photo", "%(num)d photos", 3) == "%(num)d 张照片"

    broken = tmp_path / "broken" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        po.read_text(encoding="utf-8").replace('"在{place}"', '"在{地方}"'), encoding="utf-8"
    )
    with pytest.raises(SystemExit, match="'in {place}': its translation names other"):
        build.compile_catalog(broken, tmp_path / "broken.mo")
