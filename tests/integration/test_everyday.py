"""Everyday use: the model follows the library, commands that need no model never load one,
and the light commands never import torch, open_clip, spaCy or the web stack."""

from __future__ import annotations

import json
import shutil
import sys

import numpy as np
from PIL import Image

from photosearch.library import PhotoLibrary

from ..conftest import REPO

NO_MODEL = {"PHOTOSEARCH_MODEL": ""}  # as if nothing were configured
HEAVY = ("torch", "open_clip", "spacy", "flask", "werkzeug", "torchvision", "onnxruntime")


def test_the_model_follows_the_library(run_cli, photo_tree, tiny_model_name):
    fresh = json.loads(run_cli("status", "--json", env=NO_MODEL).stdout)
    assert (fresh["model"], fresh["model_reason"]) == ("clip", "the default for a new library")

    run_cli("index", str(photo_tree))  # with the tiny model, from the environment
    status = json.loads(run_cli("status", "--json", env=NO_MODEL).stdout)
    assert status["model"] == tiny_model_name
    assert status["model_reason"].startswith("the model this library was last indexed with")
    assert status["vectors"] == 25
    found = run_cli("search", "a cat", "--limit", "2", "--json", env=NO_MODEL).stdout
    assert len(json.loads(found)) == 2  # searched with the tiny model, not the clip preset
    said = json.loads(run_cli("status", "--json", "--model", "clip", env=NO_MODEL).stdout)
    assert said["model_reason"] == "set by the --model flag"


LIGHT_COMMANDS = [
    ["--help"], ["index", "--help"], ["search", "--help"], ["serve", "--help"],
    ["status"], ["errors"], ["models"], ["check"], ["status", "--model", "clip-laion"],
]  # fmt: skip


def test_light_commands_import_nothing_heavy(run_cli, photo_tree):
    """After an index run (so the library has a model of its own), what each light command,
    and an index run that finds nothing to embed, imported, read from python -X importtime."""
    run_cli("index", str(photo_tree))
    importtime = (sys.executable, "-X", "importtime", str(REPO / "manage.py"))
    for command in [*LIGHT_COMMANDS, ["index", str(photo_tree)]]:  # a no-op run needs no model
        result = run_cli(*command, env=NO_MODEL, command=importtime)
        lines = result.stderr.splitlines()
        imported = {line.split("|")[-1].strip() for line in lines if "|" in line}
        assert "photosearch.cli" in imported  # the measurement itself works
        assert not imported & set(HEAVY), (command, sorted(imported & set(HEAVY)))


def test_no_model_is_loaded_when_nothing_needs_embedding(config, photo_tree):
    first = PhotoLibrary(config)
    assert first.index([photo_tree]).embedded == 25
    first.close()
    (photo_tree / "photos/animals/chelsea-the-cat.jpg").rename(photo_tree / "moved-cat.jpg")
    shutil.copy(photo_tree / "photos/food/coffee-cup.jpg", photo_tree / "coffee-copy.jpg")
    (photo_tree / "photos/nature/gravel.jpg").unlink()
    again = PhotoLibrary(config)
    summary = again.index([photo_tree])
    assert (summary.moved, summary.reused, summary.deleted, summary.embedded) == (1, 1, 1, 0)
    assert not again.embedder_loaded  # the model was never loaded
    assert summary.runtime == "model not loaded: nothing to embed"
    noise = np.random.default_rng(5).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    Image.fromarray(noise).save(photo_tree / "new.jpg")
    assert again.index([photo_tree]).embedded == 1  # and it loads when something is new
    again.close()
