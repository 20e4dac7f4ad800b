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


class RunningServer:
    """A waitress server answering on a thread of its own until `stop`."""

    def __init__(self, app, host: str, port: int, threads: int):
        from waitress import create_server
        from waitress.trigger import trigger

        self._sockets: dict = {}  # waitress's socket map: the listeners, clients and triggers
        self._server = create_server(
            RequestLog(app), map=self._sockets, host=host, port=port, threads=threads,
            ident="photosearch",
        )  # fmt: skip
        self._wake = trigger(self._sockets)  # runs a function on the loop's own thread
        # One listening socket, or several where the host names more than one address.
        listening = getattr(self._server, "effective_listen", None)
        self.port = listening[0][1] if listening else self._server.effective_port
        self._loop = threading.Thread(target=self._server.run, name="waitress", daemon=True)
        self._loop.start()

    def wait(self) -> None:
        """Until the server stops (or Ctrl-C)."""
        self._loop.join()

    def stop(self) -> None:
        """Wait for the requests being handled (waitress gives them 5 s), then close every
        socket from the loop's own thread: closed from another, the loop would still be polling
        them and fail with tracebacks."""
        from waitress.wasyncore import close_all

        self._server.task_dispatcher.shutdown()
        self._wake.pull_trigger(lambda: close_all(self._sockets))
        self._loop.join()


def start_server(app, host: str, port: int, threads: int) -> RunningServer:
    """The production server, answering `threads` requests at a time on `port` (0: a free one,
    then `.port`) until `.stop()`."""
    return RunningServer(app, host, port, threads)


def run_production(app, host: str, port: int, threads: int) -> None:
    """Serve until interrupted, with `threads` requests at a time. Ctrl-C is the way to stop
    it, at any moment: quietly, with exit status 0."""
    server = None
    try:
        server = start_server(app, host, port, threads)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.stop()
