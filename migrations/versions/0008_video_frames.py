"""video frames: photos become items of one frame (a photo) or many (a video's scenes)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 23:50:00.000000

Every vector a library already has is its photo's frame 0, so nothing is embedded again and the
FAISS files stay valid: a photo's FAISS id is still its photo id (store.frame_ids).
"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("photos") as batch:
        batch.add_column(
            sa.Column("media", sa.String(length=8), server_default="photo", nullable=False)
        )
        batch.add_column(sa.Column("duration", sa.Float(), nullable=True))
        batch.create_index("ix_photos_media", ["media"], unique=False)
    _primary_key(
        ["photo_id", "model_id", "frame"],
        sa.Column("frame", sa.Integer(), server_default="0", nullable=False),
    )
    op.create_table(
        "video_frames",
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("content_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["photo_id"], ["photos.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("photo_id", "number"),
    )
    with op.batch_alter_table("video_frames") as batch:
        batch.create_index("ix_video_frames_content_key", ["content_key"], unique=False)


def downgrade() -> None:
    op.drop_table("video_frames")
    op.execute("DELETE FROM embeddings WHERE frame <> 0")
    _primary_key(["photo_id", "model_id"])
    with op.batch_alter_table("embeddings") as batch:
        batch.drop_column("frame")
    with op.batch_alter_table("photos") as batch:
        batch.drop_index("ix_photos_media")
        batch.drop_column("duration")
        batch.drop_column("media")


def _primary_key(columns: list[str], added: sa.Column | None = None) -> None:
    """The embeddings' primary key over `columns` (with a column added first): PostgreSQL
    changes its named constraint in place; SQLite, whose key has no name, copies the table."""
    if op.get_bind().dialect.name == "postgresql":
        if added is not None:
            op.add_column("embeddings", added)
        op.drop_constraint("embeddings_pkey", "embeddings", type_="primary")
        op.create_primary_key("embeddings_pkey", "embeddings", columns)
        return
    with warnings.catch_warnings():  # that the copy's key differs from the old one's: it does
        warnings.filterwarnings("ignore", "Table '_alembic_tmp_embeddings' specifies columns")
        with op.batch_alter_table("embeddings", recreate="always") as batch:
            if added is not None:
                batch.add_column(added)
            batch.create_primary_key("embeddings_pkey", columns)
