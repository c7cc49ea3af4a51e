"""`forum-bot run`: the real clock, the scheduler, and every configured network side by side."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import replace
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine

from bot.app import Forum
from bot.clock import RealClock, SimulatedClock
from bot.config import Config
from bot.runtime.receiver_lock import ReceiverLock, Turns, receiver_key, until_stopped
from bot.transports.console import SCRIPT_START, run_interactive, run_script

if TYPE_CHECKING:
    from bot.runtime.metrics import Metrics
    from bot.runtime.scheduler import DueScheduler

log = logging.getLogger("forumbot")


def demo_script() -> str:
    return resources.files("bot.demo").joinpath("demo.txt").read_text(encoding="utf-8")


async def run_console(config: Config, with_demo: bool = True) -> int:
    """No network configured: play the demo, then (at a terminal) open the console on the configured database."""
    if not with_demo:
        return await run_interactive(Forum(config, SimulatedClock(RealClock().now())))
    print("No chat network is configured (see config.example.toml): here is the console demo.\n")
    with tempfile.TemporaryDirectory() as tmp:
        demo = Forum(replace(config, database_url=f"sqlite:///{tmp}/demo.sqlite3"), SimulatedClock(SCRIPT_START))
        await run_script(demo, demo_script(), echo=True)
        demo.engine.dispose()
    if not sys.stdin.isatty():
        return 0
    print(f"\nNow your own forum, stored in {config.database_url}.")
    return await run_interactive(Forum(config, SimulatedClock(RealClock().now())))


async def run(config: Config, demo: bool = True) -> int:
    """Run until interrupted; with no network configured, the interactive console (after the demo, if `demo`)."""
    if not (config.telegram.enabled or config.matrix.enabled):
        return await run_console(config, demo)
    from bot.runtime.scheduler import DueScheduler  # APScheduler: not needed by the console

    forum = Forum(config, RealClock())
    scheduler = DueScheduler(forum)
    metrics = _metrics(forum)
    tasks: list[asyncio.Task[None]] = []
    if config.telegram.enabled:
        tasks.append(asyncio.create_task(receive_telegram(forum, scheduler, metrics)))
    if config.matrix.enabled:
        tasks.append(asyncio.create_task(receive_matrix(forum, scheduler, metrics)))
    if config.web.enabled:
        tasks.append(asyncio.create_task(serve_web(forum, metrics)))
    elif metrics is not None:
        tasks.append(asyncio.create_task(serve_metrics(metrics, config.metrics.listen, config.metrics.port)))
    scheduler.start()
    try:
        await asyncio.gather(*tasks)
    finally:
        scheduler.shutdown()
    return 0


def _metrics(forum: Forum) -> Metrics | None:
    """This process's metrics (`[metrics] enabled = true`), counting what `forum` does."""
    if not forum.config.metrics.enabled:
        return None
    from bot.runtime.metrics import Metrics  # prometheus-client: not loaded when the metrics are off

    return Metrics.of(forum)


async def serve_web(forum: Forum, metrics: Metrics | None = None) -> None:
    """The public site (`[web] enabled = true`), beside the networks, on the bot's own database and clock; with the
    metrics on, `/metrics` too."""
    from bot.web.server import serve_forever
    from bot.web.site import Site

    web = forum.config.web
    log.info("web site on http://%s:%s/", web.listen, web.port)
    await serve_forever(Site(forum.engine, forum.config, forum.clock), web.listen, web.port,
                        metrics.render if metrics else None)


async def serve_metrics(metrics: Metrics, host: str, port: int) -> None:
    """`/metrics` on a port of its own (`[metrics] listen`, `port`): the process serves no web site."""
    from bot.web.server import METRICS_PATH, metrics_app, serve_forever

    log.info("metrics on http://%s:%s%s", host, port, METRICS_PATH)
    await serve_forever(metrics_app(metrics.render), host, port)


# ------------------------------------------------------------------------------ one receiver per network

def leader_lock(engine: Engine, network: str, identity: str) -> ReceiverLock | None:
    """On PostgreSQL, the lock a process holds while it receives for `network` (bot/runtime/receiver_lock.py); on SQLite
    none: a file serves one process."""
    if engine.dialect.name != "postgresql":
        return None
    return ReceiverLock(engine.url, receiver_key(network, identity))


