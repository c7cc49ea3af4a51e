"""The core, wired: configuration, database, router, due work, and the transports' outbox delivery."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

import bot.handlers  # noqa: F401  (registers commands and exporters)
from bot.ballot_key import check_at_start, resolve_ballot_key
from bot.clock import Clock, SimulatedClock
from bot.config import Config
from bot.domain.people import make_admin
from bot.handlers.help import command_menu
from bot.messages import Handled, Incoming
from bot.registry import registry
from bot.router import Router
from bot.scheduling import housekeeping, mandates, meetings, milestones, votes  # noqa: F401  (register due sources)
from bot.scheduling.due import DueRunner
from bot.storage.db import make_engine, unit_of_work
from bot.storage.migrate import upgrade

log = logging.getLogger("forumbot")

HandledListener = Callable[[Incoming, Handled, float], None]
"""Told of every message handled, with what the router did and how many seconds it took (bot/runtime/metrics.py)."""
DeliveryListener = Callable[[str, str], None]
"""Told of every failed delivery attempt: the network and the reason (an exception's class name, `room_inactive`)."""


class Forum:
    """One forum's bot core, transport-neutral."""

    def __init__(self, config: Config, clock: Clock, engine: Engine | None = None, migrate: bool = True) -> None:
        """Raises ConfigError (no ballot key to use) or BallotKeyError (another key while a secret vote is open)."""
        key, key_source = resolve_ballot_key(config)
        config = replace(config, ballot_key=key)
        self.config, self.clock = config, clock
        self.engine = engine or make_engine(config.database_url)
        if migrate:
            upgrade(self.engine)
        check_at_start(self.engine, key, key_source)
        self.router = Router(self.engine, config, clock, registry)
        self.due = DueRunner(self.engine, config)
        self.on_handled: list[HandledListener] = []
        self.on_delivery_failed: list[DeliveryListener] = []

    async def handle(self, incoming: Incoming) -> Handled:
        started = time.perf_counter()
        handled = await self.router.handle(incoming)
        _tell(self.on_handled, incoming, handled, time.perf_counter() - started)
        return handled

    def delivery_failed(self, network: str, reason: str) -> None:
        """A transport could not deliver an outbox message (bot/transports/base.py); it is tried again later."""
        _tell(self.on_delivery_failed, network, reason)

    @staticmethod
    def command_menu(locale: str, private: bool) -> list[tuple[str, str]]:
        """The top-level commands for a chat client's menu, as (name, help) in `locale`."""
        return command_menu(locale, private)

    def bootstrap_admin(self, network: str, name: str) -> None:
        """Make `name` on `network` an admin (the console's `@admin` line and its interactive user)."""
        for attempt in (1, 2):
            try:
                with unit_of_work(self.engine) as session:
                    make_admin(session, self.config, self.clock.now(), network, name)
                return
            except IntegrityError:
                if attempt == 2:
                    raise
                # another process (the same script on the same database) made them at the same time: find them

    def run_due(self) -> int:
        """A pass now (the real-time scheduler's), remembering how late it ran (`self.due.last_pass`)."""
        return self.due.run_pass(self.clock.now())

    def advance_to(self, target: datetime, done_elsewhere: Callable[[], bool] | None = None) -> int:
        """Simulated time only: run every item falling due until `target`, in time order.

        `done_elsewhere()`, asked before each pass, tells that another process sharing the database has already
        been through this stretch of simulated time (two consoles playing one script): then this one only moves
        its clock. Its own clock is behind the database's, so a pass here could act on data from later moments."""
        clock = self.clock
        assert isinstance(clock, SimulatedClock)
        done = 0
        last: datetime | None = None
        for _ in range(100_000):
            if done_elsewhere is not None and done_elsewhere():
                clock.set(max(target, clock.now()))
                return done
            moment = self.due.next_due(clock.now())
            if moment is None or moment > target:
                break
            if moment > clock.now():
                clock.set(moment)
            if last is not None and moment <= last and clock.now() == last:
                log.error("due work at %s made no progress; skipping ahead", moment)
                break
            last = clock.now()
            done += self.due.run(clock.now(), wait=True)
        if target > clock.now():
            clock.set(target)
        if done_elsewhere is None or not done_elsewhere():
            done += self.due.run(clock.now(), wait=True)
        return done


def _tell(listeners: list[Callable[..., None]], *args: object) -> None:
    """Call each listener; one that fails is logged, never the caller's failure (handling never raises)."""
    for listener in listeners:
        try:
            listener(*args)
        except Exception:
            log.exception("listener %r failed", listener)
