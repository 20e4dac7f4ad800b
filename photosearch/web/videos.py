"""Videos on the web: a hit's link to its moment and its scene's picture, and the video page's
data (its JSON twin is /api/photos/<id>): whether a browser plays the file, where to start, and
the scenes to jump to, scored against the search the page was opened from."""

from __future__ import annotations

from flask import url_for

from ..library import PhotoLibrary
from ..moments import clock
from ..search.request import number
from ..store import Photo
from ..store.frame_ids import MAX_FRAMES
from ..video import VideoError
from ..video.streams import codecs

# The types the original is sent as, by container (the file's extension, as `format` holds it).
MIMETYPES = {
    "MP4": "video/mp4", "M4V": "video/mp4", "MOV": "video/quicktime", "3GP": "video/3gpp",
    "WEBM": "video/webm", "MKV": "video/x-matroska", "AVI": "video/x-msvideo",
    "MTS": "video/mp2t", "M2TS": "video/mp2t",
}  # fmt: skip
# What every current browser plays (Chrome, Edge, Firefox, Safari): these containers holding
# these codecs. HEVC is left out (Firefox and Chrome without a hardware decoder cannot), and so
# are Matroska, AVI and MPEG-TS whatever they hold.
PLAYED = {
    "MP4": {"h264", "vp9", "av1"}, "M4V": {"h264"}, "MOV": {"h264"}, "WEBM": {"vp8", "vp9", "av1"},
}  # fmt: skip
HEARD = {"aac", "mp3", "opus", "vorbis", "flac"}
# HEVC in MP4 or QuickTime (iPhones' videos) plays in Safari and where the system decodes HEVC:
# the page asks the browser (canPlayType) with this type before it shows a player.
HEVC = 'video/mp4; codecs="hvc1.1.6.L93.B0"'
HEVC_CONTAINERS = {"MP4", "M4V", "MOV"}


def playable(path: str, container: str | None) -> bool | str:
    """Whether a browser plays the file as it is: by container (its extension, as a photo's
    `format` holds it), then by the codecs inside. HEVC in MP4 or QuickTime: `HEVC`, the type
    to ask the browser about, as some play it and others do not."""
    container = (container or "").upper()
    if container not in PLAYED:
        return False
    try:
        found = codecs(path)
    except VideoError:
        return False
    if not all(audio in HEARD for audio in found.audio):
        return False
    if found.video == "hevc" and container in HEVC_CONTAINERS:
        return HEVC
    return found.video in PLAYED[container]


def scene_url(photo: Photo, frame: int, size: str = "thumbnail") -> str:
    """The picture of a video's scene; its bytes never change under the same URL."""
    endpoint = "media.scene_preview" if size == "preview" else "media.scene"
    return url_for(endpoint, photo_id=photo.id, frame=frame, v=photo.content_hash[:12])


def page_url(photo: Photo, seconds: float | None, query: dict) -> str:
    """The video's page, starting at `seconds`, with the search it was found by."""
    at = {"t": f"{seconds:g}"} if seconds else {}
    return url_for("pages.photo", photo_id=photo.id, **at, **query)


def hit_links(hit: dict, photo: Photo, asked: dict) -> dict:
    """What a hit adds for the web: a video's link opens it at its moment, with its scene."""
    if photo.media != "video":
        return {"scene_url": None}
    return {
        "url": page_url(photo, hit["moment"], asked),
        "scene_url": scene_url(photo, hit["frame"]),
        "clock": clock(hit["moment"] or 0),
    }


def asked_of(text: str | None, like: int | None, frame: int = 0) -> dict:
    """The search a link passes on to a video's page: its text, or the item searched like
    (with the scene of a video searched like)."""
    if text:
        return {"q": text}
    if like is None:
        return {}
    return {"like": like, "frame": frame} if frame else {"like": like}


def video_json(library: PhotoLibrary, photo: Photo, args) -> dict:
    """The video page's data, from its URL: `t` (where to start; by default the best scene for
    the search), `q` or `like` (the search the page was opened from: the scenes that match it
    are listed, every kept scene without one)."""
    text = args.get("q", "").strip() or None
    like = number(args, "like", None, 1, 2**62, int)
    frame = number(args, "frame", 0, 0, MAX_FRAMES - 1, int) if like is not None else 0
    scenes = library.scenes(photo, text, like, frame)
    scored = [scene for scene in scenes if scene.score is not None]
    best = max(scored, key=lambda scene: scene.score, default=None)
    cutoff = library.config.min_score if text else library.config.min_score_photo
    shown = [scene for scene in scored if scene.score >= cutoff or scene is best] or scenes
    asked = asked_of(text, like, frame)
    start = number(args, "t", best.seconds if best else 0.0, 0.0, 1e9)
    start = min(start, photo.duration or start)
    poster = min(scenes, key=lambda scene: abs(scene.seconds - start), default=None)
    plays = playable(photo.path, photo.format)
    return {
        "playable": plays is True,
        "playable_if": plays if isinstance(plays, str) else None,
        # the player's type: QuickTime's as MP4's (whose family it is), which browsers play
        "source_type": _source_type(photo.format, plays),
        "duration_clock": clock(photo.duration or 0),
        "start": start,
        "start_clock": clock(start),
        "source_url": url_for("media.original", photo_id=photo.id) + f"#t={start:g}",
        "poster_url": scene_url(photo, poster.frame, "preview") if poster else None,
        "query": asked,
        "scenes": [
            {
                "frame": scene.frame,
                "seconds": scene.seconds,
                "clock": clock(scene.seconds),
                "score": scene.score,
                "best": scene is best,
                "scene_url": scene_url(photo, scene.frame),
                "url": page_url(photo, scene.seconds, asked),
                "like_url": url_for("pages.index", like=photo.id, frame=scene.frame or None),
            }
            for scene in shown
        ],
    }


def _source_type(container: str | None, plays: bool | str) -> str:
    """The player's type for the file: QuickTime's as MP4's (whose family it is, and which
    browsers play), HEVC's with its codec."""
    if isinstance(plays, str):
        return plays
    return "video/webm" if (container or "").upper() == "WEBM" else "video/mp4"
