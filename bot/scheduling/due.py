"""Due sources: each feature says when its next item falls due and how to act on everything due now.

The database is the truth: a pass asks storage what is due at `now`, acts, and records what it did (idempotency
keys in the outbox, flags on rows), so a restart or a missed tick catches up by itself and nothing runs twice.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, text
from sqlmodel import Session

from bot.config import Config
from bot.notify import Outbox
from bot.storage.db import unit_of_work

log = logging.getLogger("forumbot.scheduling")


@dataclass
class JobContext:
    """What a due pass sees: one transaction, the config, the moment, and the outbox."""

    session: Session
    config: Config
    now: datetime
    outbox: Outbox


@dataclass(frozen=True)
class DueSource:
    """A kind of scheduled work (closing votes, meeting reminders, overdue milestones …)."""

    name: str
    next_due: Callable[[Session, Config, datetime], datetime | None]
    run: Callable[[JobContext], int]


@dataclass(frozen=True)
class DuePass:
    """A pass as `DueRunner.run_pass` saw it: when it ran, how long its earliest item had been due by then (zero when
    nothing was due yet), and how many items it acted upon."""

    at: datetime
    lag: timedelta
    done: int


due_sources: list[DueSource] = []


def due_source(name: str, next_due: Callable[[Session, Config, datetime], datetime | None]
               ) -> Callable[[Callable[[JobContext], int]], Callable[[JobContext], int]]:
    """Decorator: `@due_source("votes.close", next_due=...)` on the function that acts on what is due."""

    def decorate(run: Callable[[JobContext], int]) -> Callable[[JobContext], int]:
        due_sources.append(DueSource(name, next_due, run))
        return run

    return decorate


def claim(session: Session, name: str, wait: bool = False) -> bool:
    """On PostgreSQL, one process at a time runs a source: a transaction-scoped advisory lock, released at commit
    or when a process dies. SQLite serves a single process (bot/storage/lock.py), so there is nothing to claim.

    In real time a process that finds the source claimed moves on: the other one is doing that work now. `wait`
    is for simulated time (Forum.advance_to), where each process has its own clock: waiting for the other to
    finish the moment, then finding nothing left, keeps both on the same moment instead of one skipping ahead."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(f"forumbot.due.{name}".encode())
    if wait:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar())


class DueRunner:
    """Runs due passes, each source in its own transaction."""

    def __init__(self, engine: Engine, config: Config) -> None:
        self.engine, self.config = engine, config
        self.last_pass: DuePass | None = None

    def next_due(self, now: datetime) -> datetime | None:
        """The earliest moment anything falls due (it may be in the past: then it is due now)."""
        with Session(self.engine) as session:
            moments = [m for source in due_sources if (m := source.next_due(session, self.config, now))]
        return min(moments) if moments else None

    def run(self, now: datetime, wait: bool = False) -> int:
        """Act on everything due at `now`; returns how many items were acted upon (`wait`: see `claim`)."""
        done = 0
        for source in due_sources:
            try:
                with unit_of_work(self.engine) as session:
                    if not claim(session, source.name, wait):
                        continue
                    done += source.run(JobContext(session, self.config, now, Outbox(session, self.config, now)))
            except Exception:
                log.exception("due source %s failed", source.name)
        return done

    def run_pass(self, now: datetime) -> int:
        """`run`, first asking when the earliest item fell due, to record in `last_pass` how late the pass is: a
        scheduler that stalled, or a process that was down, shows here (bot/runtime/metrics.py)."""
        due = self.next_due(now)
        done = self.run(now)
        lag = now - due if due is not None and due < now else timedelta(0)
        self.last_pass = DuePass(now, lag, done)
        return done
