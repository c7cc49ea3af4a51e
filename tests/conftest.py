"""Shared fixtures: a migrated database per test (SQLite, and PostgreSQL), a forum on a simulated clock.

Tests that take `db_url`, `config` or `forum` run twice: on SQLite and on a real PostgreSQL started on 127.0.0.1
(tests/support/fixtures.py; skipped locally when PostgreSQL is not installed, a failure in CI).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from tests.support import FORUM_EPOCH, TEST_BALLOT_KEY
from tests.support.postgres import ExistingPostgres, PostgresCluster

pytest_plugins = ["tests.support.fixtures", "tests.support.crash", "tests.support.telegram_fixtures"]

PG_TEMPLATE = "forumbot_template"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once; each test gets a copy (migrations are tested separately)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_cluster: PostgresCluster | ExistingPostgres) -> Iterator[str]:
    """A PostgreSQL database migrated once, copied with CREATE DATABASE … TEMPLATE for each test."""
    name = f"{PG_TEMPLATE}_{uuid.uuid4().hex[:8]}"
    engine = make_engine(postgres_cluster.create_database(name))
    upgrade(engine)
    engine.dispose()
    yield name
    postgres_cluster.drop_database(name)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Storage and scenario tests run on both databases; a transport's tests (marked sqlite_only) on SQLite."""
    if "db_url" in metafunc.fixturenames:
        only_sqlite = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("db_url", ["sqlite"] if only_sqlite else ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path, migrated_template: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "forum.sqlite3"
        shutil.copy(migrated_template, path)
        yield f"sqlite:///{path}"
        return
    cluster = request.getfixturevalue("postgres_cluster")
    template = request.getfixturevalue("postgres_template")
    name = f"forumbot_test_{uuid.uuid4().hex[:16]}"
    url = cluster.create_database(name, template=template)
    yield url
    cluster.drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_template: Path) -> str:
    """For the few tests that are about SQLite itself."""
    path = tmp_path / "forum.sqlite3"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def config(db_url: str) -> Config:
    return replace(Config(), database_url=db_url,
                   ballot_key="" if db_url.startswith("sqlite") else TEST_BALLOT_KEY)


@pytest.fixture
def forum(config: Config) -> Iterator[Forum]:
    forum = Forum(config, SimulatedClock(FORUM_EPOCH), migrate=False)
    yield forum
    forum.engine.dispose()
