"""Engine creation and automatic migration. SQLite connections get the pragmas it needs; a
server database (PostgreSQL) gets one clear error when the server goes away."""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ..errors import DatabaseUnavailable

if TYPE_CHECKING:  # alembic is imported only when the schema is not at HEAD
    from alembic.config import Config as AlembicConfig

# Serialises migrations of machines that open a new PostgreSQL database at the same time.
MIGRATION_LOCK_KEY = 0x70686D67
# The newest migration (a test keeps it in step with migrations/versions): a database already
# there is opened without importing alembic, a tenth of a second of every command.
HEAD = "0008"


def migrations_dir() -> str:
    return str(files("photosearch.migrations"))


def alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", migrations_dir())
    return config


def database_url(url: str) -> URL:
    """The URL with its driver: `postgresql://` means psycopg 3 (the `postgres` extra), not
    SQLAlchemy's default psycopg2."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def redacted(url: str | URL) -> str:
    return make_url(url).render_as_string(hide_password=True)


def create_store_engine(url: str, **options) -> Engine:
    parsed = database_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(parsed, **options)
        _report_lost_connections(engine, redacted(parsed))
        return engine
    engine = create_engine(parsed, connect_args={"timeout": 30}, **options)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if parsed.database not in (None, "", ":memory:"):
            # WAL: searches keep reading while an indexer writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def _report_lost_connections(engine: Engine, shown_url: str) -> None:
    """A server that restarts or cannot be reached ends the command with one paragraph. The
    pool drops its dead connections as this is raised, so the next command connects afresh."""

    @event.listens_for(engine, "handle_error")
    def _lost(context):
        if context.is_disconnect or context.connection is None:
            reason = " ".join(str(context.original_exception).split())
            raise DatabaseUnavailable(
                f"The connection to the database {shown_url} was lost or could not be made "
                f"({reason}). If the server restarted or is unreachable, run the command again "
                "once it is back: what was saved before is intact, and the run continues from "
                "there."
            )


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration; a no-op when it is already there."""
    if _revision(engine) == HEAD:
        return
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            connection.execute(lock, {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _revision(engine: Engine) -> str | None:
    """The database's migration (None for a new database)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no such table yet: the migrations make it
        return None
    return rows[0][0] if len(rows) == 1 else None