def telegram_identity(token: str) -> str:
    """The bot's id (a token is `<bot id>:<secret>`): one bot, one lock, whatever process holds its token."""
    bot_id, colon, _ = token.partition(":")
    return bot_id if colon and bot_id.isdigit() else hashlib.sha256(token.encode()).hexdigest()[:16]


async def receive_telegram(forum: Forum, scheduler: DueScheduler, metrics: Metrics | None = None) -> None:
    """Telegram in `forum-bot run`. Long polling allows one reader per bot: on PostgreSQL, the process holding the
    lock polls and the others stand by, sending. With a webhook every process receives what the load balancer
    gives it, as before."""
    from bot.transports.telegram import run_telegram

    tg = forum.config.telegram
    lock = None if tg.webhook_url else leader_lock(forum.engine, "telegram", telegram_identity(tg.token))
    if metrics is not None:
        metrics.watch_lock("telegram", lock)
    if lock is None:
        await run_telegram(forum, scheduler)
        return

    async def receive(stop: asyncio.Event) -> None:
        with _listening(scheduler) as scoped:
            await run_telegram(forum, scoped, stop)

    async def standby(stop: asyncio.Event) -> None:
        await send_telegram(forum, scheduler, stop)

    await Turns("telegram", lock, forum.config.leadership).run(receive, standby)


async def receive_matrix(forum: Forum, scheduler: DueScheduler, metrics: Metrics | None = None) -> None:
    """Matrix in `forum-bot run`: one process syncs the bot's device. A standby does not send either: sending in an
    encrypted room takes the device's keys, which only the syncing process may use."""
    from bot.transports.matrix import run_matrix

    lock = leader_lock(forum.engine, "matrix", forum.config.matrix.user_id)
    if metrics is not None:
        metrics.watch_lock("matrix", lock)
    if lock is None:
        await run_matrix(forum, scheduler)
        return

    async def receive(stop: asyncio.Event) -> None:
        with _listening(scheduler) as scoped:
            await until_stopped(lambda: run_matrix(forum, scoped), stop)

    await Turns("matrix", lock, forum.config.leadership).run(receive)


class _ScopedScheduler:
    """The scheduler as one run of a transport sees it: what it registers is forgotten when the run ends (the
    process may receive again later, with a new transport)."""

    def __init__(self, scheduler: DueScheduler) -> None:
        self._scheduler = scheduler
        self._added: list[Callable[[], Awaitable[None]]] = []

    def on_work_done(self, listener: Callable[[], Awaitable[None]]) -> None:
        self._added.append(listener)
        self._scheduler.on_work_done(listener)

    def forget(self) -> None:
        for listener in self._added:
            self._scheduler.off_work_done(listener)
        self._added.clear()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._scheduler, name)


@contextlib.contextmanager
def _listening(scheduler: DueScheduler) -> Any:
    scoped = _ScopedScheduler(scheduler)
    try:
        yield cast("DueScheduler", scoped)
    finally:
        scoped.forget()


async def send_telegram(forum: Forum, scheduler: DueScheduler, stop: asyncio.Event) -> None:
    """A Telegram standby still delivers the outbox (sending needs no update stream), so that what its scheduler
    queues goes out at once; until `stop` is set. Telegram unreachable: tried again later."""
    from bot.transports.telegram import PERIODIC_DRAIN_SECONDS

    while not stop.is_set():
        try:
            await _send_telegram_until(forum, scheduler, stop, PERIODIC_DRAIN_SECONDS)
        except Exception as exc:
            log.warning("telegram (standing by): cannot send: %s", f"{type(exc).__name__}: {exc}")
        await _wait(stop, PERIODIC_DRAIN_SECONDS)


async def _send_telegram_until(forum: Forum, scheduler: DueScheduler, stop: asyncio.Event, every: float) -> None:
    from bot.transports.telegram import TelegramTransport, build_application

    app = build_application(forum.config)
    transport = TelegramTransport(forum, app)
    busy = asyncio.Lock()

    async def deliver() -> None:
        async with busy:
            if not stop.is_set():
                await transport.drain()

    async with app:  # getMe, no updates
        scheduler.on_work_done(deliver)
        try:
            while not stop.is_set():
                try:
                    await deliver()
                except Exception:
                    log.exception("telegram (standing by): outbox pass failed")
                await _wait(stop, every)
        finally:
            scheduler.off_work_done(deliver)
            async with busy:  # a delivery the scheduler started ends before the bot closes
                pass


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
