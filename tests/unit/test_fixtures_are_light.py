"""Unit tests start in a second: the shared fixtures import neither torch nor the model
library, and build the sample photos only when a test asks for them."""

from __future__ import annotations

import subprocess
import sys

from ..conftest import REPO

HEAVY = ("torch", "open_clip", "tests.sample_data", "tests.indexed_album")


def test_the_conftest_imports_nothing_heavy():
    check = (
        "import sys, tests.conftest; "
        f"heavy = set({HEAVY!r}) & set(sys.modules); "
        "assert not heavy, sorted(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", check], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
