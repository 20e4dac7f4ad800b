"""A search as the web runs it, and its one JSON shape that both the API and the pages render:
every page has a JSON twin."""

from __future__ import annotations

from flask import g, url_for
from flask_babel import force_locale, get_translations, gettext

from ..errors import ImageTooLarge
from ..imaging.decoder import decoded_size
from ..library import PhotoLibrary, SearchResult
from ..search.interpret.describe import describe
from ..search.request import SearchRequest
from ..search.searcher import photo_dict
from ..store import Photo
from .language import DEFAULT, LANGUAGES, page_language
from .videos import asked_of, hit_links, video_json


def checked_upload(library: PhotoLibrary, data: bytes) -> bytes:
    """An uploaded query photo's bytes, refused (HTTP 413) from its header alone when it would
    decode to more than max_upload_pixels: a query photo needs a few hundred pixels a side."""
    limit = library.config.max_upload_pixels  # 0: none beyond max_image_pixels
    size = decoded_size(data, min_side=library.embedder.image_size) if limit else None
    if size is not None and size[0] * size[1] > limit:
        width, height = size
        said = gettext(
            "The uploaded photo has {width}x{height} = {pixels} MP to decode; a query photo "
            "may have at most {limit} MP (max_upload_pixels). Upload a smaller copy of it."
        )
        pixels, most = f"{width * height / 1e6:.0f}", f"{limit / 1e6:g}"
        raise ImageTooLarge(said.format(width=width, height=height, pixels=pixels, limit=most))
    return data


def run_search(library: PhotoLibrary, request: SearchRequest) -> dict:
    """The search, in the language asked for (`lang`): the pages give theirs; through the API
    without one, a model that reads the query's language detects it."""
    return search_json(request, library.search(request))


def search_json(request: SearchRequest, result: SearchResult) -> dict:
    answer = result.to_dict()
    if result.interpretation is not None:
        language = request.lang if request.lang in LANGUAGES else page_language()
        told = answer["interpretation"]["understood"]
        for item, shown in zip(result.interpretation.understood, told, strict=True):
            shown.update(told_in(item, language))
    asked = asked_of(request.text, request.like, request.like_frame)
    for hit, shown in zip(result.hits, answer["results"], strict=True):
        shown.update(photo_urls(hit.photo), alt=alt_text(shown))
        shown.update(hit_links(shown, hit.photo, asked))
    full = len(result.hits) == request.limit
    return {
        "query": {"q": request.text, "like": request.like, "upload": request.upload is not None},
        **answer,
        "limit": request.limit,
        "offset": request.offset,
        "next_offset": request.offset + request.limit if full else None,
    }


def told_in(item, language: str) -> dict:
    """What was understood as the page shows it: `shown` on its chip, `detail` in its title.
    English keeps the reader's own label ("taken 2017-06-01 to 2017-08-31")."""
    if language == DEFAULT:
        return {"shown": item.label, "detail": ""}
    with force_locale(language.replace("-", "_")):  # the words of `language`, not the page's
        described = describe(item, language, gettext)
    return {"shown": described.label, "detail": described.detail}


def photo_json(photo: Photo) -> dict:
    """A photo as every page and route gives it: its one shape, its URLs and its alt text."""
    shown = {**photo_dict(photo), **photo_urls(photo)}
    return {**shown, "alt": alt_text(shown)}


def alt_text(shown: dict, taken: str | None = None) -> str:
    """What a screen reader says for a photo: its date (`taken`, as written; its day by
    default), place and file name, as far as known, in the page's language ("Photo taken
    2019-08-03 in Lisbon, Portugal: IMG_2231.jpg")."""
    words = get_translations()  # once, not per phrase: a page of 40 photos asked 80 times
    taken, place = taken or (shown.get("taken_at") or "")[:10], shown.get("place")
    said = VIDEO_ALT if shown.get("media") == "video" else PHOTO_ALT
    key = "taken_place" if taken and place else "taken" if taken else "place" if place else ""
    about = words.gettext(said[key]).format(date=taken, place=place)
    return words.gettext("{about}: {name}").format(about=about, name=shown["name"])


def N_(words: str) -> str:
    """Marks words for translation (pybabel extracts N_) where they are defined: alt_text
    translates them when a page is made, in its language."""
    return words


# What a screen reader says of an item, by what is known of it.
PHOTO_ALT = {
    "taken_place": N_("Photo taken {date} in {place}"),
    "taken": N_("Photo taken {date}"),
    "place": N_("Photo in {place}"),
    "": N_("Photo"),
}
VIDEO_ALT = {
    "taken_place": N_("Video taken {date} in {place}"),
    "taken": N_("Video taken {date}"),
    "place": N_("Video in {place}"),
    "": N_("Video"),
}


def photo_urls(photo: Photo) -> dict[str, str]:
    """The images' URLs carry the start of the content hash: a URL never changes its bytes,
    so browsers may keep them for good (see web/media.py)."""
    version = photo.content_hash[:VERSION_CHARS]
    return {
        key: url + (f"?v={version}" if key in VERSIONED else "")
        for key, url in photo_id_urls(photo.id).items()
    }


def photo_id_urls(photo_id: int) -> dict[str, str]:
    """A photo's URLs from its id alone (a cover photo, say): without its content's version,
    browsers revalidate its images by ETag."""
    return {key: template.format(photo_id) for key, template in _url_templates().items()}


def explore_json(library: PhotoLibrary) -> dict:
    """The Explore page's data: each entry with its cover's URLs and the URL of its photos."""
    explored = library.explore()
    for kind in ("places", "years", "words"):
        for entry in explored[kind]:
            entry["url"] = url_for("pages.index", **entry["filter"])
            if entry.get("cover") is not None:
                entry["cover_urls"] = photo_id_urls(entry["cover"])
    return explored


PHOTO_URLS = {
    "url": "pages.photo",
    "thumbnail_url": "media.thumbnail",
    "preview_url": "media.preview",
    "original_url": "media.original",
}
VERSIONED = {"thumbnail_url", "preview_url"}
VERSION_CHARS = 12
_SENTINEL = 918273645  # a photo id that stands for any: its routes are built once a request


def _url_templates() -> dict[str, str]:
    """Each photo URL as a template, from url_for once a request rather than four times a
    photo (a page of 40 spent some 2 ms in url_for)."""
    if "photo_url_templates" not in g:
        g.photo_url_templates = {
            key: url_for(endpoint, photo_id=_SENTINEL).replace(str(_SENTINEL), "{}")
            for key, endpoint in PHOTO_URLS.items()
        }
    return g.photo_url_templates


def photo_page_json(library: PhotoLibrary, photo: Photo, args=None) -> dict:
    """A photo as its page shows it: its metadata, the text recognised in it (null when it
    has not been read) and its faces with their people (boxes: fractions of the upright
    photo); a video's player and scenes, for the search in `args` (web/videos.py)."""
    text = library.photo_text(photo)
    faces = library.photo_faces(photo)
    shown = {**photo_json(photo), "text": text.to_dict() if text else None, "faces": faces}
    if photo.media == "video":
        shown.update(video_json(library, photo, args or {}))
    return shown
