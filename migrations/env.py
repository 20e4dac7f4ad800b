"""Alembic environment. photosearch runs it in-process (store.migrate) with an open connection;
developers can also run `alembic upgrade head` / `alembic revision --autogenerate` from the repo."""

from alembic import context
from sqlalchemy import create_engine

from photosearch.config import Config
from photosearch.store.schema import FsPath, every_table

config = context.config
target_metadata = every_table()


def render_item(kind, obj, autogen_context):
    """Write FsPath columns as plain LargeBinary, so migrations never import application types."""
    if kind == "type" and isinstance(obj, FsPath):
        return "sa.LargeBinary()"
    return False


def run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_with(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or Config.load().resolved_database_url
    with create_engine(url).connect() as conn:
        run_with(conn)
