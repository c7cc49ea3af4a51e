"""Statements built once and run many times: the queries every message makes, given their values as parameters.

Building a statement and computing its cache key costs SQLAlchemy more than SQLite takes to run it (a roles query:
~250 µs built per call, ~85 µs prebuilt through the ORM, ~35 µs through the session's connection; bench/RESULTS.md),
and a message makes about fifteen. A statement object keeps its cache key once computed, so a module-level statement
with `bindparam`s pays that cost once per process.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import CursorResult
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, SQLModel


@cache
def insert_or_skip(model: type[SQLModel], dialect: str, conflict: tuple[str, ...], returning: str) -> Insert:
    """`INSERT … ON CONFLICT (conflict) DO NOTHING RETURNING returning` for this dialect, built once; the row's values
    are given when it runs. A row is returned only when it was inserted."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__  # type: ignore[attr-defined]
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict)).returning(table.c[returning])


def run(session: Session, statement: Any, params: Mapping[str, Any] | list[dict[str, Any]]) -> CursorResult[Any]:
    """Run a Core statement in the session's transaction, after the session's pending changes (as the ORM's
    autoflush would), without the ORM's per-statement work: for writes, and reads of plain columns."""
    session.flush()  # nothing to do, and nearly free, when nothing is pending
    return session.connection().execute(statement, params)


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name
