"""Walk photo folders: regular image files with their stat, never following a symlink loop."""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..imaging.formats import is_image_name, is_video_path


@dataclass(frozen=True, slots=True)
class ScannedFile:
    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class ScanProblem:
    """A file or folder the walk could not look at; a folder's photos must not count as deleted."""

    path: str
    is_dir: bool
    kind: str
    message: str


class Scanner:
    def __init__(
        self,
        excludes: tuple[str, ...] = (),
        include_hidden: bool = False,
        skip: tuple[Path, ...] = (),
    ):
        self.excludes = excludes
        self.include_hidden = include_hidden
        self.skip = {os.path.abspath(os.fspath(path)) for path in skip}

    def excluded(self, path: str, name: str) -> bool:
        return self._hidden_or_matching(path, name) or path in self.skip

    def _hidden_or_matching(self, path: str, name: str) -> bool:
        if not self.include_hidden and name.startswith("."):
            return True
        return bool(self.excludes) and any(
            fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(path, pattern)
            for pattern in self.excludes
        )

    def excluded_below(self, root: str, path: str) -> bool:
        """Whether any step from root down to path is excluded (a hidden folder, a glob)."""
        current = root
        for name in os.path.relpath(path, root).split(os.sep):
            if name in ("", "."):
                continue
            current = os.path.join(current, name)
            if self.excluded(current, name):
                return True
        return False

    def walk(self, root: Path) -> Iterator[ScannedFile | ScanProblem]:
        """Yield image files below root (depth first, in directory order) and problems met.
        A root that is a file yields itself; a root that does not exist yields nothing."""
        root_path = os.path.abspath(os.fspath(root))
        if not os.path.isdir(root_path):
            yield from self._single_file(root_path)
            return
        visited: set[tuple[int, int]] = set()
        stack = [root_path]
        while stack:
            directory = stack.pop()
            try:
                info = os.stat(directory)
            except OSError as exc:
                yield ScanProblem(directory, True, "unreadable", _describe(exc))
                continue
            key = (info.st_dev, info.st_ino)
            if key in visited:
                continue  # a symlink loop, or a second link to a folder already walked
            visited.add(key)
            try:
                with os.scandir(directory) as entries:
                    children = list(entries)
            except OSError as exc:
                yield ScanProblem(directory, True, "unreadable", _describe(exc))
                continue
            subdirectories = []
            photo_stems = {_stem(e.name) for e in children if is_image_name(e.name)}
            for entry in children:
                if self._hidden_or_matching(entry.path, entry.name):
                    continue
                try:
                    if entry.is_dir():
                        skipped = entry.path in self.skip  # only folders are ever skipped
                        if not skipped and not (
                            entry.is_symlink() and _leads_above(entry.path, root_path)
                        ):
                            subdirectories.append(entry.path)
                        continue
                    if not is_media_name(entry.name):
                        continue
                    info = entry.stat()
                    if _live_photo_motion(entry.name, info, photo_stems):
                        continue
                except OSError as exc:
                    # A dangling symlink or a file that vanished: only worth a record if it
                    # claims to be a photo or a video.
                    if is_media_name(entry.name):
                        yield ScanProblem(entry.path, False, "unreadable", _describe(exc))
                    continue
                yield _from_stat(entry.path, info)
            stack.extend(reversed(subdirectories))

    def _single_file(self, path: str) -> Iterator[ScannedFile | ScanProblem]:
        if not os.path.lexists(path) or not is_media_name(os.path.basename(path)):
            return
        try:
            info = os.stat(path)
        except OSError as exc:
            yield ScanProblem(path, False, "unreadable", _describe(exc))
            return
        if not _live_photo_motion(os.path.basename(path), info, _photo_stems_beside(path)):
            yield _from_stat(path, info)


def _from_stat(path: str, info: os.stat_result) -> ScannedFile | ScanProblem:
    """A regular file is a candidate photo; a FIFO or device named like one is a problem."""
    if stat.S_ISREG(info.st_mode):
        return ScannedFile(path, info.st_size, info.st_mtime_ns)
    return ScanProblem(path, False, "not_a_file", "not a regular file")


def _leads_above(link: str, root: str) -> bool:
    """A folder link to the root or one of its ancestors: following it walks out of the tree."""
    target, real_root = os.path.realpath(link), os.path.realpath(root)
    return real_root == target or real_root.startswith(os.path.join(target, ""))


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


def is_media_name(name: str) -> bool:
    """A photo's or a video's name: what the walk lists."""
    return is_image_name(name) or is_video_path(name)


# An iPhone's Live Photo is a photo and a short MOV of the same name beside it (a few MB for
# its 3 s): the motion shows what the photo shows, so it is not a video of its own in results.
LIVE_PHOTO_MOTION_MAX = 12 * 1024 * 1024


def _stem(name: str) -> str:
    return name.rpartition(".")[0].lower()


def _live_photo_motion(name: str, info: os.stat_result, photo_stems: set[str]) -> bool:
    """A Live Photo's motion: a MOV beside a photo of its name, no larger than one."""
    return (
        name.lower().endswith(".mov")
        and info.st_size <= LIVE_PHOTO_MOTION_MAX
        and _stem(name) in photo_stems
    )


def _photo_stems_beside(path: str) -> set[str]:
    """The names of the photos in a file's folder, for a MOV's Live Photo test."""
    if not path.lower().endswith(".mov"):
        return set()
    try:
        names = os.listdir(os.path.dirname(path))
    except OSError:
        return set()
    return {_stem(name) for name in names if is_image_name(name)}
