"""A content pass added by a test alone (tests.brightness_pass), without a line of the indexer
or the stages changed: registered, it runs in every index run after the embedding, in this
process's threads (here) and on the Ray cluster (test_cluster), once per content, one decode of
each photo shared by the passes that want pixels; its failures are its own and `errors` and
`status` list them; switched off, it leaves the run alone."""

from __future__ import annotations

import dataclasses
import os

import pytest
from click.testing import CliRunner

from photosearch.cli import cli
from photosearch.indexing import passes, shared_decode

from ..brightness_pass import (
    BrightnessPass,
    CornerPass,
    CountingDecodes,
    measured_folder,
    registered,
)


@pytest.fixture
def own_passes():
    with registered(BrightnessPass(), CornerPass()) as added:
        yield added


@pytest.fixture
def folder(tmp_path, photo_tree):
    return measured_folder(tmp_path / "Measured", photo_tree)


def test_a_pass_of_its_own_runs_in_this_process(library, own_passes, folder, monkeypatch):
    brightness, corner = own_passes
    decodes = CountingDecodes(shared_decode.decode)
    monkeypatch.setattr(shared_decode, "decode", decodes)
    summary = library.index([folder])

    assert (summary.new, summary.failed, summary.embedded) == (5, 0, 4)  # every photo kept
    assert (summary.measured, summary.measure_failed, summary.cornered) == (4, 1, 4)
    assert decodes.calls == 4  # once a content, for both passes
    assert summary.texts_read == 0  # the text pass is off in the suite
    assert summary.to_dict()["measured"] == 4 and summary.to_dict()["cornered"] == 4
    measured = {o.content_hash: o for (_, _), o in brightness.readings.items()}
    assert len(measured) == 4 and len(corner.readings) == 4
    mean, size = next(o.reading for o in measured.values() if o.problem is None)
    assert 0 < mean < 255 and min(size) >= 64  # decoded for the larger side asked
    (dark,) = [o for o in measured.values() if o.problem is not None]
    assert dark.problem == ("dark", "too dark to measure")

    # Moved and copied photos reuse what was read; a failed reading waits for a reread.
    os.rename(folder / "dark.jpg", folder / "renamed-dark.jpg")
    again = library.index([folder])
    assert (again.moved, again.measured, again.cornered) == (1, 0, 0)
    assert library.index([folder], reread={"brightness"}).measured == 1

    assert library.status()["brightness"] == {"read": 4}


def test_errors_and_status_list_what_a_pass_of_its_own_says(
    library, own_passes, folder, tiny_model_name
):
    library.index([folder])
    config = library.config
    env = {
        "PHOTOSEARCH_HOME": str(config.data_dir),
        "PHOTOSEARCH_DATABASE_URL": config.database_url,
        "PHOTOSEARCH_MODEL": tiny_model_name,
        "PHOTOSEARCH_OFFLINE": "1",
        "PHOTOSEARCH_OCR": "0",
    }
    errors = CliRunner().invoke(cli, ["errors"], env=env)
    assert errors.exit_code == 0, errors.output
    assert f"brightness:dark {folder / 'dark.jpg'}: too dark to measure" in errors.output
    status = CliRunner().invoke(cli, ["status"], env=env)
    assert "brightness 4 photos measured" in status.output
    assert "corner     4 photos measured" in status.output


def test_a_pass_switched_off_is_not_run(library, own_passes, folder, monkeypatch):
    monkeypatch.setattr(BrightnessPass, "setting", "ocr")  # off in the suite's config
    summary = library.index([folder])
    assert (summary.measured, summary.cornered) == (0, 4)
    on = dataclasses.replace(library.config, ocr=True)
    assert [p.name for p in passes.enabled(on)] == ["text", "brightness", "corner"]
