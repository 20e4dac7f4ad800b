"""Queries in Spanish and German with a place and a date, through the CLI on the album of known
places and days (tests/album.py), on SQLite and PostgreSQL; country names in other languages
and Chinese name the library's countries."""

from __future__ import annotations

import json
import os

import pytest

from ..album import write_album

pytestmark = pytest.mark.both_databases


def names(said) -> set[str]:
    return {os.path.basename(hit["path"]) for hit in json.loads(said.stdout)}


@pytest.fixture
def cli(run_cli, database_url):
    """run_cli on this test's database."""
    return lambda *args: run_cli(*args, env={"PHOTOSEARCH_DATABASE_URL": database_url})


def test_spanish_and_german_queries_with_a_place_and_a_date(cli, photo_tree, tmp_path):
    cli("index", str(write_album(photo_tree, tmp_path / "Album")))
    said = cli("search", "perros en Lisboa en el verano de 2017", "--min-score", "-1")
    assert said.stderr.splitlines()[0] == '"perros" · in Lisbon · taken 2017-06-01 to 2017-08-31'
    assert said.stdout.count("\n") == 1 and "lisbon-cat.jpg" in said.stdout
    german = cli("search", "Fotos aus Portugal im Sommer 2017", "--json", "--min-score", "-1")
    assert names(german) == {"lisbon-cat.jpg", "porto-grass.jpg"}
    assert names(cli("search", "Hunde in Frankreich 2017", "--json", "--min-score", "-1")) == {
        "paris-rocket.jpg"
    }
    assert names(cli("search", "法国 2017", "--json", "--min-score", "-1")) == {"paris-rocket.jpg"}
    literal = cli("search", "perros en Lisboa verano 2017", "--literal", "--json")
    assert len(json.loads(literal.stdout)) > 1  # nothing read: every photo ranks
