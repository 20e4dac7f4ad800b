"""The production WSGI server (waitress: threads, no debugger, cross-platform) and one log line
per request on standard error, in a plain form that journald and `docker logs` keep."""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger("photosearch.requests")


def configure_logging() -> None:
    """Start-up facts and request lines on standard error, one line each, no colours."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("photosearch.requests", "photosearch.server"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False


class RequestLog:
    """WSGI middleware: `GET /api/search?q=... 200 12.3 ms 127.0.0.1` after each response.
    The access token never reaches the log (it travels in headers or the session cookie)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        status = {"code": "-"}

        def recording_start_response(code, headers, exc_info=None):
            status["code"] = code.split(" ", 1)[0]
            return start_response(code, headers, exc_info)

        try:
            return self.app(environ, recording_start_response)
        finally:
            query = environ.get("QUERY_STRING")
            target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
            log.info(
                "%s %s %s %.1f ms %s",
                environ.get("REQUEST_METHOD", "-"),
                target,
                status["code"],
                (time.perf_counter() - started) * 1000,
                environ.get("REMOTE_ADDR", "-"),
            )


def run_production(app, host: str, port: int, threads: int) -> None:
    """Serve until interrupted, with `threads` requests at a time."""
    from waitress import serve

    serve(RequestLog(app), host=host, port=port, threads=threads, ident="photosearch")
