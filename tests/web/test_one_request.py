"""The command line and the web ask alike: each reads its own arguments into one search
request (an error names the user's own flag or field) and gets one JSON shape of a hit."""

from __future__ import annotations

import json
import os

import pytest

from photosearch.cli import main


@pytest.fixture
def command_line(web_library, monkeypatch, capsys):
    """`photosearch ARGS...` run in this process on the web library's data dir and model:
    returns its exit code, standard output and standard error."""
    for name in [name for name in os.environ if name.startswith("PHOTOSEARCH_")]:
        monkeypatch.delenv(name)
    settings = {"HOME": str(web_library.config.data_dir), "MODEL": web_library.config.model,
                "OFFLINE": "1", "RUNTIME": "torch", "PRECISION": "fp32", "OCR": "0"}  # fmt: skip
    for name, value in settings.items():
        monkeypatch.setenv(f"PHOTOSEARCH_{name}", value)

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exit:
            code = exit.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_a_bad_date_is_named_as_the_user_wrote_it(command_line, client):
    code, _, err = command_line("search", "a cat", "--from", "2019-13-45")
    assert code == 2
    assert err.strip() == "Error: --from must be a date like 2019-08-03, not '2019-13-45'."
    code, _, err = command_line("search", "a cat", "--from", "2020-01-02", "--to", "2020-01-01")
    assert code == 2 and err.strip() == "Error: --from is after --to."
    code, _, err = command_line("search", "a cat", "--min-score", "high")
    assert code == 2 and "--min-score must be a number" in err

    response = client.get("/api/search?q=a+cat&date_from=2019-13-45")
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert message == "'date_from' must be a date like 2019-08-03, not '2019-13-45'."


def test_search_json_and_the_api_give_a_hit_the_same_keys(command_line, client):
    code, out, _ = command_line("search", "a cat", "--limit", "3", "--json")
    printed = json.loads(out)
    served = client.get("/api/search?q=a+cat&limit=3&min_score=-1").get_json()["results"]
    assert code == 0 and len(printed) == len(served) == 3
    assert [hit["id"] for hit in printed] == [hit["id"] for hit in served]
    # what pages need (scene_url: a video's matching scene, null for a photo)
    web = {"url", "thumbnail_url", "preview_url", "original_url", "alt", "scene_url"}
    assert set(served[0]) == set(printed[0]) | web
    assert {"folder", "name", "camera", "text_match", "rank", "score", "people"} <= set(printed[0])
    shared = set(printed[0])
    assert [{key: hit[key] for key in shared} for hit in served] == printed
    photo = client.get(f"/api/photos/{printed[0]['id']}").get_json()  # a photo: the same shape
    hit_only = {"rank", "score", "text_match", "people", "moment", "frame", "scene_url"}
    assert set(photo) == set(served[0]) - hit_only | {"text", "faces"}


def test_a_filter_alone_is_a_search_on_both(command_line, client):
    code, out, _ = command_line("search", "--type", "png", "--json")
    printed = json.loads(out)
    served = client.get("/api/search?type=png").get_json()["results"]
    assert code == 0 and printed and {hit["format"] for hit in printed} == {"PNG"}
    assert [hit["id"] for hit in printed] == [hit["id"] for hit in served]


def test_any_filter_alone_filters_the_page_as_it_does_the_api(client):
    """The filters are one list: the page once ignored a location asked for alone. Alone,
    they filter the home page's timeline."""
    served = client.get("/api/search?has_location=true").get_json()["results"]
    page = client.get("/?has_location=true")
    assert page.status_code == 200 and served
    assert page.data.count(b'class="tile"') == len(served)
