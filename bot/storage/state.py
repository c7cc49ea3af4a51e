"""Small persistent values: the transports' (a Matrix sync token, a Telegram update offset), the digests' last slot."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from bot.storage.db import unit_of_work
from bot.storage.tables import KeyValue


def read_value(session: Session, key: str) -> str | None:
    row = session.get(KeyValue, key)
    return row.value if row else None


def write_value(session: Session, key: str, value: str) -> None:
    """Insert or update `key`, in the session's transaction."""
    row = session.get(KeyValue, key)
    if row is None:
        session.add(KeyValue(key=key, value=value))
    else:
        row.value = value


def get_state(engine: Engine, key: str) -> str | None:
    with Session(engine) as session:
        return read_value(session, key)


def set_state(engine: Engine, key: str, value: str) -> None:
    with unit_of_work(engine) as session:
        write_value(session, key, value)
