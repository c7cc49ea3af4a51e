"""Shared fixtures: a migrated SQLite database per test, a forum on a simulated clock, transcript playing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade

pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once; each test gets a copy (migrations are tested separately)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def db_url(tmp_path: Path, migrated_template: Path) -> str:
    path = tmp_path / "forum.sqlite3"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def config(db_url: str) -> Config:
    return replace(Config(), database_url=db_url)


@pytest.fixture
def forum(config: Config) -> Iterator[Forum]:
    forum = Forum(config, SimulatedClock(), migrate=False)
    yield forum
    forum.engine.dispose()
