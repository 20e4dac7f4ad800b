"""The schema comes from Alembic migrations, and the models match them exactly, on SQLite and
on PostgreSQL."""

import contextlib

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from photosearch.store.database import HEAD, alembic_config, create_store_engine, upgrade
from photosearch.store.schema import every_table


def test_upgrade_from_empty_creates_every_table(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"photos", "embeddings", "models", "failures", "alembic_version"} <= tables
    upgrade(engine)  # a second upgrade is a no-op
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0008"


def test_head_names_the_newest_migration():
    """A database at HEAD is opened without alembic: HEAD must be the migrations' own head."""
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD


def modelled(name, kind, *_) -> bool:
    """SQLite's FTS5 table (and its shadow tables) and PostgreSQL's trigram index over the
    recognised text: made by migration 0006 in each database's own SQL, not in the models."""
    return not (
        (kind == "table" and name.startswith("photo_text_fts"))
        or (kind == "index" and name == "ix_photo_texts_trigrams")
    )


def assert_models_match(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": modelled}
        )
        assert compare_metadata(context, every_table()) == []


def test_models_match_migrations(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'check.db'}")
    upgrade(engine)
    assert_models_match(engine)


@contextlib.contextmanager
def new_postgresql(server, name: str):
    """An engine on a new, empty PostgreSQL database, dropped afterwards."""
    url = server.create_database(name, template="template0")
    engine = create_store_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        server.drop_database(url)


def test_postgresql_migrates_from_empty_and_matches_the_models(postgres_server):
    with new_postgresql(postgres_server, "empty") as engine:
        upgrade(engine)
        upgrade(engine)  # a second upgrade is a no-op
        assert_models_match(engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def at_0007_with_a_vector(engine):
    """A library as 0007 left it: a photo with a vector (its rows written in that schema's SQL)."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        connection.execute(
            text(
                "INSERT INTO models (id, key, arch, dim, vectors_version, created_at) "
                "VALUES (1, 'm', 'ViT', 2, 3, '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO photos (id, path, size, mtime_ns, content_hash, indexed_at) "
                "VALUES (7, :path, 1, 1, 'h', '2026-01-01')"
            ),
            {"path": b"/p/a.jpg"},
        )
        connection.execute(
            text("INSERT INTO embeddings (photo_id, model_id, vector) VALUES (7, 1, :v)"),
            {"v": b"\x00" * 8},
        )


def assert_kept_as_frame_zero(engine):
    """Migration 0008 keeps every vector, as its photo's frame 0, and the photo as a photo."""
    with engine.connect() as connection:
        vectors = connection.execute(text("SELECT photo_id, model_id, frame FROM embeddings"))
        assert vectors.all() == [(7, 1, 0)]
        photos = connection.execute(text("SELECT media, duration FROM photos")).all()
        assert photos == [("photo", None)]
        version = connection.execute(text("SELECT vectors_version FROM models")).scalar()
        assert version == 3  # the FAISS files of version 3 stay valid: nothing to rebuild
    assert_models_match(engine)


def test_0008_keeps_every_vector_on_sqlite(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'old.db'}")
    at_0007_with_a_vector(engine)
    upgrade(engine)
    assert_kept_as_frame_zero(engine)


def test_0008_keeps_every_vector_on_postgresql(postgres_server):
    with new_postgresql(postgres_server, "old") as engine:
        at_0007_with_a_vector(engine)
        upgrade(engine)
        assert_kept_as_frame_zero(engine)
