"""The writer lock of a PostgreSQL library, seen by every machine that uses the database: a
session-level advisory lock on a connection of its own, held for as long as the writer runs.
The server drops it when that session ends, so a killed writer never leaves it behind, nor does
a machine that died (TCP keepalives notice within about a minute). The holder's note is a row
of `writer_holders`, believed only while its session still holds the lock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from ..errors import StoreError
from ..lock import WriterLock, describe
from .database import create_store_engine, redacted
from .schema import WriterHolderRow

LOCK_KEY = 0x70686F74  # one writer per database; below 2**31, so pg_locks shows it in objid
KEEPALIVES = {"tcp_keepalives_idle": 20, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 6}
HOLDER = text(
    "SELECT h.pid, h.host, h.command, h.since FROM writer_holders h "
    "JOIN pg_locks l ON l.pid = h.backend_pid AND l.locktype = 'advisory' AND l.granted "
    "AND l.classid = 0 AND l.objid::bigint = :key "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


class AdvisoryLock(WriterLock):
    def __init__(self, url: str):
        self.where = f"the database {redacted(url)}"
        self._engine = create_store_engine(url, poolclass=NullPool)  # closing ends the session
        self._connection = None

    def _try_lock(self) -> bool:
        if self._connection is None:
            self._connection = self._engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
            for name, value in KEEPALIVES.items():  # the server's probes of a silent client
                self._connection.execute(text(f"SET {name} = {value}"))
        locked = text("SELECT pg_try_advisory_lock(:key)")
        return bool(self._connection.scalar(locked, {"key": LOCK_KEY}))

    def _leave_note(self, note: dict) -> None:
        self._connection.execute(delete(WriterHolderRow))
        self._connection.execute(
            insert(WriterHolderRow).values(
                backend_pid=func.pg_backend_pid(),
                host=note["host"],
                pid=note["pid"],
                command=note["command"],
                since=datetime.fromisoformat(note["since"]),
            )
        )

    def holder(self) -> str:
        row = self._connection.execute(HOLDER, {"key": LOCK_KEY}).first()
        if row is None:
            return describe(None)
        return describe({**row._asdict(), "since": row.since.isoformat(timespec="seconds")})

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
        except (DBAPIError, StoreError):
            pass  # the session is gone, and the lock went with it
        finally:
            self._connection.close()
            self._connection = None
            self._engine.dispose()
