"""Explore: the library summed up for browsing, each entry a way into the timeline: its
places and years with their photo counts and a cover photo, and the words most often found
written in its photos."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import extract, func, select

from .concern import Concern
from .schema import PhotoRow, PhotoTextRow

# A written word worth offering: three letters or more (any script), not a number or a code.
WORD = re.compile(r"[^\W\d_]{3,}")


class Explore(Concern):
    def places(self) -> list[tuple]:
        """(country, country code, city or None, photos, cover photo id) for each city and each
        country's photos with no city near, most photos first; the cover is the newest."""
        columns = (PhotoRow.place_country, PhotoRow.place_country_code, PhotoRow.place_city)
        query = (
            select(*columns, func.count(), func.max(PhotoRow.id))
            .where(PhotoRow.place_country_code.is_not(None))
            .group_by(*columns)
            .order_by(func.count().desc(), *columns)
        )
        with self.reading() as session:
            return [tuple(row) for row in session.execute(query)]

    def years(self) -> list[tuple[int, int, int]]:
        """(year, photos, cover photo id) of every year photos were taken in, newest first."""
        year = extract("year", PhotoRow.taken_at)
        query = (
            select(year, func.count(), func.max(PhotoRow.id))
            .where(PhotoRow.taken_at.is_not(None))
            .group_by(year)
            .order_by(year.desc())
        )
        with self.reading() as session:
            return [(int(y), count, cover) for y, count, cover in session.execute(query)]

    def written_words(self, limit: int) -> list[tuple[str, int]]:
        """The words found written in the most photos' contents (as searches match them:
        folded), with how many contents hold each, most first."""
        query = select(PhotoTextRow.search_text).where(PhotoTextRow.search_text != "")
        counts: Counter[str] = Counter()
        with self.reading() as session:
            for (text,) in session.execute(query.execution_options(yield_per=1000)):
                counts.update(set(WORD.findall(text)))
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
