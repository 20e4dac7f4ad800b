"""A query written in Chinese, without spaces, with a place and a date in it finds exactly their
photos through the CLI and the API, on SQLite and PostgreSQL: the album of
test_places_and_dates, its places known by GeoNames' Chinese names (里斯本 is Lisbon, 悉尼
Sydney)."""

from __future__ import annotations

import json

import pytest

from ..album import write_album

pytestmark = pytest.mark.both_databases


def test_the_cli_reads_a_chinese_place_and_date(run_cli, photo_tree, tmp_path, database_url):
    album = write_album(photo_tree, tmp_path / "Album")
    database = {"PHOTOSEARCH_DATABASE_URL": database_url}
    run_cli("index", str(album), env=database)
    said = run_cli("search", "2017年夏天在里斯本拍的", env=database)
    line = "(any photo) · taken 2017-06-01 to 2017-08-31 · in Lisbon"
    assert said.stderr.splitlines()[0] == line
    assert said.stdout.count("\n") == 1 and "lisbon-cat.jpg" in said.stdout
    hits = json.loads(run_cli("search", "里斯本2019年", "--json", env=database).stdout)
    assert [hit["path"].rsplit("/", 1)[-1] for hit in hits] == ["lisbon-coffee.jpg"]
    # Sydney's summer of 2016 is December 2016 to February 2017: the photo of January 2017.
    said = run_cli("search", "在悉尼拍的2016年夏天", env=database)
    line = "(any photo) · in Sydney · taken 2016-12-01 to 2017-02-28"
    assert said.stderr.splitlines()[0] == line
    assert said.stdout.count("\n") == 1 and "sydney-astronaut.jpg" in said.stdout
    # Read literally, it is words: no place, no date, every photo ranked.
    literal = json.loads(
        run_cli("search", "2017年夏天在里斯本", "--literal", "--json", env=database).stdout
    )
    assert len(literal) == 8


def test_the_api_reads_a_chinese_place_and_date(
    run_cli, photo_tree, tmp_path, database_url, tiny_model_name
):
    from photosearch.config import Config
    from photosearch.library import PhotoLibrary
    from photosearch.web import create_app

    run_cli("index", str(write_album(photo_tree, tmp_path / "Album")),
            env={"PHOTOSEARCH_DATABASE_URL": database_url})  # fmt: skip
    config = Config.load(environ={}, data_dir=tmp_path / "data", database_url=database_url,
                         model=tiny_model_name, device="cpu", offline=True, runtime="torch",
                         precision="fp32")  # fmt: skip
    library = PhotoLibrary(config)
    client = create_app(config, library).test_client()
    answer = client.get("/api/search", query_string={"q": "2017年夏天在里斯本拍的",
                                                     "lang": "zh-Hans"}).get_json()  # fmt: skip
    understood = answer["interpretation"]["understood"]
    assert [item["shown"] for item in understood] == ["2017年夏天", "在里斯本"]
    assert [hit["path"].rsplit("/", 1)[-1] for hit in answer["results"]] == ["lisbon-cat.jpg"]
    # The errors a query can cause are told in the asker's language; English by default.
    asked = {"q": "猫", "place": "火星"}
    refused = client.get("/api/search", query_string=asked, headers={"Accept-Language": "zh-CN"})
    message = refused.get_json()["error"]["message"]
    assert refused.status_code == 400
    assert (
        message.startswith("本图库中没有在 '火星' 拍摄的照片。本图库中的地点：")
        and "Lisbon" in message
    )
    english = client.get("/api/search", query_string=asked).get_json()["error"]["message"]
    assert english.startswith("No photo in this library was taken in '火星'. Places in this")
    page = client.get(
        "/", query_string={"q": "猫", "limit": "0"}, headers={"Accept-Language": "zh"}
    )
    assert page.status_code == 400 and "必须在 1 和 200 之间" in page.get_data(as_text=True)
    library.close()
