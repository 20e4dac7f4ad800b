"""One search request from a query string or a command's typed options: the same reading,
errors naming the field as its user wrote it."""

from __future__ import annotations

from datetime import date

import pytest

from photosearch.errors import BadParameter
from photosearch.search.request import Asked, parse_search

FLAGS = {"date_from": "--from", "date_to": "--to", "min_score": "--min-score", "q": "QUERY",
         "limit": "--limit"}  # fmt: skip


def test_typed_options_and_strings_make_the_same_request():
    typed = {"q": "a cat", "date_from": "2019-08-03", "limit": 7, "offset": 0,
             "has_location": True, "literal": False, "min_score": -1.0}  # fmt: skip
    written = {"q": "a cat", "date_from": "2019-08-03", "limit": "7", "offset": "0",
               "has_location": "true", "literal": "", "min_score": "-1"}  # fmt: skip
    request = parse_search(Asked(typed, FLAGS))
    assert request == parse_search(written)
    assert request.filters.date_from == date(2019, 8, 3) and request.filters.has_location
    assert (request.limit, request.min_score, request.literal) == (7, -1.0, False)


@pytest.mark.parametrize(
    "values, web, command_line",
    [
        ({"date_from": "2019-13-45"}, "'date_from' must be a date", "--from must be a date"),
        ({"date_from": "2020-01-02", "date_to": "2020-01-01"},
         "'date_from' is after 'date_to'", "--from is after --to"),
        ({"min_score": "high"}, "'min_score' must be a number", "--min-score must be a number"),
        ({"min_score": "2"}, "'min_score' must be between -1 and 1, not 2.",
         "--min-score must be between -1 and 1, not 2."),
        ({"limit": "1.5"}, "'limit' must be a whole number, not '1.5'.",
         "--limit must be a whole number, not '1.5'."),
        ({"limit": "0"}, "'limit' must be between 1 and", "--limit must be between 1 and"),
        ({"q": "x" * 1001}, "'q' is too long", "QUERY is too long"),
    ],
)  # fmt: skip
def test_an_error_names_the_field_as_its_user_wrote_it(values, web, command_line):
    values = {"q": "a cat", **values}
    with pytest.raises(BadParameter) as raised:
        parse_search(values)
    assert raised.value.message.startswith(web)
    with pytest.raises(BadParameter) as raised:
        parse_search(Asked(values, FLAGS))
    assert raised.value.message.startswith(command_line)
