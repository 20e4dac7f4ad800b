"""(f) Reading a query, the interpretation alone (places and dates, no search), per language:
every query new, with the real place names of a dozen cities (GeoNames' other names and the
countries' names in other languages). Beside it, what detecting the query's language would
cost and how often it would be right, the alternative to reading every language at once."""

from __future__ import annotations

import itertools
import time
from datetime import date
from pathlib import Path

import numpy as np

from photosearch.places import gazetteer
from photosearch.search import query_language
from photosearch.search.interpret import interpret, warm_up
from photosearch.search.known_places import KnownPlaces
from photosearch.search.terms import parse

from .common import Row, latencies_ms, p50_p95, timed
from .search import CITIES

TODAY = date(2026, 12, 1)
ENGLISH = [
    "dogs on the beach {n} in Lisbon summer {year}",
    "a red car {n} in Paris last winter",
    "birthday cake {n} from 2015 to {year}",
    "snow {n} in Germany Christmas {year}",
    "cats {n} Rome",
    "summer {year}",
]
# The European queries.
EUROPEAN = {
    "fr": [
        "chiens sur la plage {n} à Lisbonne en été {year}",
        "voiture rouge {n} à Paris l'hiver dernier",
        "gâteau d'anniversaire {n} de 2015 à {year}",
        "neige {n} en Allemagne à Noël {year}",
        "chats {n} au Portugal en juillet",
        "l'été {year}",
    ],
    "de": [
        "Hunde am Strand {n} in Lissabon im Sommer {year}",
        "rotes Auto {n} in Paris letzten Winter",
        "Geburtstagstorte {n} von 2015 bis {year}",
        "Schnee {n} in Deutschland Weihnachten {year}",
        "Katzen {n} in Rom im Juli",
        "Sommer {year}",
    ],
    "es": [
        "perros en la playa {n} en Lisboa verano {year}",
        "coche rojo {n} en París el invierno pasado",
        "tarta de cumpleaños {n} de 2015 a {year}",
        "nieve {n} en Alemania Navidad {year}",
        "gatos {n} en Roma en julio",
        "verano de {year}",
    ],
    "pt": [
        "cães na praia {n} em Lisboa no verão de {year}",
        "carro vermelho {n} em Paris o inverno passado",
        "bolo de aniversário {n} de 2015 a {year}",
        "neve {n} na Alemanha Natal {year}",
        "gatos {n} em Roma em julho",
        "verão {year}",
    ],
    "it": [
        "cani in spiaggia {n} a Lisbona nell'estate {year}",
        "macchina rossa {n} a Parigi l'inverno scorso",
        "torta di compleanno {n} da 2015 a {year}",
        "neve {n} in Germania Natale {year}",
        "gatti {n} a Roma in luglio",
        "estate {year}",
    ],
    "nl": [
        "honden op het strand {n} in Lissabon zomer {year}",
        "rode auto {n} in Parijs vorige winter",
        "verjaardagstaart {n} van 2015 tot {year}",
        "sneeuw {n} in Duitsland Kerstmis {year}",
        "katten {n} in Rome in juli",
        "zomer {year}",
    ],
}
# Chinese as people type it, without spaces, each with a place or a date or both.
CHINESE = [
    "海滩上的狗{year}年夏天 {n}", "{year}年在里斯本拍的猫 {n}", "去年春节的烟花 {n}",
    "在巴黎拍的铁塔二〇一七年八月 {n}", "三年前在悉尼的海滩 {n}", "{year}年到2024年东京的樱花 {n}",
    "上个月的生日蛋糕 {n}", "伦敦的雪{year}年冬天 {n}", "在纽约拍的{year}年国庆节 {n}",
    "两个月前在柏林 {n}", "罗马的晚饭8月15日 {n}", "去年中秋节的月亮 {n}",
]  # fmt: skip
TARGET_MS = 5.0


def fresh(templates: list[str]):
    """Endless distinct queries of these templates."""
    for n in itertools.count(1):
        for template in templates:
            yield template.format(n=n, year=2010 + n % 14)


def library_places() -> KnownPlaces:
    rows = []
    for latitude, longitude in CITIES:
        found = gazetteer.lookup(latitude, longitude)
        rows.append((found.city, found.region, found.country, found.country_code, 100, latitude))
    return KnownPlaces(rows)


def run(quick: bool, work: Path) -> list[Row]:
    """Wall time, and the reading thread's own CPU time: on a machine shared with other work,
    the wall time's tail is mostly time spent waiting for a core."""
    places = library_places()
    warm_up()
    repeats = 120 if quick else 600
    name = "(f) reading a query (interpretation alone), every query new"
    rows = []
    english = None
    for language, templates in {"en": ENGLISH, **EUROPEAN, "zh": CHINESE}.items():
        queries = fresh(templates)
        interpret(parse(next(queries)), places=places, today=TODAY)  # one-off costs
        wall, cpu = [], []
        for query in itertools.islice(queries, repeats):
            started, started_cpu = time.perf_counter(), time.thread_time()
            interpret(parse(query), places=places, today=TODAY)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
        p50, p95 = p50_p95(np.array(wall))
        _, cpu95 = p50_p95(np.array(cpu))
        english = english or p95
        rows += [
            Row(name, f"{language} p50", p50, "ms"),
            Row(name, f"{language} p95", p95, "ms", "en p95", english, "<= 5 ms", p95 <= TARGET_MS),
            Row(name, f"{language} p95, CPU time of the thread", cpu95, "ms"),
        ]
    return rows + detection_rows(quick)


def detection_rows(quick: bool) -> list[Row]:
    """Detecting the language of the same queries, with the detector the written words use."""
    name = "(f) detecting a query's language (lingua, low accuracy), the alternative"
    load, _ = timed(lambda: query_language.language_of("warm up"))
    samples = [
        (language, query)
        for language, templates in EUROPEAN.items()
        for query in itertools.islice(fresh(templates), 60 if quick else 240)
    ]
    right = sum(query_language.language_of(query) == language for language, query in samples)
    short = [(language, template.format(year=2017)) for language, templates in EUROPEAN.items()
             for template in templates if "{n}" not in template]  # fmt: skip
    short_right = sum(query_language.language_of(query) == language for language, query in short)
    queries = itertools.cycle(query for _, query in samples)
    p50, p95 = p50_p95(latencies_ms(lambda: query_language.language_of(next(queries)), 300))
    return [
        Row(name, "loading the detector", load * 1000, "ms"),
        Row(name, "p95 a query", p95, "ms"),
        Row(name, "p50 a query", p50, "ms"),
        Row(name, "right, queries of 4-9 words", 100 * right / len(samples), "%"),
        Row(name, "right, a season and a year alone", 100 * short_right / len(short), "%"),
    ]
