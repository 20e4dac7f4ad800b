"""Access token: off on loopback-only servers without one; when set, every request needs it
in a header (Authorization: Bearer TOKEN, or X-Photosearch-Token) or a login cookie."""

from __future__ import annotations

import hmac

from flask import Flask, current_app, jsonify, redirect, request, session, url_for
from flask_babel import gettext

OPEN_ENDPOINTS = {"pages.login", "static", "language"}


def token_matches(candidate: str | None) -> bool:
    expected = current_app.config["ACCESS_TOKEN"]
    return bool(candidate) and hmac.compare_digest(candidate.encode(), expected.encode())


def _presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-Photosearch-Token")


def install(app: Flask) -> None:
    @app.before_request
    def require_token():
        if not current_app.config["ACCESS_TOKEN"] or request.endpoint in OPEN_ENDPOINTS:
            return None
        if session.get("authenticated") or token_matches(_presented_token()):
            return None
        if request.path.startswith("/api/"):
            message = gettext("An access token is required.")
            response = jsonify(error={"status": 401, "message": message})
            return response, 401
        return redirect(url_for("pages.login", next=request.full_path))
