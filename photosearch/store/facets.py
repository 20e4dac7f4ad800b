"""Facets: what the search filters can choose from, drawn from the library itself."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from .concern import Concern
from .schema import PhotoRow


class Facets(Concern):
    def facets(self) -> dict:
        """Cameras (most photos first), formats and the range of dates taken."""
        with self.reading() as session:
            cameras = session.execute(
                select(PhotoRow.camera_make, PhotoRow.camera_model, func.count())
                .where(or_(PhotoRow.camera_make.is_not(None), PhotoRow.camera_model.is_not(None)))
                .group_by(PhotoRow.camera_make, PhotoRow.camera_model)
                .order_by(func.count().desc(), PhotoRow.camera_make, PhotoRow.camera_model)
            ).all()
            formats = session.scalars(
                select(PhotoRow.format).where(PhotoRow.format.is_not(None)).distinct()
            ).all()
            first, last = session.execute(
                select(func.min(PhotoRow.taken_at), func.max(PhotoRow.taken_at))
            ).one()
        return {
            "cameras": [" ".join(p for p in (make, model) if p) for make, model, _ in cameras],
            "formats": sorted(formats),
            "taken_from": first.date().isoformat() if first else None,
            "taken_to": last.date().isoformat() if last else None,
        }
