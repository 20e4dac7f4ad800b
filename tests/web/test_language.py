"""The pages in Chinese: chosen from the browser's Accept-Language, the setting or the switch
(a link and a cookie, no script), every word from the catalog, dates in Chinese."""

from __future__ import annotations

import dataclasses
import re

from photosearch.web import create_app

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


def test_the_browsers_language_picks_the_pages(client):
    english = client.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert '<html lang="en">' in english and ">Explore</a>" in english

    page = client.get("/", headers=CHINESE).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page
    assert ">浏览</a>" in page and ">重复照片</a>" in page and "已索引" in page
    assert 'placeholder="描述一张照片' in page
    assert '"loading": "正在加载…"' in page or '"loading": "\\u6b63' in page  # the scripts'
    assert re.search(r'<h2 class="month-header">\d{4}年\d{1,2}月</h2>', page)  # Babel's dates


def test_the_switch_sets_a_cookie_and_goes_back(client):
    page = client.get("/explore", headers=CHINESE).get_data(as_text=True)
    switch = re.search(r'href="([^"]+)"[^>]*data-language="en"', page).group(1)
    assert switch == "/language?to=en&amp;next=/explore"
    answer = client.get(switch.replace("&amp;", "&"), headers=CHINESE)
    assert answer.status_code == 302 and answer.headers["Location"] == "/explore"
    assert "lang=en" in answer.headers["Set-Cookie"]
    again = client.get("/explore", headers=CHINESE).get_data(as_text=True)
    assert '<html lang="en">' in again  # the cookie holds over the browser's language

    client.get("/language?to=klingon")  # not a language: nothing changes
    assert '<html lang="en">' in client.get("/", headers=CHINESE).get_data(as_text=True)
    assert client.get("/language?to=zh-Hans&next=//evil.example").headers["Location"] == "/"


def test_the_setting_chooses_when_the_switch_has_not(web_library):
    config = dataclasses.replace(web_library.config, web_language="zh-Hans")
    client = create_app(config, web_library).test_client()
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page


def test_a_search_says_what_it_understood_in_the_pages_language(client):
    answer = client.get("/api/search?q=a+cat+2017&lang=zh-Hans").get_json()
    assert answer["interpretation"]["understood"][0]["label"] == "taken 2017-01-01 to 2017-12-31"
    assert answer["interpretation"]["understood"][0]["shown"] == "2017年"
    english = client.get("/api/search?q=a+cat+2017").get_json()["interpretation"]["understood"]
    assert english[0]["shown"] == english[0]["label"]

    page = client.get("/?q=a+cat+2017", headers=CHINESE).get_data(as_text=True)
    chip = re.search(r'<span class="chip" data-kind="when" title="([^"]+)">([^<]+)<', page)
    assert chip.groups() == ("拍摄于 2017年1月1日\u2009–\u200912月31日", "2017年")
    assert "改为把“2017”当作文字搜索" in page


def test_errors_and_empty_pages_in_chinese(client):
    page = client.get("/?q=a+cat&type=jpeg&min_score=0.99", headers=CHINESE)
    assert "在这些筛选条件下，没有照片得分高于 0.99。" in page.get_data(as_text=True)
    assert "请选择一张用来搜索的照片。" in client.post("/", headers=CHINESE).get_data(as_text=True)
    missing = client.get("/no/such/page", headers=CHINESE)
    assert missing.status_code == 404 and "这里什么都没有" in missing.get_data(as_text=True)
    error = client.get("/api/photos/999999", headers=CHINESE).get_json()["error"]
    assert error == {"status": 404, "message": "没有编号为 999999 的已索引照片。"}
    english = client.get("/api/photos/999999").get_json()["error"]
    assert english["message"] == "No indexed photo has id 999999."
