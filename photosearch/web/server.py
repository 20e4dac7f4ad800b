"""The production WSGI server (waitress: threads, no debugger, cross-platform) and one log line
per request on standard error, in a plain form that journald and `docker logs` keep."""

from __future__ import annotations

import logging
import sys
import threading
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


class Server:
    """waitress (threads, no debugger, cross-platform) bound to an address; `port` is the one
    it got (ask for 0 to get a free one). Runs on the caller's thread or its own, and stops
    cleanly: its worker threads joined, its sockets closed, nothing left to print a trace."""

    def __init__(self, app, host: str, port: int, threads: int):
        from waitress import create_server
        from waitress.trigger import trigger

        self._sockets: dict = {}  # waitress's socket map: the listeners, clients and triggers
        self._server = create_server(
            RequestLog(app), map=self._sockets, host=host, port=port, threads=threads,
            ident="photosearch",
        )  # fmt: skip
        self._wake = trigger(self._sockets)  # runs a function on the loop's own thread
        # The first address it listens on (a server of several lists them, ports as text).
        listening = getattr(self._server, "effective_listen", None)
        server = self._server
        host, port = (
            listening[0][:2] if listening else (server.effective_host, server.effective_port)
        )
        self.host, self.port = host, int(port)
        self._loop: threading.Thread | None = None  # the thread that polls its sockets

    @property
    def loopback_url(self) -> str:
        """Where a process of this machine reaches it (a wildcard address by its loopback)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def serve(self) -> None:
        """Serve on this thread until interrupted (Ctrl-C: quietly) or stopped."""
        self._loop = threading.current_thread()
        try:
            self._server.run()  # waitress ends its loop on Ctrl-C and returns
        finally:
            self.stop()

    def start(self) -> Server:
        """Serve on a thread of its own."""
        self._loop = threading.Thread(target=self._server.run, name="web-server", daemon=True)
        self._loop.start()
        return self

    def stop(self) -> None:
        """Wait for the requests being handled (waitress gives them 5 s), then close every
        socket on the loop's own thread: closed from another while the loop polls them, they
        fail with tracebacks."""
        from waitress.wasyncore import close_all

        self._server.task_dispatcher.shutdown()
        if self._loop is None or self._loop is threading.current_thread():
            close_all(self._sockets)  # no loop polls them (any more)
        elif self._loop.is_alive():
            self._wake.pull_trigger(lambda: close_all(self._sockets))
            self._loop.join()
