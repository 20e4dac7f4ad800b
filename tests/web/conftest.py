from __future__ import annotations

import dataclasses

import pytest

from photosearch.library import PhotoLibrary
from photosearch.web import create_app


@pytest.fixture
def web_library(indexed_config, tiny_embedder):
    """An indexed library whose cutoffs are off: the tiny random model's scores are small."""
    open_config = dataclasses.replace(indexed_config, min_score=-1.0, min_score_photo=-1.0)
    library = PhotoLibrary(open_config, embedder=tiny_embedder)
    yield library
    library.close()


@pytest.fixture
def client(web_library):
    app = create_app(web_library.config, web_library)
    app.testing = True
    return app.test_client()


def photo_id(library, path) -> int:
    return library.store.photo_by_path(str(path)).id
