"""models remember the name they were given and when an index run last used them

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 05:25:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.add_column(sa.Column("name", sa.String(length=4000), nullable=True))
        batch.add_column(sa.Column("indexed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("models") as batch:
        batch.drop_column("indexed_at")
        batch.drop_column("name")
