from __future__ import annotations

import pytest

from photosearch.library import PhotoLibrary

from ..album import write_album
from ..serving import running_server, server_env


@pytest.fixture
def album_server(config, tiny_embedder, tiny_model_name, photo_tree, tmp_path):
    """A real server over the album (tests/album.py: photos with their dates and places, in
    Lisbon and Paris), without a score cutoff; its base URL."""
    library = PhotoLibrary(config, embedder=tiny_embedder)
    library.index([write_album(photo_tree, tmp_path / "Album")])
    library.close()
    env = server_env(config.data_dir, tiny_model_name, min_score="-1")
    with running_server(env, tmp_path / "server.log", photos=8) as base:
        yield base
