"""A photo's file inside the decode budget (imaging.photo_file): a small file read once, its
bytes reserved while held; a large one (a sparse file here, cheap to make whatever its size)
hashed as it streams and never held; both hashed exactly as sha256 of the file, and a large
file decoded from its path exactly as from its bytes."""

from __future__ import annotations

import hashlib
import os

import pytest

from photosearch.imaging.budget import MB, DecodeBudget
from photosearch.imaging.decoder import DecodeError, decode
from photosearch.imaging.photo_file import read_photo, whole_limit

from ..sample_data import layered_tiff


@pytest.fixture
def budget() -> DecodeBudget:
    return DecodeBudget(32 * MB)  # files of up to 1 MB are held


def sha256_of(path) -> str:
    """Computed here in the plainest way, a chunk at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(MB):
            digest.update(chunk)
    return digest.hexdigest()


def test_a_small_file_is_held_once_with_its_bytes_reserved(tmp_path, budget):
    path = tmp_path / "small.jpg"
    path.write_bytes(os.urandom(200_000))
    file = read_photo(str(path), budget)
    assert whole_limit(budget) == MB
    assert file.data == path.read_bytes() and file.source is file.data
    assert file.content_hash == sha256_of(path) and file.size == 200_000
    assert budget.in_use == 200_000  # reserved while held
    with file:
        pass
    assert budget.in_use == 0 and file.data is None
    file.release()  # again: nothing
    assert budget.in_use == 0


@pytest.mark.parametrize("size", [MB + 1, 64 * MB])  # just over; twice the whole budget
def test_a_large_file_is_hashed_as_it_streams_and_never_held(tmp_path, size, budget):
    path = tmp_path / "layered.tif"
    layered_tiff(path, size)
    file = read_photo(str(path), budget)
    assert file.data is None and file.source == str(path) and file.size == size
    assert budget.in_use == 0 and budget.stats()["peak_mb"] == 0
    assert file.content_hash == sha256_of(path)


def test_a_large_file_decodes_from_its_path_as_from_its_bytes(tmp_path, budget):
    path = tmp_path / "layered.tif"
    layered_tiff(path, 8 * MB)
    from_path = decode(str(path), max_pixels=10**8, min_side=64, budget=budget, name=str(path))
    from_bytes = decode(path.read_bytes(), max_pixels=10**8, min_side=64, budget=budget)
    assert from_path.image.size == (400, 300) and from_path.meta == from_bytes.meta
    assert from_path.image.tobytes() == from_bytes.image.tobytes()


def test_a_file_that_cannot_be_read_or_is_empty_says_so(tmp_path, budget):
    with pytest.raises(DecodeError) as gone:
        decode(str(tmp_path / "gone.tif"), max_pixels=10**8)
    assert gone.value.kind == "unreadable" and "No such file" in gone.value.message
    (tmp_path / "empty.tif").write_bytes(b"")
    with pytest.raises(DecodeError) as empty:
        decode(str(tmp_path / "empty.tif"), max_pixels=10**8)
    assert empty.value.kind == "empty"
    with pytest.raises(FileNotFoundError):
        read_photo(str(tmp_path / "gone.tif"), budget)
    assert budget.in_use == 0
