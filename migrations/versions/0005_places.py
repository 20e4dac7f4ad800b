"""photos name the place they were taken: city, region and country from GeoNames

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:10:00.000000

The columns start empty (place_version NULL); the library fills them from the stored
coordinates the first time it opens, without reading any photo.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("photos") as batch:
        batch.add_column(sa.Column("place_city", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("place_region", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("place_country", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("place_country_code", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("place_version", sa.Integer(), nullable=True))
        batch.create_index(
            "ix_photos_place",
            ["place_country_code", "place_region", "place_city", "taken_at", "latitude"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("photos") as batch:
        batch.drop_index("ix_photos_place")
        for column in ("place_version", "place_country_code", "place_country", "place_region",
                       "place_city"):  # fmt: skip
            batch.drop_column(column)
