"""photo_texts: the text recognised in each photo's content, with a full-text index

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:40:00.000000

SQLite gets an FTS5 table with the trigram tokenizer (substrings of three characters and up,
so Chinese words without spaces are found too), kept in step by triggers. PostgreSQL gets a
pg_trgm GIN index on the same folded text when the extension can be created (it is a trusted
extension: a database owner may); without it, text searches scan the table.
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

SQLITE_FULL_TEXT = (
    "CREATE VIRTUAL TABLE photo_text_fts USING fts5(search_text, content='photo_texts', "
    "content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER photo_texts_added AFTER INSERT ON photo_texts BEGIN "
    "INSERT INTO photo_text_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER photo_texts_removed AFTER DELETE ON photo_texts BEGIN "
    "INSERT INTO photo_text_fts(photo_text_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER photo_texts_changed AFTER UPDATE ON photo_texts BEGIN "
    "INSERT INTO photo_text_fts(photo_text_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO photo_text_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)


def upgrade() -> None:
    op.create_table(
        "photo_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("ocr_version", sa.String(length=200), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("failure_kind", sa.String(length=32), nullable=True),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("content_hash"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_FULL_TEXT:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        savepoint = bind.begin_nested()
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except sa.exc.DBAPIError as exc:
            savepoint.rollback()
            log.warning("No pg_trgm (%s): text searches will scan photo_texts", exc.orig)
            return
        savepoint.commit()
        op.execute(
            "CREATE INDEX ix_photo_texts_trigrams ON photo_texts "
            "USING gin (search_text gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("photo_texts_added", "photo_texts_removed", "photo_texts_changed"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS photo_text_fts")
    op.drop_table("photo_texts")  # drops the trigram index with it
