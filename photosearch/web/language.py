"""The pages' language: English or Simplified Chinese, chosen by the page's switch (a cookie),
else the `web_language` setting, else the browser's Accept-Language. Flask-Babel translates
the templates' and the code's words from the catalogs in web/translations (compiled by the
build: setup.py); the scripts get theirs from the page (`script_messages`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from flask import Flask, current_app, g, redirect, request
from flask_babel import Babel, gettext

LANGUAGES = ("en", "zh-Hans")  # BCP 47, as <html lang> and the setting write them
DEFAULT = "en"
COOKIE = "lang"
COOKIE_SECONDS = 365 * 24 * 3600


def choose(switched: str | None, setting: str, accepted: Iterable[str]) -> str:
    """The page's language: the switch's (a cookie), else the setting's unless `auto`, else
    the first of the browser's languages (best first) that the pages are written in. Any
    Chinese takes the Chinese pages (zh-TW readers read them far better than English)."""
    if switched in LANGUAGES:
        return switched
    if setting in LANGUAGES:
        return setting
    for tag in accepted:
        language = _language_of(tag)
        if language == "zh":
            return "zh-Hans"
        if language in LANGUAGES:
            return language
    return DEFAULT


def _language_of(tag: str) -> str | None:
    try:
        return Locale.parse(tag.replace("_", "-"), sep="-").language
    except (ValueError, UnknownLocaleError):
        return None


def page_language() -> str:
    """This request's language, chosen once."""
    if "page_language" not in g:
        g.page_language = choose(
            request.cookies.get(COOKIE),
            current_app.config["WEB_LANGUAGE"],
            (tag for tag, _ in request.accept_languages),
        )
    return g.page_language


def _babel_locale() -> str:
    return page_language().replace("-", "_")


def names() -> dict[str, str]:
    """Each language by its own name: what the switch offers ("English", "中文")."""
    return {tag: Locale.parse(tag, sep="-").language_name for tag in LANGUAGES}


# A date as the pages write it: in English as they always have, in another language by its
# CLDR skeleton ("August 2019", "2019年8月").
DATES = {
    "month": ("{0:%B %Y}", "yMMMM"),  # "August 2019", "2019年8月"
    "month_short": ("{0:%b}", "MMM"),  # the scrubber's "Aug", "8月"
    "day": ("{0:%a} {0.day} {0:%B}", "MMMMEd"),  # "Sat 3 August", "8月3日周六"
    "date": ("{0.day} {0:%B %Y}", "yMMMMd"),  # "3 August 2019", "2019年8月3日"
}


def written(day: date, kind: str) -> str:
    """`day` as the page's language writes a date of this `kind` (a key of DATES)."""
    english, skeleton = DATES[kind]
    if page_language() == DEFAULT:
        return english.format(day)
    return format_skeleton(skeleton, day, locale=_babel_locale())


def script_messages() -> dict[str, str]:
    """The words the pages' scripts show, in the page's language (base.html hands them over
    as JSON); `{name}` marks what a script fills in."""
    return {
        "loading": gettext("Loading…"),
        "text_badge": gettext("Text"),
        "text_badge_title": gettext("The searched words are written in this photo"),
        "no_more_results": gettext("No more results above the minimum score."),
        "more_results_failed": gettext("Could not load more results: {error}"),
        "more_photos_failed": gettext("Could not load more photos ({error})."),
        "no_date": gettext("No date"),
        "alt": gettext("Photo"),
        "alt_taken": gettext("Photo taken {date}"),
        "alt_place": gettext("Photo in {place}"),
        "alt_taken_place": gettext("Photo taken {date} in {place}"),
        "alt_named": gettext("{about}: {name}"),
        "alt_video": gettext("Video"),
        "alt_video_taken": gettext("Video taken {date}"),
        "alt_video_place": gettext("Video in {place}"),
        "alt_video_taken_place": gettext("Video taken {date} in {place}"),
        "newest_photos": gettext("Newest photos"),
        "text_failed": gettext("could not be read: {reason}"),
        "viewer": gettext("Photo viewer"),
        "close": gettext("Close (Esc)"),
        "zoom": gettext("Zoom (z)"),
        "previous": gettext("Previous (←)"),
        "next": gettext("Next (→)"),
        "photo_failed": gettext("This photo could not be loaded."),
        "info_button": gettext("Photo information (i)"),
        "info": gettext("Photo information"),
        "details_failed": gettext("Could not load this photo's details."),
        "taken": gettext("Taken"),
        "place": gettext("Place"),
        "camera": gettext("Camera"),
        "size": gettext("Size"),
        "folder": gettext("Folder"),
        "text": gettext("Text"),
        "unknown": gettext("unknown"),
        "none_found": gettext("none found"),
        "not_read": gettext("not read"),
        "more_like_this": gettext("More like this"),
        "photo_page": gettext("Photo page"),
        "original": gettext("Original"),
        "video": gettext("Video"),
    }


def install(app: Flask, setting: str) -> None:
    """Translate the app's pages; /language?to=zh-Hans&next=/ switches (a link: no script)."""
    app.config["WEB_LANGUAGE"] = setting
    Babel(app, locale_selector=_babel_locale)
    app.jinja_env.globals.update(
        page_language=page_language, language_names=names, script_messages=script_messages
    )

    @app.get("/language", endpoint="language")
    def switch():
        target = request.args.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"  # only ever back within this site
        response = redirect(target)
        chosen = request.args.get("to", "")
        if chosen in LANGUAGES:
            response.set_cookie(COOKIE, chosen, max_age=COOKIE_SECONDS, samesite="Lax")
        return response
