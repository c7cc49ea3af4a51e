"""Small persistent values of the transports (a Matrix sync token, a device id, a Telegram update offset)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from bot.storage.db import unit_of_work
from bot.storage.tables import KeyValue


def get_state(engine: Engine, key: str) -> str | None:
    with Session(engine) as session:
        row = session.get(KeyValue, key)
        return row.value if row else None


def set_state(engine: Engine, key: str, value: str) -> None:
    with unit_of_work(engine) as session:
        row = session.get(KeyValue, key)
        if row is None:
            session.add(KeyValue(key=key, value=value))
        else:
            row.value = value
