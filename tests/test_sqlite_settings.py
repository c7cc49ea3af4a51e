"""What every SQLite connection of the bot runs with."""

from __future__ import annotations

from bot.storage.db import make_engine


def test_a_sqlite_file_is_durable_consistent_and_shared(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                      for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
    finally:
        engine.dispose()
    # synchronous 2 = FULL: a commit survives a power cut (bot/storage/db.py says why).
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 10000}
