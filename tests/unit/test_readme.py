"""The README is the front page and leads into docs/: every file it links to must be there.
(Links inside docs/ are checked by `mkdocs build --strict` in CI.)"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RELATIVE_LINK = re.compile(r"\]\((?!\w+://)([^)#\s]+)")


def test_every_file_the_readme_links_to_exists():
    targets = RELATIVE_LINK.findall((REPO / "README.md").read_text())
    assert "docs/index.md" in targets and "docs/screenshot.png" in targets
    assert [target for target in targets if not (REPO / target).is_file()] == []
