"""The commands a user types, run as real processes."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.faces import write_buffalo_stand_ins


def test_index_search_status_end_to_end(run_cli, photo_tree):
    first = json.loads(run_cli("index", str(photo_tree), "--json").stdout)
    assert first["new"] == 25 and first["failed"] == 6 and first["device"] == "cpu"
    assert first["embedded"] == 25 and first["images_per_second"] > 0
    # Who decoded what: the CPU pool alone here, the 25 photos and the 6 bad files
    assert list(first["decoded"]) == ["cpu"] and first["decoded"]["cpu"] == 31

    second = json.loads(run_cli("index", str(photo_tree), "--json").stdout)
    assert second["embedded"] == 0 and second["unchanged"] == 25 and second["decoded"] == {}

    text = run_cli("index", str(photo_tree)).stdout
    assert "unchanged 25" in text and "failed 6" in text
    assert "(model not loaded: nothing to embed)" in text

    status = json.loads(run_cli("status", "--json").stdout)
    assert status["photos"] == 25 and status["failed"] == 6 and status["vectors"] == 25
    assert status["index_state"] == "fresh" and status["index_bytes"] > 0

    hits = json.loads(
        run_cli("search", "a rocket on a launch pad", "--limit", "7", "--json").stdout
    )
    assert len(hits) == 7
    assert {"id", "path", "score"} <= set(hits[0])
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)

    cat = photo_tree / "photos" / "animals" / "chelsea-the-cat.jpg"
    like = json.loads(run_cli("search", "--like", str(cat), "--limit", "1", "--json").stdout)
    assert like[0]["path"] == str(cat) and like[0]["score"] == pytest.approx(1.0, abs=1e-4)

    lines = run_cli("search", "a cat", "--limit", "3").stdout.strip().splitlines()
    assert len(lines) == 3 and lines[0].split()[0] == "1"

    errors = json.loads(run_cli("errors", "--json").stdout)
    assert len(errors) == 6 and all(e["kind"] and e["message"] for e in errors)


def test_moved_file_keeps_its_id(run_cli, photo_tree):
    run_cli("index", str(photo_tree))
    before = json.loads(
        run_cli("search", "--like", str(photo_tree / "edge/cat.webp"), "--json").stdout
    )
    shutil.move(photo_tree / "edge/cat.webp", photo_tree / "photos/cat.webp")
    summary = json.loads(run_cli("index", str(photo_tree), "--json").stdout)
    assert summary["moved"] == 1 and summary["embedded"] == 0
    after = json.loads(
        run_cli("search", "--like", str(photo_tree / "photos/cat.webp"), "--json").stdout
    )
    assert after[0]["id"] == before[0]["id"]


def test_missing_weights_is_one_paragraph_and_exit_code_2(run_cli, photo_tree):
    result = run_cli("index", str(photo_tree), "--model", "clip", check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert message.startswith("Error: Could not load the weights of model 'clip'")
    assert len(message.splitlines()) == 1


def test_empty_index_is_friendly(run_cli):
    result = run_cli("search", "dogs on the beach")
    assert "No photos are indexed" in result.stderr
    assert json.loads(run_cli("search", "dogs", "--json").stdout) == []


def test_usage_errors_exit_2_without_traceback(run_cli, tmp_path):
    missing = run_cli("index", str(tmp_path / "nope"), check=False)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    both = run_cli("search", "x", "--like", "1", check=False)
    assert both.returncode == 2 and "Traceback" not in both.stderr


def test_console_script_is_the_same_cli(run_cli):
    script = shutil.which("photosearch", path=os.path.dirname(sys.executable))
    assert script, "the photosearch console script is not installed (pip install -e .)"
    result = run_cli("models", command=(script,))
    assert "clip-laion" in result.stdout and "not found locally" in result.stdout
    assert "photosearch-test-tiny" not in result.stdout


def test_models_lists_the_face_models_and_their_files(run_cli, tmp_path):
    listed = {row["name"]: row for row in json.loads(run_cli("models", "--json").stdout)}
    dlib, buffalo = listed["dlib"], listed["buffalo_l"]
    assert dlib["kind"] == buffalo["kind"] == "faces"
    assert dlib["available"] and dlib["selected"] and dlib["dimension"] == 128
    assert not buffalo["available"] and not buffalo["selected"] and buffalo["dimension"] == 512
    folder = write_buffalo_stand_ins(tmp_path / "data" / "models")
    text = run_cli("models", "--face-model", "buffalo_l").stdout
    assert f"* buffalo_l 512 numbers a face: {folder}" in text
    assert "  dlib      128 numbers a face: " in text


def test_audit_synthetic_two_models_side_by_side(run_cli, tmp_path, tiny_model_name):
    from ..conftest import save_tiny_checkpoint

    other = f"photosearch-test-tiny:{save_tiny_checkpoint(tmp_path / 'b.pt', seed=4)}"
    items_file = tmp_path / "items.json"
    args = ["audit-compositionality", "--scenes", "30", "--limit", "20"]
    models = ["--model", tiny_model_name, "--model", other]
    table = run_cli(*args, *models, "--items-out", str(items_file)).stdout
    assert "Synthetic Relation" in table and "Synthetic Order" in table
    assert tiny_model_name in table and other in table
    assert "paper NegCLIP" in table and "bag of words" in table

    rows = json.loads(items_file.read_text())
    assert len(rows) == 2 * 3 * 20
    assert {"model", "task", "image", "correct", "options", "scores"} <= set(rows[0])

    report = json.loads(run_cli(*args, "--json").stdout)
    relation = next(t for t in report["tasks"] if t["task"] == "synthetic-relation")
    assert relation["chance"] == 0.5 and relation["paper"] == {"clip": 0.59, "negclip": 0.81}
    (scores,) = relation["models"].values()
    assert scores["items"] == 20 and 0 <= scores["accuracy"] <= 1
    assert Path(report["items_file"]).is_file()


def test_audit_with_missing_or_malformed_official_files(run_cli, tmp_path):
    empty = tmp_path / "aro"
    empty.mkdir()
    result = run_cli("audit-compositionality", "--data-dir", str(empty), check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    for expected in (
        "visual_genome_relation.json",
        "coco_karpathy_test.json",
        "flickr30k_test.json",
    ):
        assert expected in result.stderr

    (empty / "images").mkdir()
    (empty / "visual_genome_relation.json").write_text('[{"image_path": 3}]')
    result = run_cli(
        "audit-compositionality", "--data-dir", str(empty), "--task", "relation", check=False
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "visual_genome_relation.json, entry 0" in result.stderr


def test_audit_index_probe(run_cli, photo_tree):
    before = run_cli("audit-compositionality", "--index", check=False)
    assert before.returncode == 2 and "No photos are indexed" in before.stderr
    run_cli("index", str(photo_tree))
    text = run_cli("audit-compositionality", "--index").stdout
    assert "a dog chasing a cat" in text and "top-20 overlap" in text
    report = json.loads(
        run_cli(
            "audit-compositionality",
            "--index",
            "--pair",
            "a cat on a mat",
            "a mat on a cat",
            "--json",
        ).stdout
    )
    (pair,) = report[0]["pairs"]
    assert pair["query_a"] == "a cat on a mat" and 0 <= pair["overlap"] <= 1
    assert pair["photos"] >= 20


def test_rebuild_index_command(run_cli, photo_tree):
    run_cli("index", str(photo_tree))
    output = run_cli("rebuild-index", "--all").stdout
    assert "flat index of 25 vectors" in output
    assert json.loads(run_cli("check", "--json").stdout)["consistent"]


def test_a_query_file_that_is_no_image_is_named_in_the_error(indexed_config, run_cli, photo_tree):
    broken = photo_tree / "bad" / "truncated.jpg"
    result = run_cli("search", "--like", str(broken), check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"Error: The query photo {broken} is not a usable image: ")
