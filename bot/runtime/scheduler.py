"""APScheduler in real time: a pass at the next due moment, and a safety pass every minute."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import Forum

log = logging.getLogger("forumbot.scheduling")

SAFETY_INTERVAL = timedelta(minutes=1)


class DueScheduler:
    """Asks storage what is due, acts, then wakes the transports so they deliver the outbox."""

    def __init__(self, forum: Forum) -> None:
        self.forum = forum
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.listeners: list[Callable[[], Awaitable[None]]] = []
        self._lock = asyncio.Lock()

    def on_work_done(self, listener: Callable[[], Awaitable[None]]) -> None:
        self.listeners.append(listener)

    def off_work_done(self, listener: Callable[[], Awaitable[None]]) -> None:
        """Forget a listener (a transport that stopped: a process that no longer receives for its network)."""
        if listener in self.listeners:
            self.listeners.remove(listener)

    def start(self) -> None:
        self.scheduler.add_job(self.tick, "interval", seconds=SAFETY_INTERVAL.total_seconds(), id="safety",
                               next_run_time=self.forum.clock.now(), max_instances=1, coalesce=True)
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def tick(self) -> None:
        async with self._lock:
            done = await asyncio.to_thread(self.forum.run_due)
            for listener in list(self.listeners):
                if listener in self.listeners:  # not forgotten meanwhile
                    await listener()
            self._arm(self.forum.due.next_due(self.forum.clock.now()))
        if done:
            log.info("due pass", extra={"done": done})

    def _arm(self, moment: datetime | None) -> None:
        if moment is None or moment - self.forum.clock.now() > SAFETY_INTERVAL:
            return
        self.scheduler.add_job(self.tick, "date", run_date=max(moment, self.forum.clock.now()),
                               id="next-due", replace_existing=True)
