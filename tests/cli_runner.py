"""Run a CLI command in this process, as `python manage.py ...` would in a fresh one: the same
environment, exit status, standard output and error (a traceback included). A subprocess
imports torch again, seconds a call; tests about a process itself still start one."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback

from click.testing import CliRunner


def run_in_process(args: tuple[str, ...], env: dict[str, str]) -> subprocess.CompletedProcess:
    """`env` is the whole environment the command sees, as subprocess.run's. The root logger
    starts bare, as in a new process, so the command's own logging setup takes effect."""
    from photosearch.cli import main

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers = []
    try:
        unset = {name: None for name in os.environ if name not in env}
        with CliRunner().isolation(env={**unset, **env}) as (stdout, stderr, _):
            returncode = _run(main, list(args))
            sys.stdout.flush()
            sys.stderr.flush()
            out, err = stdout.getvalue().decode(), stderr.getvalue().decode()
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers, root.level = handlers, level
    return subprocess.CompletedProcess(["photosearch", *args], returncode, out, err)


def _run(main, argv: list[str]) -> int:
    """The exit status the interpreter would give, printing what it would print."""
    try:
        main(argv)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    return 0
