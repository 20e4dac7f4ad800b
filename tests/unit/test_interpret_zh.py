"""Places and dates read out of queries written in Chinese, with today fixed and a tiny library
of place names: the query's words split by the built-in segmenter, dates read without
dateparser, the little words next to them dropped."""

import json
import subprocess
import sys
import time

import pytest

from photosearch.places.names import PlaceNames, PlaceRef
from photosearch.search.interpret import warm_up
from photosearch.search.languages import words_of
from photosearch.search.terms import parse

from . import test_interpret
from .test_interpret import Place, Places, period

NAMES = {
    "里斯本": Place("Lisbon", 38.7),
    "北京": Place("Beijing", 39.9),
    "上海": Place("Shanghai", 31.2),
    "东京": Place("Tokyo", 35.7),
    "悉尼": Place("Sydney", -33.9),
    "lisbon": Place("Lisbon", 38.7),
}


PLACES = Places({(word,): place for word, place in NAMES.items()})


@pytest.fixture(scope="module", autouse=True)
def warm():
    warm_up()


def read(query, **options):
    return test_interpret.read(query, PLACES, **options)


SUMMER_2017 = "2017-06-01/2017-08-31 | 2017-12-01/2018-02-28"

# Each row: query, the text left, the place, when: the north's period, then " | " and the
# south's where they differ ("2017-06-01/2017-08-31", "2019-07-15", "months 6 7 8").
CASES = [
    # Years: four digits and 年, in Arabic or Chinese digits, or counted back from this one.
    ("2019年", "", None, "2019-01-01/2019-12-31"),
    ("2019年的猫", "猫", None, "2019-01-01/2019-12-31"),
    ("猫2019年", "猫", None, "2019-01-01/2019-12-31"),
    ("二〇一七年", "", None, "2017-01-01/2017-12-31"),
    ("二零一七年的照片", "照片", None, "2017-01-01/2017-12-31"),
    ("２０１９年", "", None, "2019-01-01/2019-12-31"),  # full-width digits
    ("去年", "", None, "2025-01-01/2025-12-31"),
    ("今年", "", None, "2026-01-01/2026-12-01"),
    ("前年", "", None, "2024-01-01/2024-12-31"),
    ("大前年的雪", "雪", None, "2023-01-01/2023-12-31"),
    ("2027年", "", None, "2027-01-01/2027-12-31"),  # today's year + 1, as in English
    ("2028年", "2028年", None, None),
    ("1899年", "1899年", None, None),
    ("年", "年", None, None),
    # Decades: two digits are of this century once it has reached them.
    ("90年代", "", None, "1990-01-01/1999-12-31"),
    ("八十年代", "", None, "1980-01-01/1989-12-31"),
    ("八零年代的照片", "照片", None, "1980-01-01/1989-12-31"),
    ("2010年代", "", None, "2010-01-01/2019-12-31"),
    ("20年代", "", None, "2020-01-01/2029-12-31"),
    ("1890年代", "1890年代", None, None),
    # Months and days; alone, a month of any year and the latest such day.
    ("2019年8月", "", None, "2019-08-01/2019-08-31"),
    ("2019年8月的猫", "猫", None, "2019-08-01/2019-08-31"),
    ("二〇一七年八月", "", None, "2017-08-01/2017-08-31"),
    ("２０１９年８月", "", None, "2019-08-01/2019-08-31"),
    ("2019年12月", "", None, "2019-12-01/2019-12-31"),
    ("2020年2月", "", None, "2020-02-01/2020-02-29"),
    ("去年八月", "", None, "2025-08-01/2025-08-31"),
    ("今年三月的花", "花", None, "2026-03-01/2026-03-31"),
    ("八月", "", None, "months 8"),
    ("8月", "", None, "months 8"),
    ("8月份", "", None, "months 8"),
    ("十二月的雪", "雪", None, "months 12"),
    ("十一月", "", None, "months 11"),
    ("2019年13月", "13月", None, "2019-01-01/2019-12-31"),
    ("上个月", "", None, "2026-11-01/2026-11-30"),
    ("上月的照片", "照片", None, "2026-11-01/2026-11-30"),
    ("这个月", "", None, "2026-12-01/2026-12-01"),
    ("本月", "", None, "2026-12-01/2026-12-01"),
    ("2019年8月15日", "", None, "2019-08-15"),
    ("2019年8月15号", "", None, "2019-08-15"),
    ("二〇一九年十月一日", "", None, "2019-10-01"),
    ("2020年2月29日", "", None, "2020-02-29"),
    ("2019年2月29日", "29日", None, "2019-02-01/2019-02-28"),  # no such day: the month
    ("8月15日", "", None, "2026-08-15"),
    ("12月25日", "", None, "2025-12-25"),  # the latest by today
    ("3月31日的花", "花", None, "2026-03-31"),
    ("去年12月31日", "", None, "2025-12-31"),
    # Days and weeks back (today is Tuesday 1 December 2026).
    ("今天的晚饭", "晚饭", None, "2026-12-01"),
    ("昨天", "", None, "2026-11-30"),
    ("前天", "", None, "2026-11-29"),
    ("上周", "", None, "2026-11-23/2026-11-29"),
    ("上个星期的猫", "猫", None, "2026-11-23/2026-11-29"),
    ("上礼拜", "", None, "2026-11-23/2026-11-29"),
    ("本周", "", None, "2026-11-30/2026-12-01"),
    ("这周", "", None, "2026-11-30/2026-12-01"),
    # Counted back: calendar days, weeks, months and years.
    ("三年前", "", None, "2023-01-01/2023-12-31"),
    ("3年前", "", None, "2023-01-01/2023-12-31"),
    ("十年以前", "", None, "2016-01-01/2016-12-31"),
    ("五年之前的海滩", "海滩", None, "2021-01-01/2021-12-31"),
    ("两个月前", "", None, "2026-10-01/2026-10-31"),
    ("2个月前", "", None, "2026-10-01/2026-10-31"),
    ("十二个月前", "", None, "2025-12-01/2025-12-31"),
    ("三天前", "", None, "2026-11-28"),
    ("两周前", "", None, "2026-11-16/2026-11-22"),
    ("两个星期前", "", None, "2026-11-16/2026-11-22"),
    ("一百年前", "", None, "1926-01-01/1926-12-31"),
    ("九百年前", "九百年前", None, None),  # before 1900
    # Seasons: alone any year's; of a year, the one that begins in it; each hemisphere its own.
    ("夏天", "", None, "months 6 7 8 | months 12 1 2"),
    ("夏季", "", None, "months 6 7 8 | months 12 1 2"),
    ("春天的花", "花", None, "months 3 4 5 | months 9 10 11"),
    ("秋天", "", None, "months 9 10 11 | months 3 4 5"),
    ("秋季的树叶", "树叶", None, "months 9 10 11 | months 3 4 5"),
    ("冬天的雪", "雪", None, "months 12 1 2 | months 6 7 8"),
    ("2017年夏天", "", None, SUMMER_2017),
    ("2017年夏", "", None, SUMMER_2017),
    ("2017年夏季", "", None, SUMMER_2017),
    ("二〇一七年夏天", "", None, SUMMER_2017),
    ("2019年冬天", "", None, "2019-12-01/2020-02-29 | 2019-06-01/2019-08-31"),
    ("2018年春季", "", None, "2018-03-01/2018-05-31 | 2018-09-01/2018-11-30"),
    ("去年夏天", "", None, "2025-06-01/2025-08-31 | 2025-12-01/2026-02-28"),
    ("2019年的夏天", "", None, "2019-06-01/2019-08-31 | 2019-12-01/2020-02-29"),
    ("今年秋天", "", None, "2026-09-01/2026-11-30 | 2026-03-01/2026-05-31"),
    ("夏", "夏", None, None),  # one character alone: not a season
    ("春", "春", None, None),
    ("海滩上的狗2017年夏天", "海滩上的狗", None, SUMMER_2017),
    ("海滩上的狗 2017年夏天", "海滩上的狗", None, SUMMER_2017),
    ("2017年夏天海滩上的狗", "海滩上的狗", None, SUMMER_2017),
    # Holidays with a year: lunar ones, solar terms and fixed days.
    ("2019年春节", "", None, "2019-02-04/2019-02-11"),  # the eve, 4 February, to the 7th day
    ("2020年春节的烟花", "烟花", None, "2020-01-24/2020-01-31"),
    ("今年春节", "", None, "2026-02-16/2026-02-23"),
    ("2019年过年", "", None, "2019-02-04/2019-02-11"),
    ("2019年除夕", "", None, "2019-02-04"),
    ("2019年元宵节", "", None, "2019-02-19"),
    ("2018年端午节", "", None, "2018-06-18"),
    ("2019年七夕", "", None, "2019-08-07"),
    ("2019年中秋", "", None, "2019-09-13"),
    ("去年中秋节", "", None, "2025-10-06"),
    ("2019年重阳节", "", None, "2019-10-07"),
    ("2019年清明节", "", None, "2019-04-05"),
    ("2020年清明", "", None, "2020-04-04"),
    ("2019年元旦", "", None, "2019-01-01"),
    ("2019年劳动节", "", None, "2019-05-01/2019-05-05"),
    ("2020年国庆节", "", None, "2020-10-01/2020-10-07"),
    ("前年国庆", "", None, "2024-10-01/2024-10-07"),
    ("去年的春节", "", None, "2025-01-28/2025-02-04"),
    ("2018年圣诞节", "", None, "2018-12-24/2018-12-26"),
    # Alone, a holiday means every one of them, which the words find.
    ("国庆节", "国庆节", None, None),
    ("中秋节的月亮", "中秋节的月亮", None, None),
    ("春节", "春节", None, None),
    # Ranges.
    ("2015年到2017年", "", None, "2015-01-01/2017-12-31"),
    ("2015-2017年", "", None, "2015-01-01/2017-12-31"),
    ("2015~2017年", "", None, "2015-01-01/2017-12-31"),
    ("2015年-2017年", "", None, "2015-01-01/2017-12-31"),
    ("2015年～2017年", "", None, "2015-01-01/2017-12-31"),
    ("2015年－2017年", "", None, "2015-01-01/2017-12-31"),  # a full-width dash
    ("从2015年到2017年", "", None, "2015-01-01/2017-12-31"),
    ("2015年至2017年", "", None, "2015-01-01/2017-12-31"),
    ("2015年到2017年之间的猫", "猫", None, "2015-01-01/2017-12-31"),
    ("2019年3月到5月", "", None, "2019-03-01/2019-05-31"),
    ("3月到5月", "", None, "months 3 4 5"),
    ("2019年12月到2020年2月", "", None, "2019-12-01/2020-02-29"),
    ("从去年到今年", "", None, "2025-01-01/2026-12-01"),
    # Traditional characters.
    ("2019年國慶節", "", None, "2019-10-01/2019-10-07"),
    ("去年春節的煙花", "煙花", None, "2025-01-28/2025-02-04"),
    ("兩個月前", "", None, "2026-10-01/2026-10-31"),
    ("上個月的照片", "照片", None, "2026-11-01/2026-11-30"),
    ("上週", "", None, "2026-11-23/2026-11-29"),
    ("從2015年到2017年", "", None, "2015-01-01/2017-12-31"),
    ("2018年聖誕節", "", None, "2018-12-24/2018-12-26"),
    # Places, by the library's names, found in a query without spaces.
    ("里斯本", "", "Lisbon", None),
    ("在里斯本拍的照片", "照片", "Lisbon", None),
    ("2019年在里斯本拍的猫", "猫", "Lisbon", "2019-01-01/2019-12-31"),
    ("北京的雪", "雪", "Beijing", None),
    ("北京的雪2019年冬天", "雪", "Beijing", "2019-12-01/2020-02-29 | 2019-06-01/2019-08-31"),
    ("上海外滩的夜景", "外滩的夜景", "Shanghai", None),
    ("去年在东京", "", "Tokyo", "2025-01-01/2025-12-31"),
    ("东京 2019年", "", "Tokyo", "2019-01-01/2019-12-31"),
    ("在悉尼拍的2016年夏天", "", "Sydney", "2016-06-01/2016-08-31 | 2016-12-01/2017-02-28"),
    ("在里斯本的海滩上", "海滩上", "Lisbon", None),
    ("里斯本的时候", "", "Lisbon", None),
    # Mixed with English words.
    ("dogs 在里斯本", "dogs", "Lisbon", None),
    ("dogs 2017年夏天", "dogs", None, SUMMER_2017),
    ("cats in Lisbon 2019年", "cats", "Lisbon", "2019-01-01/2019-12-31"),
    ("里斯本 summer 2017", "", "Lisbon", SUMMER_2017),
    # The little words stay where nothing was understood next to them.
    ("在海滩上的狗", "在海滩上的狗", None, None),
    ("2019年的时候", "", None, "2019-01-01/2019-12-31"),
    ("在2019年", "", None, "2019-01-01/2019-12-31"),
    ("2019年拍的照片", "照片", None, "2019-01-01/2019-12-31"),
    ("海滩上的狗", "海滩上的狗", None, None),
    # One date a query: the first; the other stays text.
    ("2019年 2018年", "2018年", None, "2019-01-01/2019-12-31"),
    ("2019 2018年", "2018年", None, "2019-01-01/2019-12-31"),
    # Query algebra: subtracted terms are never read, no term is emptied.
    ("猫 - 2019年", "猫 - 2019年", None, None),
    ("猫 + 2019年夏天", "猫 + 2019年夏天", None, None),
    ("猫 + 狗2019年", "猫 + 狗", None, "2019-01-01/2019-12-31"),
    ("在 + 2019年的狗", "在 + 狗", None, "2019-01-01/2019-12-31"),
]


