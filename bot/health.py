"""`forum-bot check`: is everything the bot needs there? One line per check; exit 0 only when all pass."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

import bot.app  # noqa: F401  (registers the due sources)
from bot.ballot_key import FINGERPRINT_STATE, fingerprint, open_secret_votes, resolve_ballot_key, sqlite_key_file
from bot.clock import RealClock
from bot.config import Config
from bot.notify import backlog
from bot.scheduling.due import DueRunner
from bot.storage.db import make_engine
from bot.storage.migrate import current_revision, head_revision
from bot.storage.tables import KeyValue

Check = Callable[[Config], Awaitable[str]]
DATABASE_READERS = ("outbox", "due work")  # checks not run when the database's fails (they would fail the same way)


async def check_database(config: Config) -> str:
    engine = make_engine(config.database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = current_revision(engine), head_revision(engine)
    finally:
        engine.dispose()
    if current != head:
        raise RuntimeError(f"schema at revision {current}, code expects {head}: run `forum-bot db upgrade`")
    return f"database reachable, schema at revision {current}"


async def check_ballot_key(config: Config) -> str:
    """The key `run` would use, compared (read-only) with the one recorded in the database."""
    pending = sqlite_key_file(config.database_url)
    if not (config.ballot_key or config.ballot_key_file) and pending is not None and not pending.exists():
        return f"no key yet: one is generated at the first start in {pending} (back it up with the database)"
    key, source = resolve_ballot_key(config)
    engine = make_engine(config.database_url)
    try:
        with Session(engine) as session:
            recorded = session.get(KeyValue, FINGERPRINT_STATE)
            if recorded is None:
                return f"from {source} (not recorded yet)"
            if recorded.value == fingerprint(key):
                return f"from {source}, the one in use"
            if open_secret_votes(session):
                raise RuntimeError(f"the key from {source} is not the one in use while a secret vote is open: "
                                   "`run` will refuse to start with it")
            return f"from {source}, replacing the one in use (no secret vote is open)"
    finally:
        engine.dispose()


def _age(delta: timedelta) -> str:
    """45 s, 7 min 5 s, 3 h 2 min, 2 d 4 h."""
    seconds = max(int(delta.total_seconds()), 0)
    units = [(86400, "d"), (3600, "h"), (60, "min"), (1, "s")]
    for i, (size, name) in enumerate(units[:-1]):
        if seconds >= size:
            smaller, small_name = units[i + 1]
            rest = (seconds % size) // smaller
            return f"{seconds // size} {name}" + (f" {rest} {small_name}" if rest else "")
    return f"{seconds} s"


async def check_outbox(config: Config, now: datetime) -> str:
    """The outbox's undelivered messages per network: how many, and how long the oldest has waited."""
    engine = make_engine(config.database_url)
    try:
        with Session(engine) as session:
            found = backlog(session)
    finally:
        engine.dispose()
    parts = []
    for b in found:
        part = f"{b.network} {b.waiting} waiting" + (f", the oldest for {_age(now - b.oldest)}" if b.oldest else "")
        parts.append(part + (f" ({b.parked} parked: rooms the bot was removed from)" if b.parked else ""))
    return "; ".join(parts) if parts else "every message delivered"


async def check_due(config: Config, now: datetime) -> str:
    """How late the due work is: `forum-bot run` acts on each item at its moment (within the minute), so an item
    due long ago says that no process is running it (or was not, until now: it catches up when it starts)."""
    engine = make_engine(config.database_url)
    try:
        due = DueRunner(engine, config).next_due(now)
    finally:
        engine.dispose()
    if due is None:
        return "nothing scheduled"
    if due > now:
        return f"nothing late (next item due in {_age(due - now)})"
    return f"{_age(now - due)} late (the earliest item undone fell due at {due:%Y-%m-%d %H:%M} UTC)"


def _get_json(url: str, token: str | None = None, timeout: float = 10) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return dict(json.load(response))


async def check_telegram(config: Config) -> str:
    base = config.telegram.base_url or "https://api.telegram.org/bot"
    answer = await asyncio.to_thread(_get_json, f"{base}{config.telegram.token}/getMe")
    result = answer.get("result")
    if not answer.get("ok") or not isinstance(result, dict):
        raise RuntimeError(f"getMe answered {answer.get('description', answer)}")
    return f"telegram reachable as @{result.get('username')}"


async def check_matrix(config: Config) -> str:
    base = config.matrix.homeserver.rstrip("/")
    await asyncio.to_thread(_get_json, f"{base}/_matrix/client/versions")
    if config.matrix.access_token:
        who = await asyncio.to_thread(_get_json, f"{base}/_matrix/client/v3/account/whoami",
                                      config.matrix.access_token)
        return f"matrix reachable, logged in as {who.get('user_id')}"
    return f"matrix homeserver {base} reachable (password login not tried)"


async def check(config: Config, now: datetime | None = None) -> int:
    """Run every check that applies and print one line each (`now`: the moment the backlog is measured at)."""
    at = now or RealClock().now()

    async def outbox(config: Config) -> str:
        return await check_outbox(config, at)

    async def due(config: Config) -> str:
        return await check_due(config, at)

    checks: list[tuple[str, Check]] = [("database", check_database), ("ballot key", check_ballot_key),
                                       ("outbox", outbox), ("due work", due)]
    if config.telegram.enabled:
        checks.append(("telegram", check_telegram))
    if config.matrix.enabled:
        checks.append(("matrix", check_matrix))
    print(f"ok   config: {config.source}")
    failed = 0
    failed_names: set[str] = set()
    for name, run in checks:
        if name in DATABASE_READERS and "database" in failed_names:
            print(f"skip {name}: the database is not ready")
            continue
        try:
            print(f"ok   {name}: {await run(config)}")
        except Exception as exc:  # every failure becomes one line
            failed += 1
            failed_names.add(name)
            print(f"FAIL {name}: {type(exc).__name__}: {exc}")
    return 1 if failed else 0
