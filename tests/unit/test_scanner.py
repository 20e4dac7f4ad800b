import os

from photosearch.indexing.scanner import ScannedFile, Scanner, ScanProblem


def files(scanner, root):
    return sorted(
        os.path.relpath(item.path, root)
        for item in scanner.walk(root)
        if isinstance(item, ScannedFile)
    )


def touch(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


IMAGES = ["a.JPG", "b.jpeg", "c.Png", "d.webp", "e.gif", "f.bmp", "g.TIF", "h.tiff", "i.HEIC"]


def test_image_extensions_any_case_and_nothing_else(tmp_path):
    for name in [*IMAGES, "j.heif", "notes.txt", "raw.CR2", "x.nef", "sidecar.xmp", "noext"]:
        touch(tmp_path / name)
    assert files(Scanner(), tmp_path) == sorted([*IMAGES, "j.heif", "raw.CR2", "x.nef"])


def test_videos_are_listed_but_not_a_live_photos_motion(tmp_path):
    videos = ["clip.mp4", "b.MOV", "c.mkv", "d.webm", "e.avi", "f.m4v", "g.3gp", "h.MTS"]
    for name in [*videos, "IMG_0001.HEIC", "IMG_0001.MOV", "IMG_0002.mov", "song.mp3"]:
        touch(tmp_path / name)
    touch(tmp_path / "IMG_0003.JPG")
    touch(tmp_path / "IMG_0003.MOV", b"x" * (13 * 1024 * 1024))  # too long to be its motion
    listed = files(Scanner(), tmp_path)
    assert listed == sorted(
        [*videos, "IMG_0001.HEIC", "IMG_0002.mov", "IMG_0003.JPG", "IMG_0003.MOV"]
    )
    assert files(Scanner(), tmp_path / "IMG_0001.MOV") == []  # a watcher's scope: the same
    assert files(Scanner(), tmp_path / "IMG_0002.mov") == ["."]


def test_hidden_entries_skipped_unless_asked(tmp_path):
    touch(tmp_path / ".hidden.jpg")
    touch(tmp_path / ".cache" / "a.jpg")
    touch(tmp_path / "visible.jpg")
    assert files(Scanner(), tmp_path) == ["visible.jpg"]
    assert files(Scanner(include_hidden=True), tmp_path) == [
        ".cache/a.jpg",
        ".hidden.jpg",
        "visible.jpg",
    ]


def test_exclude_globs_match_names_and_paths(tmp_path):
    touch(tmp_path / "keep" / "a.jpg")
    touch(tmp_path / "Screenshots" / "b.png")
    touch(tmp_path / "keep" / "c.gif")
    scanner = Scanner(excludes=("Screenshots", "*.gif"))
    assert files(scanner, tmp_path) == ["keep/a.jpg"]
    assert files(Scanner(excludes=(f"{tmp_path}/keep/*",)), tmp_path) == ["Screenshots/b.png"]


def test_symlink_loops_end_and_linked_folders_are_walked_once(tmp_path):
    touch(tmp_path / "album" / "a.jpg")
    os.symlink(tmp_path, tmp_path / "album" / "loop")
    os.symlink(tmp_path / "album", tmp_path / "album-link")
    found = files(Scanner(), tmp_path)
    assert len(found) == 1 and found[0].endswith("a.jpg")


def test_dangling_links_fifos_and_folders_named_like_photos(tmp_path):
    os.symlink(tmp_path / "missing.jpg", tmp_path / "dangling.jpg")
    os.mkfifo(tmp_path / "pipe.jpg")
    touch(tmp_path / "folder.jpg" / "inside.jpg")
    items = list(Scanner().walk(tmp_path))
    problems = {os.path.basename(i.path): i.kind for i in items if isinstance(i, ScanProblem)}
    assert problems == {"dangling.jpg": "unreadable", "pipe.jpg": "not_a_file"}
    assert files(Scanner(), tmp_path) == ["folder.jpg/inside.jpg"]


def test_non_utf8_names(tmp_path):
    name = os.fsdecode(b"caf\xe9.jpg")
    touch(tmp_path / name)
    assert files(Scanner(), tmp_path) == [name]


def test_stat_is_reported(tmp_path):
    touch(tmp_path / "a.jpg", b"12345")
    (item,) = Scanner().walk(tmp_path)
    assert item.size == 5 and item.mtime_ns == os.stat(tmp_path / "a.jpg").st_mtime_ns
