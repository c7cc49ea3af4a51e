"""A database copied to one file and back: SQLite through its online backup API, PostgreSQL with pg_dump/pg_restore.

Both copies are consistent while the bot runs: SQLite's backup API copies a snapshot (it starts again if another
connection writes in the middle), and pg_dump reads every table in one transaction's snapshot. bot/runtime/backup.py
puts the file in an archive with the rest of a forum's state.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, MetaData, create_engine, func, inspect, select
from sqlalchemy.engine import make_url

from bot.storage.db import is_sqlite, make_engine

T = TypeVar("T")

PG_DUMP_TIMEOUT = 3600  # seconds; a forum's database is small, this only stops a hung connection
# What a database no forum lives in may hold: the migrations' bookkeeping, and the ballot key's fingerprint that
# every start of the bot records (bot/ballot_key.py).
IGNORED_ROWS = {"alembic_version": None, "key_value": ("key", ["ballot_key.fingerprint"])}
SQLITE_HEADER = b"SQLite format 3\x00"


class DumpError(Exception):
    """The database could not be copied or restored; the message says why."""


def sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if path in (None, "", ":memory:") or str(path).startswith("file:"):
        raise DumpError(f"a backup needs a SQLite database file, not {url!r}")
    return Path(str(path))


def is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def copy_sqlite(source: Path, target: Path, *, compact: bool = False) -> None:
    """Copy a SQLite database through the backup API (consistent while others write). `compact`, for a copy that
    goes into an archive: one file (no WAL), without the free pages, where deleted rows (a closed secret vote's
    slots) may linger."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        if compact:
            dst.execute("PRAGMA journal_mode=DELETE")
            dst.execute("VACUUM")
    finally:
        dst.close()
        src.close()


def dump_database(url: str, target: Path, read: Callable[[Connection], T]) -> T:
    """Write a consistent copy of the database at `url` to `target` (a SQLite file, or pg_dump's custom format);
    `read(connection)` sees exactly what was copied, and its result is returned."""
    if is_sqlite(url):
        copy_sqlite(sqlite_path(url), target, compact=True)
        copy = create_engine(f"sqlite:///{target}")  # not make_engine: the copy stays out of WAL mode
        try:
            with copy.connect() as conn:
                return read(conn)
        finally:
            copy.dispose()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():  # pg_dump takes this transaction's snapshot: it dumps what `read` sees
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                result = read(conn)
                _run_pg_tool("pg_dump", url, ["--format=custom", "--no-owner", "--no-acl", f"--snapshot={snapshot}",
                                              f"--file={target}"])
                return result
    finally:
        engine.dispose()


def load_database(url: str, source: Path) -> None:
    """Fill the empty database at `url` (`tables_with_rows` found none) from a file `dump_database` wrote."""
    if is_sqlite(url):
        copy_sqlite(source, sqlite_path(url))
        return
    _drop_empty_schema(url)
    _run_pg_tool("pg_restore", url, ["--no-owner", "--no-acl", "--single-transaction", "--exit-on-error",
                                     str(source)])


def find_pg_tool(name: str) -> Path | None:
    """`pg_dump` or `pg_restore`: on PATH, else the newest in /usr/lib/postgresql/*/bin (Debian's layout)."""
    found = shutil.which(name)
    if found:
        return Path(found)

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(p) if p.isdigit() else 0 for p in Path(path).parent.parent.name.split("."))

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version, reverse=True)
    return Path(candidates[0]) if candidates else None


def _run_pg_tool(name: str, url: str, arguments: list[str]) -> None:
    tool = find_pg_tool(name)
    if tool is None:
        raise DumpError(f"{name} not found on PATH nor in /usr/lib/postgresql/*/bin: install the PostgreSQL client "
                        "programs (Debian: apt-get install postgresql-client), of the server's version or newer")
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)  # never on the command line, which `ps` shows
    libpq = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    try:
        done = subprocess.run([str(tool), f"--dbname={libpq}", *arguments], capture_output=True, text=True,
                              env=env, timeout=PG_DUMP_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise DumpError(f"{name} could not run: {exc}") from exc
    if done.returncode != 0:
        raise DumpError(f"{name} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def tables_with_rows(engine: Engine) -> list[str]:
    """The tables holding something a forum wrote (empty: the database is a fresh or a freshly migrated one)."""
    metadata = MetaData()
    metadata.reflect(engine)
    found = []
    with engine.connect() as conn:
        for name, table in sorted(metadata.tables.items()):
            query = select(func.count()).select_from(table)
            if name in IGNORED_ROWS:
                ignored = IGNORED_ROWS[name]
                if ignored is None:
                    continue
                query = query.where(table.c[ignored[0]].not_in(ignored[1]))
            if conn.execute(query).scalar_one():
                found.append(name)
    return found


def _drop_empty_schema(url: str) -> None:
    """Drop the (empty) tables of a database a `db upgrade` or a start of the bot made, so that a dump fits in."""
    engine = make_engine(url)
    try:
        if inspect(engine).get_table_names():
            metadata = MetaData()
            metadata.reflect(engine)
            metadata.drop_all(engine)
    finally:
        engine.dispose()
