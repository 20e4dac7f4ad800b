"""Image bytes by photo id, never by path: thumbnails and previews (cached by content hash,
upright, HEIC included; made within the decode budget, as every decode is) and the original
file (a video's too, in byte ranges, so that a player seeks). A video's thumbnail and preview
are its first scene's; each kept scene has its own picture, under the scene's content key,
made from the video (one frame decoded: video/seeking.py) where the indexer saved none. A
thumbnail or preview asked with its content's version (`?v=`, the start of the content hash,
as web/queries.py's URLs carry it) never changes: browsers keep it for a year without asking
again. Without it, or with an old one, ETags let them revalidate cheaply. A
face's crop is cut from its photo's preview by the face's box, and tagged by both."""

from __future__ import annotations

import io
import os
from collections.abc import Callable

from flask import Blueprint, current_app, request, send_file
from flask_babel import gettext
from PIL import Image
from werkzeug.exceptions import NotFound

from ..imaging.decoder import DecodeError
from ..imaging.thumbnails import SIZES, cache_path, thumbnail, thumbnail_box, write_image
from ..store import frame_key
from ..video import VideoError
from ..video.seeking import open_video
from .api import get_photo, library
from .videos import MIMETYPES as VIDEO_TYPES

blueprint = Blueprint("media", __name__)
MIMETYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif",
             "BMP": "image/bmp", "TIFF": "image/tiff", "HEIF": "image/heif"}  # fmt: skip


def _cached(photo_id: int, size: int):
    photo = get_photo(photo_id)
    if photo.media == "video":  # its first scene

        def first() -> float:  # asked only when its picture is missing
            return library().scene_seconds(photo.id, 0) or 0.0

        return _scene(photo, first, size, photo.content_hash)
    try:
        path = thumbnail(photo, size, library().config)
    except DecodeError as error:
        if error.kind == "too_large":  # e.g. decode_memory_mb was lowered since it was indexed
            shown = gettext("Photo {id} cannot be shown: {reason}.")
            raise NotFound(shown.format(id=photo_id, reason=error.message)) from None
        raise NotFound(_unreadable(photo_id)) from None
    except OSError:
        raise NotFound(_unreadable(photo_id)) from None
    return _send(path, "image/jpeg", f"{photo.content_hash}-{size}", _versioned(photo))


def _versioned(photo) -> bool:
    """Whether the URL names the content's version: its bytes are then kept for good."""
    version = request.args.get("v", "")
    return len(version) >= 8 and photo.content_hash.startswith(version)


def _scene(photo, seconds: Callable[[], float], size: int, key: str):
    """A picture of a video at `seconds()` (asked only when it must be made), cached under
    `key` (its content hash for the first scene, else the scene's content key, as the indexer
    saved it); decoded when missing."""
    target = cache_path(library().config, key, size)
    if not target.is_file():
        try:
            image = _frame(photo.path, seconds(), size)
        except VideoError:
            raise NotFound(_unreadable(photo.id)) from None
        write_image(image, thumbnail_box(*image.size, size), target)
    return _send(target, "image/jpeg", f"{key}-{size}", _versioned(photo))


FACE_PX = 160  # a face's crop, square; the People page shows it at 80 CSS px (sharp at 2x)
MARGIN = 0.25  # of the face's size, on each side: the hair and chin too


def face_crop(preview: Image.Image, box: list[float]) -> Image.Image:
    """The face of `box` (fractions of the upright photo: left, top, width, height) with a
    margin, square, FACE_PX wide."""
    left, top, width, height = box
    side = max(width * preview.width, height * preview.height) * (1 + 2 * MARGIN)
    middle_x = (left + width / 2) * preview.width
    middle_y = (top + height / 2) * preview.height
    area = (middle_x - side / 2, middle_y - side / 2, middle_x + side / 2, middle_y + side / 2)
    return preview.crop(tuple(round(edge) for edge in area)).resize((FACE_PX, FACE_PX))


def _preview_path(photo) -> str:
    """The photo's upright preview, made if it is not there (a face's crop is cut from it)."""
    try:
        return thumbnail(photo, SIZES["preview"], library().config)
    except (DecodeError, OSError):
        raise NotFound(_unreadable(photo.id)) from None


def _unreadable(photo_id: int) -> str:
    return gettext("Photo {id} is no longer readable on disk; re-index it.").format(id=photo_id)


def _send(path, mimetype: str, etag: str, immutable: bool = False):
    response = send_file(path, mimetype=mimetype, etag=False, conditional=False)
    response.set_etag(etag)
    if immutable:
        # Behind an access token, no shared cache may keep the photos: only the browser.
        shared = "private" if current_app.config["ACCESS_TOKEN"] else "public"
        response.headers["Cache-Control"] = f"{shared}, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "private, max-age=86400"
    # Byte ranges: a large original resumes where a download broke, and a player seeks
    return response.make_conditional(
        request, accept_ranges=True, complete_length=os.path.getsize(path)
    )


@blueprint.get("/<int:photo_id>/thumbnail", endpoint="thumbnail")
def thumbnail_image(photo_id: int):
    return _cached(photo_id, SIZES["thumbnail"])


@blueprint.get("/<int:photo_id>/preview")
def preview(photo_id: int):
    return _cached(photo_id, SIZES["preview"])


def _frame(path: str, seconds: float, size: int):
    """The upright frame at `seconds`, decoded near `size` on its longest side."""
    with open_video(path) as video:
        short, long = sorted(video.size)
        return video.frame_at(seconds, max(1, -(-size * short // max(1, long)))).image


@blueprint.get("/scenes/<int:photo_id>/<int:frame>.jpg", endpoint="scene")
def scene_image(photo_id: int, frame: int, size: int = SIZES["thumbnail"]):
    photo = get_photo(photo_id)
    seconds = library().scene_seconds(photo_id, frame) if photo.media == "video" else None
    if seconds is None:
        missing = gettext("Item {id} has no scene {frame}.")
        raise NotFound(missing.format(id=photo_id, frame=frame))
    return _scene(photo, lambda: seconds, size, frame_key(photo.content_hash, seconds))


@blueprint.get("/scenes/<int:photo_id>/<int:frame>/preview.jpg", endpoint="scene_preview")
def scene_preview(photo_id: int, frame: int):
    return scene_image(photo_id, frame, SIZES["preview"])


@blueprint.get("/<int:photo_id>/original")
def original(photo_id: int):
    photo = get_photo(photo_id)
    if not os.path.isfile(photo.path):
        gone = gettext("Photo {id} is no longer on disk; re-index to update.")
        raise NotFound(gone.format(id=photo_id))
    types = VIDEO_TYPES if photo.media == "video" else MIMETYPES
    mimetype = types.get((photo.format or "").upper(), "application/octet-stream")
    return _send(photo.path, mimetype, photo.content_hash)


@blueprint.get("/faces/<int:face_id>.jpg", endpoint="face")
def face_image(face_id: int):
    face = library().face(face_id)
    photo = get_photo(face["photo_id"])
    etag = f"{photo.content_hash}-face-{face_id}-" + "-".join(f"{edge:.4f}" for edge in face["box"])
    if request.if_none_match.contains(etag):
        return _send_crop(b"", etag, status=304)
    with Image.open(_preview_path(photo)) as preview:
        crop = face_crop(preview.convert("RGB"), face["box"])
    data = io.BytesIO()
    crop.save(data, "JPEG", quality=85)
    return _send_crop(data.getvalue(), etag)


def _send_crop(data: bytes, etag: str, status: int = 200):
    response = current_app.response_class(data, status=status, mimetype="image/jpeg")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
