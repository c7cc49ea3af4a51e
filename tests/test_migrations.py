"""The migrations build exactly the schema the tables declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from bot.storage.db import make_engine
from bot.storage.migrate import current_revision, head_revision, is_up_to_date, upgrade


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        assert not is_up_to_date(engine)
        upgrade(engine)
        assert current_revision(engine) == head_revision(engine)
        upgrade(engine)  # idempotent
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), SQLModel.metadata))
    finally:
        engine.dispose()


def test_sqlite_schema_matches_the_tables(tmp_path: Path) -> None:
    assert _diff(f"sqlite:///{tmp_path}/m.sqlite3") == []


def test_postgresql_schema_matches_the_tables(request: pytest.FixtureRequest) -> None:
    cluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database("forumbot_migrations")
    try:
        assert _diff(url) == []
    finally:
        cluster.drop_database("forumbot_migrations")
