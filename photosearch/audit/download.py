"""Fetch the official ARO files into a data dir: resumable, and skipping what is already there."""

from __future__ import annotations

import logging
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..progress import Progress
from .datasets import AuditDataError

log = logging.getLogger(__name__)
CHUNK = 1 << 20
KARPATHY_BASE = "https://storage.googleapis.com/sfr-vision-language-research/datasets/"


def google_drive(file_id: str) -> str:
    return f"https://drive.usercontent.google.com/download?id={file_id}&export=download&confirm=t"


@dataclass(frozen=True)
class Source:
    file: str  # name under the data dir
    url: str
    unpacks_to: str | None = None  # for archives: the folder they provide


VG_IMAGES = Source(
    "vgr_vga_images.zip", google_drive("1qaPlrwhGNMrR3a11iopZUT_GPP_LrgP9"), "images"
)
SOURCES = {
    "vg-relation": [
        Source("visual_genome_relation.json", google_drive("1kX2iCHEv0CADL8dSO1nMdW-V0NqIAiP3")),
        VG_IMAGES,
    ],
    "vg-attribution": [
        Source("visual_genome_attribution.json", google_drive("13tWvOrNOLHxl3Rm9cR3geAdHx2qR3-Tw")),
        VG_IMAGES,
    ],
    "coco-order": [
        Source("coco_karpathy_test.json", KARPATHY_BASE + "coco_karpathy_test.json"),
        Source("val2014.zip", "http://images.cocodataset.org/zips/val2014.zip", "val2014"),
    ],
    "flickr30k-order": [
        Source("flickr30k_test.json", KARPATHY_BASE + "flickr30k_test.json"),
    ],
}


def download_task_files(
    tasks: list[str], data_dir: Path, progress_factory=Progress, base_url: str | None = None
) -> list[str]:
    """Download what the tasks need; returns notes for the user (skips, manual steps)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    done: set[str] = set()
    for task in tasks:
        for source in SOURCES.get(task, []):
            if source.file in done:
                continue
            done.add(source.file)
            if source.unpacks_to and (data_dir / source.unpacks_to).is_dir():
                notes.append(f"{source.unpacks_to}/ is already there")
                continue
            target = data_dir / source.file
            if target.exists():
                notes.append(f"{source.file} is already there")
            else:
                url = base_url + source.file if base_url else source.url
                fetch(url, target, progress_factory())
            if source.unpacks_to:
                unpack(target, data_dir, source.unpacks_to)
    if "flickr30k-order" in tasks and not (data_dir / "flickr30k-images").is_dir():
        notes.append(
            "Flickr30k's images cannot be downloaded automatically: request them with the "
            f"form on the Flickr30k website and unpack them to {data_dir / 'flickr30k-images'}"
        )
    return notes


def fetch(url: str, target: Path, progress: Progress) -> None:
    """Download url to target through target.part, continuing a partial download if one exists."""
    partial = target.with_name(target.name + ".part")
    offset = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            if offset and response.status != 206:
                offset = 0  # the server ignored the range: start again
            if "text/html" in response.headers.get("Content-Type", ""):
                raise AuditDataError(
                    f"{url} answered with a web page instead of {target.name} (a quota or "
                    f"sign-in page?). Download it in a browser and save it as {target}."
                )
            total = int(response.headers.get("Content-Length", 0)) + offset
            progress.start(total, target.name)
            progress.advance(offset)
            with open(partial, "ab" if offset else "wb") as output:
                while chunk := response.read(CHUNK):
                    output.write(chunk)
                    progress.advance(len(chunk))
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AuditDataError(
            f"Could not download {target.name} from {url}: {reason}. Run again to resume, or "
            f"download it by hand and save it as {target}."
        ) from None
    finally:
        progress.close()
    os.replace(partial, target)


def unpack(archive: Path, data_dir: Path, folder: str) -> None:
    """Unpack an archive that should provide data_dir/folder, whatever its top level is called."""
    staging = data_dir / f".unpacking-{folder}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(staging)
    except (zipfile.BadZipFile, OSError) as exc:
        raise AuditDataError(
            f"{archive} is not a readable zip archive ({exc}); delete it and retry."
        ) from None
    entries = [entry for entry in staging.iterdir() if not entry.name.startswith("__MACOSX")]
    source = entries[0] if len(entries) == 1 and entries[0].is_dir() else staging
    os.replace(source, data_dir / folder)
    shutil.rmtree(staging, ignore_errors=True)
    log.info("Unpacked %s to %s", archive, data_dir / folder)