@pytest.mark.parametrize(("query", "text", "place", "when"), CASES)
def test_chinese_queries(query, text, place, when):
    found = read(query)
    north, _, south = (when or "").partition(" | ")
    expected = (period(north), period(south or north)) if when else None
    sides = (found.when.north, found.when.south) if found.when else None
    assert (found.text, found.place and found.place.label, sides) == (text, place, expected)


def test_there_are_a_hundred_cases_and_more():
    assert len(CASES) >= 100 and len({query for query, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("query", "said", "label"),
    [
        ("2017年夏天的海滩", "2017年夏天", "summer 2017"),
        ("2019年8月15日", "2019年8月15日", "15 August 2019"),
        ("二〇一七年八月", "二〇一七年八月", "August 2017"),
        ("八月", "八月", "August"),
        ("去年", "去年", "last year"),
        ("三年前", "三年前", "3 years ago"),
        ("上个月", "上个月", "last month"),
        ("2019年春节", "2019年春节", "Spring Festival 2019"),
        ("2015年到2017年", "2015年到2017年", "2015 to 2017"),
        ("在2019年", "2019年", "2019"),
    ],
)
def test_what_was_understood_is_shown_by_its_own_words(query, said, label):
    (understood,) = read(query).understood
    assert (understood.said, understood.when.label) == (said, label)
    assert understood.label.startswith("taken ")
    json.dumps(read(query).to_dict())


def test_quotes_literal_and_kept_words_read_nothing():
    found = read('"2019年的猫"')
    assert (found.text, found.understood, found.literal) == ("2019年的猫", (), True)
    found = read("2019年在里斯本拍的猫", literal=True)
    assert (found.text, found.understood) == ("2019年在里斯本拍的猫", ())
    found = read("2019年在里斯本拍的猫", keep=["2019年"])  # the date's chip taken off (×)
    assert [item.kind for item in found.understood] == ["place"]
    assert found.text == "2019年猫"
    assert found.line() == '"2019年猫" · in Lisbon'


HOSTILE = [
    "年年年年年年", "前前前前", "十十十十年前", "9999年前", "99999999年前", "月月月", "-年-月-日",
    "２０１９年１３月４５日", "从到", "到到到2019年", "2019年到", "从2019年到", "春夏秋冬" * 50,
    "猫" * 1000, "〇〇〇〇年", "0000年", "2019年0月", "2019年8月0日", "零个月前", "两百年前",
]  # fmt: skip


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_chinese_queries_read_quickly_and_never_fail(query):
    started = time.monotonic()
    found = read(query)
    assert time.monotonic() - started < 1, query
    json.dumps(found.to_dict())
    assert found.text or found.understood


def test_chinese_words_are_data_and_each_table_says_what_it_is_for():
    tables = dict(words_of("zh"))
    about = tables.pop("about")
    assert set(tables) == set(about)
    assert all(isinstance(words, list | dict) and words for words in tables.values())


def test_a_chinese_name_cut_apart_by_the_segmenter_is_still_found():
    lisbon = PlaceRef("city", "Lisbon", "PT", "Lisbon")
    names = PlaceNames({lisbon: ["Lisbon", "里斯本"]}, {})
    match = names.find(["在", "里斯", "本", "的"], 1)
    assert (match.start, match.end, match.name, match.places) == (1, 3, "里斯本", (lisbon,))
    assert names.find(["里斯", "本的"], 0) is None  # it must end where a word ends


def test_the_segmenter_splits_a_chinese_query_and_loads_only_for_one():
    assert [piece.text for piece in parse("2019年在里斯本拍的猫").pieces] == [
        "2019", "年", "在", "里斯本", "拍", "的", "猫",
    ]  # fmt: skip
    assert parse("2019年在里斯本").joined == "2019年在里斯本"
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from photosearch.search.interpret import interpret\n"
        "from photosearch.search.terms import parse\n"
        "class Places:\n"
        "    def match(self, words, start):\n"
        "        return (1, 'Lisbon') if words[start] == '里斯本' else None\n"
        "today = date(2026, 12, 1)\n"
        "interpret(parse('dogs 2017'), places=Places(), today=today)\n"
        "print('rjieba' in sys.modules)\n"
        "found = interpret(parse('在里斯本拍的猫'), places=Places(), today=today)\n"
        "print(found.text, 'rjieba' in sys.modules, 'spacy' in sys.modules)\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout.split() == ["False", "猫", "True", "False"]
