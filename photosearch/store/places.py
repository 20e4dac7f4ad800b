"""Places: the named place of each photo with GPS (city, region, country), looked up from its
stored coordinates by a gazetteer whose version is kept, so a new gazetteer looks them up again."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select, update

from ..metadata import Place
from .concern import Concern
from .filters import located
from .schema import PhotoRow, place_columns


class Places(Concern):
    def places(self) -> list[tuple]:
        """The library's own places, most photos first: (city, region, country, country code,
        photos, their mean latitude) for each city, and for each country's photos with no city
        near (city None)."""
        columns = (
            PhotoRow.place_city,
            PhotoRow.place_region,
            PhotoRow.place_country,
            PhotoRow.place_country_code,
        )
        query = (
            select(*columns, func.count(), func.avg(PhotoRow.latitude))
            .where(PhotoRow.place_country_code.is_not(None))
            .group_by(*columns)
            .order_by(func.count().desc(), *columns)
        )
        with self.reading() as session:
            return [tuple(row) for row in session.execute(query)]

    def place_counts(self, version: int) -> dict[str, int]:
        """Photos with GPS, those named with a place, and those not looked up with `version`."""
        named = or_(PhotoRow.place_city.is_not(None), PhotoRow.place_country.is_not(None))
        count = select(func.count()).select_from(PhotoRow)
        with self.reading() as session:
            return {
                "with_gps": session.scalar(count.where(located())),
                "with_place": session.scalar(count.where(named)),
                "places_pending": session.scalar(count.where(_unnamed(version))),
            }

    def unnamed_positions(self, version: int, limit: int) -> list[tuple[int, float, float]]:
        """(id, latitude, longitude) of photos with GPS whose place was not looked up with
        this gazetteer version, at most `limit` of them."""
        query = (
            select(PhotoRow.id, PhotoRow.latitude, PhotoRow.longitude)
            .where(_unnamed(version))
            .order_by(PhotoRow.id)
            .limit(limit)
        )
        with self.reading() as session:
            return [tuple(row) for row in session.execute(query)]

    def set_places(self, named: list[tuple[int, Place | None]], version: int) -> None:
        """The places of photos looked up from their stored coordinates."""
        rows = [{"id": photo_id, **place_columns((place, version))} for photo_id, place in named]
        if rows:
            self.session.execute(update(PhotoRow), rows)


def _unnamed(version: int) -> object:
    """Photos with GPS whose place this gazetteer version has not looked up."""
    pending = or_(PhotoRow.place_version.is_(None), PhotoRow.place_version != version)
    return and_(located(), pending)
