"""Photos on disk with faces written straight into the store (chosen descriptors, under the
configured face model's version): two people in four photos each (a person needs three
faces), for the people's pages."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

from photosearch.faces.model import FoundFace
from photosearch.indexing.passes.faces.finding import ModelChoice, face_model
from photosearch.metadata import PhotoMeta
from photosearch.store import FaceScan
from photosearch.store.faces import Faces

BOX = (0.4, 0.3, 0.2, 0.25)  # left, top, width, height: fractions of the photo


def write_people(library, folder: Path) -> None:
    """Eight small photos in `folder`, four of each sitter, each with one face, grouped
    into two people."""
    version = face_model(ModelChoice.of(library.config)).version
    rng = np.random.default_rng(7)
    sitters = [rng.normal(size=128) for _ in range(2)]
    folder.mkdir(parents=True, exist_ok=True)
    scans = []
    with library.store.writer() as writer:
        for number, sitter in enumerate([0] * 4 + [1] * 4):
            path = folder / f"sitter{sitter}-{number}.jpg"
            Image.new("RGB", (400, 300), (30 * number, 120, 200 - 20 * number)).save(path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            meta = PhotoMeta(width=400, height=300, format="JPEG")
            writer.add_photo(str(path), path.stat().st_size, path.stat().st_mtime_ns, digest, meta)
            descriptor = sitters[sitter] + rng.normal(size=128) * 0.004
            unit = (descriptor / np.linalg.norm(descriptor)).astype("float32")
            found = FoundFace(BOX, ((0.5, 0.4),) * 5, 0.9, unit)
            scans.append(FaceScan(digest, version, (found,)))
        writer.concern(Faces).set_faces(scans)
    library.regroup_people()
