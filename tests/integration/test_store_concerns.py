"""A concern added from outside the store, as faces or people will be: its own table, made the
way its migration would make it, written in the store's transactions and read back, on SQLite
and on PostgreSQL, with no edit to Store, Writer or anything else in photosearch."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from photosearch.config import Config
from photosearch.metadata import PhotoMeta
from photosearch.store import Concern, Filters, Store
from photosearch.store.filters import conditions
from photosearch.store.schema import PhotoRow

both_databases = pytest.mark.both_databases

# Its own metadata, not the store's Base: the check that the models match the migrations must
# not see a table that only this test creates.
TAGS = sa.Table(
    "test_tags",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("content_hash", sa.String(64), index=True),
    sa.Column("word", sa.String(100)),
)


def migrate(store: Store) -> None:
    """What the concern's migration does: Alembic's operations on the store's database."""
    with store.engine.begin() as connection:
        operations = Operations(MigrationContext.configure(connection))
        operations.create_table(
            "test_tags",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("content_hash", sa.String(length=64), nullable=False),
            sa.Column("word", sa.String(length=100), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        operations.create_index("ix_test_tags_content_hash", "test_tags", ["content_hash"])


class Tags(Concern):
    """Words pinned to a photo's content: a stand-in for faces and people."""

    def __init__(self, engine, writer=None):
        super().__init__(engine, writer)
        self.finished = 0

    def tag(self, content_hash: str, word: str) -> None:
        self.session.execute(sa.insert(TAGS).values(content_hash=content_hash, word=word))

    def finish(self) -> None:
        self.finished += 1  # told once, as its transaction is about to commit

    def words(self, content_hash: str) -> list[str]:
        query = sa.select(TAGS.c.word).where(TAGS.c.content_hash == content_hash)
        with self.reading() as session:
            return sorted(session.scalars(query))

    def tagged(self, word: str, filters: Filters) -> list[str]:
        """Paths of the photos with the word that meet the filters: the store's own filter
        compiler serves a new concern too."""
        query = (
            sa.select(PhotoRow.path)
            .join(TAGS, TAGS.c.content_hash == PhotoRow.content_hash)
            .where(TAGS.c.word == word, *conditions(filters))
            .order_by(PhotoRow.path)
        )
        with self.reading() as session:
            return list(session.scalars(query))


@pytest.fixture
def store(tmp_path, database_url):
    store = Store(Config.load(environ={}, data_dir=tmp_path / "data", database_url=database_url))
    migrate(store)
    yield store
    store.close()


def add_photo(writer, path: str, content_hash: str) -> int:
    return writer.add_photo(path, 1, 1, content_hash, PhotoMeta())


@both_databases
def test_a_concern_writes_in_the_writers_transaction_and_reads_through_the_store(store):
    with store.writer() as writer:
        add_photo(writer, "/album/beach.jpg", "a" * 64)
        add_photo(writer, "/elsewhere/copy of beach.jpg", "a" * 64)
        tags = writer.concern(Tags)
        tags.tag("a" * 64, "sea")
        writer.concern(Tags).tag("a" * 64, "holiday")
        assert writer.concern(Tags) is tags  # one per transaction
        assert tags.words("a" * 64) == ["holiday", "sea"]  # it reads its own writes
        assert store.concern(Tags).words("a" * 64) == []  # others do once they commit
        assert tags.finished == 0
    assert tags.finished == 1
    assert store.concern(Tags).words("a" * 64) == ["holiday", "sea"]
    assert store.concern(Tags).tagged("holiday", Filters()) == [
        "/album/beach.jpg",
        "/elsewhere/copy of beach.jpg",
    ]
    assert store.concern(Tags).tagged("holiday", Filters(folder="/album")) == ["/album/beach.jpg"]


@both_databases
def test_a_failed_transaction_keeps_none_of_a_concerns_writes(store):
    with pytest.raises(RuntimeError), store.writer() as writer:
        add_photo(writer, "/album/beach.jpg", "b" * 64)
        writer.concern(Tags).tag("b" * 64, "holiday")
        raise RuntimeError("the indexer stopped")
    assert writer.concern(Tags).finished == 0
    assert store.concern(Tags).words("b" * 64) == []
    assert store.photo_by_path("/album/beach.jpg") is None


def test_a_concern_read_through_the_store_refuses_to_write(tmp_path):
    store = Store(Config.load(environ={}, data_dir=tmp_path / "data", database_url=""))
    try:
        with pytest.raises(TypeError, match=r"writer\.concern\(Tags\)"):
            store.concern(Tags).tag("d" * 64, "lost")
        assert store.concern(Tags) is store.concern(Tags)
    finally:
        store.close()
