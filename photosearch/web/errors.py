"""Errors as JSON under /api (with the right status), as a page elsewhere; never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from ..errors import ImageTooLarge, PhotosearchError, QueryError, UnknownPerson

log = logging.getLogger(__name__)


def told(error: PhotosearchError) -> str:
    """An error's message in the page's language, when it was made to be translated (`said`);
    as written otherwise."""
    if not error.words:
        return error.message
    return gettext(error.words).format(**error.values)


def _respond(status: int, message: str):
    if request.path.startswith("/api/"):
        return jsonify(error={"status": status, "message": message}), status
    return render_template("error.html", status=status, message=message), status


def _said_for(status: int | None) -> str | None:
    """The pages' own words for an HTTP error that no code of ours described."""
    return {
        404: gettext("Nothing here: no page or photo has this address."),
        405: gettext("This address does not take that kind of request."),
        413: gettext("The upload is too large."),
    }.get(status)


def install(app: Flask) -> None:
    @app.errorhandler(ImageTooLarge)
    def too_large(error: ImageTooLarge):
        return _respond(413, told(error))

    @app.errorhandler(UnknownPerson)
    def unknown_person(error: UnknownPerson):
        return _respond(404, told(error))

    @app.errorhandler(QueryError)
    def query_error(error: QueryError):
        return _respond(400, told(error))

    @app.errorhandler(PhotosearchError)
    def user_error(error: PhotosearchError):
        return _respond(503, told(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.description == type(error).description:  # werkzeug's own words: ours instead
            return _respond(error.code or 500, _said_for(error.code) or error.description)
        return _respond(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("Unexpected error on %s", request.path)
        return _respond(
            500, gettext("Something went wrong on the server; the log has the details.")
        )
