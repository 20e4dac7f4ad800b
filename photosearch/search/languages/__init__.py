"""The words of each language that the query reader and the written-words matcher know, kept as
data (one JSON file per language) so that a language is added as a file, not as code."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

# The languages with a file here, English first: the query reader reads them all at once (see
# docs/search.md, "Other languages"), and the written words drop the little words of each.
LANGUAGES = ("en", "fr", "de", "es", "pt", "it", "nl")


@cache
def words_of(language: str) -> dict:
    """The word tables of a language ("en"), as its JSON file has them."""
    return json.loads(resources.files(__package__).joinpath(f"{language}.json").read_text("utf-8"))
