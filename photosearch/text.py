"""Text compared the way people type it: case, accents and spacing ignored, so "lisboa",
"LISBOA" and "Lísboa" name the same place."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Casefolded, without accents or other combining marks, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(unicodedata.normalize("NFKC", bare).split())
