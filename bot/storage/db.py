"""The engine and sessions: SQLite in WAL mode with foreign keys, or any SQLAlchemy URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

import bot.storage.tables  # noqa: F401  (registers every table)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# synchronous=FULL: a commit is on disk before the bot answers "your ballot is recorded". In WAL mode, NORMAL may
# lose the last commits on a power cut or an OS crash (never on a crash of the bot alone), and the platforms will
# not send those messages again. PostgreSQL is durable by default too. It costs one fsync per commit (~0.1 ms here).
SQLITE_PRAGMAS = ("foreign_keys=ON", "busy_timeout=10000", "synchronous=FULL")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        if make_url(url).database not in (None, "", ":memory:"):
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back when it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
