"""Prometheus metrics (bot/runtime/metrics.py): a scripted run scraped, the outbox read at scrape time on the
simulated clock, the due lag of a real-time pass, `/metrics` over HTTP, and `forum-bot check`'s backlog lines."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session, col, func, select

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import MetricsConfig, load_config, parse_config
from bot.health import check
from bot.registry import registry
from bot.runtime.metrics import Metrics
from bot.runtime.process import serve_metrics
from bot.runtime.receiver_lock import ReceiverLock, receiver_key
from bot.runtime.scheduler import DueScheduler
from bot.storage.db import make_engine, unit_of_work
from bot.storage.tables import OutboxMessage, Room
from bot.web.server import start
from bot.web.site import Site
from tests.support import FORUM_EPOCH
from tests.support.synapse import free_port
from tests.transcript import play

SCRIPT = """@at 2024-01-15 09:00
@admin alice
[secretariat] alice: /room secretariat
[pleniere] alice: /salon pleniere
[secretariat] alice: /role @bob cochair until=2024-03-01
[secretariat] alice: /frobnicate
[secretariat] alice: /role
[secretariat] alice: good morning
"""


def scrape(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape: (name, labels) → value, read back from the text a scraper gets."""
    body, _ = metrics.render()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def queue(forum: Forum, network: str, key: str, created_at: datetime, room_id: int | None = None) -> None:
    """An outbox row as a transport of `network` would find it (none runs here, so it stays undelivered)."""
    with unit_of_work(forum.engine) as session:
        session.add(OutboxMessage(key=key, kind="test", network=network, room_id=room_id, locale="en", text="hi",
                                  created_at=created_at, next_attempt_at=created_at))


def undelivered(forum: Forum, network: str) -> int:
    with Session(forum.engine) as session:
        return session.exec(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.network == network, col(OutboxMessage.sent_at).is_(None))).one()


async def test_a_scripted_run_is_counted_by_network_and_outcome(forum: Forum,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    metrics = Metrics.of(forum)
    out = await play(forum, SCRIPT)
    assert "!!" not in out, out

    async def broken(ctx: Any, **params: Any) -> None:
        raise RuntimeError("a bug")

    whoami = registry.find("whoami")
    assert whoami is not None
    monkeypatch.setattr(whoami, "handler", broken)
    await play(forum, "[secretariat] alice: /moi\n", prefix="u")  # (its French name)

    samples = scrape(metrics)
    handled = "forumbot_messages_handled_total"
    assert value(samples, handled, network="console", outcome="ok") == 3
    assert value(samples, handled, network="console", outcome="unknown") == 1
    assert value(samples, handled, network="console", outcome="bad_arguments") == 1
    assert value(samples, handled, network="console", outcome="error") == 1
    assert value(samples, handled, network="console", outcome="ignored") == 1
    latency = "forumbot_command_duration_seconds_count"
    assert value(samples, latency, command="room") == 2  # /room and /salon: one command, by its English name
    assert value(samples, latency, command="role") == 2  # whatever the outcome
    assert value(samples, latency, command="whoami") == 1
    assert not any(name == latency and dict(labels).get("command") == "frobnicate" for name, labels in samples)


async def test_the_outbox_is_read_at_scrape_time_on_the_forum_clock(forum: Forum) -> None:
    metrics = Metrics.of(forum)
    out = await play(forum, SCRIPT)
    assert "!!" not in out, out
    clock = forum.clock
    assert isinstance(clock, SimulatedClock)
    start_at = clock.now()
    queue(forum, "telegram", "a", start_at - timedelta(minutes=7))
    queue(forum, "telegram", "b", start_at - timedelta(minutes=2))
    with unit_of_work(forum.engine) as session:  # a room the bot was removed from: parked, not late
        gone = Room(network="telegram", platform_room_id="-100", title="gone", active=False, created_at=start_at)
        session.add(gone)
        session.flush()
        gone_id = gone.id
    queue(forum, "telegram", "c", start_at - timedelta(days=30), room_id=gone_id)
    queue(forum, "console", "nowhere", start_at)  # neither room nor person: the console cannot deliver it
    await play(forum, "[secretariat] alice: /whoami\n", prefix="u")  # its outbox pass fails on that message
    clock.advance(timedelta(minutes=3))

    samples = scrape(metrics)
    assert value(samples, "forumbot_outbox_depth", network="telegram") == 2 == undelivered(forum, "telegram") - 1
    assert value(samples, "forumbot_outbox_parked", network="telegram") == 1
    assert value(samples, "forumbot_outbox_oldest_age_seconds", network="telegram") == 10 * 60  # 7 + 3 minutes
    assert value(samples, "forumbot_outbox_depth", network="console") == 1 == undelivered(forum, "console")
    assert value(samples, "forumbot_outbox_oldest_age_seconds", network="console") == 3 * 60
    assert value(samples, "forumbot_delivery_failures_total", network="console", reason="RuntimeError") == 1
    assert value(samples, "forumbot_outbox_readable") == 1

    with unit_of_work(forum.engine) as session:  # delivered meanwhile, by another process
        for message in session.exec(select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))):
            message.sent_at = clock.now()
    samples = scrape(metrics)
    assert value(samples, "forumbot_outbox_depth", network="telegram") == 0
    assert value(samples, "forumbot_outbox_oldest_age_seconds", network="telegram") == 0


async def test_a_real_time_pass_reports_how_late_it_ran(forum: Forum) -> None:
    metrics = Metrics.of(forum)
    await play(forum, "@at 2024-01-15 09:00\n@admin alice\n[secretariat] alice: /room secretariat\n"
                      "[secretariat] alice: /role @bob cochair until=2024-03-01\n")
    assert value(scrape(metrics), "forumbot_due_lag_seconds") is None  # no pass yet
    clock = forum.clock
    assert isinstance(clock, SimulatedClock)
    clock.advance(timedelta(days=1))  # the scheduler was stopped for a day: the mandate warning is late
    due = forum.due.next_due(clock.now())
    assert due is not None and due < clock.now()
    scheduler = DueScheduler(forum)
    await scheduler.tick()
    samples = scrape(metrics)
    assert value(samples, "forumbot_due_lag_seconds") == (clock.now() - due).total_seconds() > 0
    assert value(samples, "forumbot_due_last_pass_timestamp_seconds") == clock.now().timestamp()
    await scheduler.tick()  # nothing left that is due: on time
    assert value(scrape(metrics), "forumbot_due_lag_seconds") == 0


def test_the_receiver_lock_is_reported_while_held(postgres_url: str, sqlite_url: str) -> None:
    metrics = Metrics(make_engine(sqlite_url), SimulatedClock(FORUM_EPOCH))
    metrics.watch_lock("matrix", None)  # SQLite: no lock, this process receives
    lock = ReceiverLock(postgres_url, receiver_key("telegram", "metrics-test"))
    metrics.watch_lock("telegram", lock)
    try:
        assert value(scrape(metrics), "forumbot_receiver_lock_held", network="telegram") == 0
        assert lock.try_acquire()
        assert value(scrape(metrics), "forumbot_receiver_lock_held", network="telegram") == 1
        lock.abandon()
        assert value(scrape(metrics), "forumbot_receiver_lock_held", network="telegram") == 0
        assert value(scrape(metrics), "forumbot_receiver_lock_held", network="matrix") == 1
    finally:
        lock.dispose()


async def get(url: str, **headers: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as client, client.get(url, headers=headers) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


@pytest.mark.sqlite_only
async def test_metrics_on_the_web_port_in_the_prometheus_format(forum: Forum) -> None:
    metrics = Metrics(forum.engine, forum.clock, ["telegram"])
    site = Site(forum.engine, forum.config, forum.clock)
    port = free_port()
    runner = await start(site, "127.0.0.1", port, metrics.render)
    try:
        status, kind, body = await get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and kind.startswith("text/plain; version=") and "charset=utf-8" in kind
        assert 'forumbot_outbox_depth{network="telegram"} 0.0' in body.splitlines()
        status, kind, body = await get(f"http://127.0.0.1:{port}/metrics",
                                       Accept="application/openmetrics-text; version=1.0.0")
        assert status == 200 and kind.startswith("application/openmetrics-text") and body.endswith("# EOF\n")
        status, kind, _ = await get(f"http://127.0.0.1:{port}/en/")
        assert status == 200 and kind.startswith("text/html")  # the site is still there
    finally:
        await runner.cleanup()
    runner = await start(site, "127.0.0.1", port)  # metrics off: no such page
    try:
        status, kind, _ = await get(f"http://127.0.0.1:{port}/metrics")
        assert status == 404 and kind.startswith("text/html")
    finally:
        await runner.cleanup()


@pytest.mark.sqlite_only
async def test_metrics_on_their_own_port_without_the_site(forum: Forum) -> None:
    port = free_port()
    task = asyncio.create_task(serve_metrics(Metrics.of(forum), "127.0.0.1", port))
    try:
        for _ in range(200):  # until it listens (no timed assert: it is up once it answers)
            with contextlib.suppress(aiohttp.ClientConnectionError):
                status, kind, body = await get(f"http://127.0.0.1:{port}/metrics")
                break
            await asyncio.sleep(0.05)
        assert status == 200 and kind.startswith("text/plain; version=") and "forumbot_outbox_readable 1.0" in body
        status, _, _ = await get(f"http://127.0.0.1:{port}/en/")
        assert status == 404
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_metrics_settings_are_read_and_off_by_default(tmp_path: Path) -> None:
    from bot.config import ConfigError

    path = tmp_path / "config.toml"
    assert parse_config({}, {}).metrics == MetricsConfig(enabled=False, listen="127.0.0.1", port=9464)
    path.write_text("[metrics]\nenabled = true\nlisten = \"0.0.0.0\"\nport = 9100\n")
    assert load_config(path, env={}).metrics == MetricsConfig(enabled=True, listen="0.0.0.0", port=9100)
    path.write_text("[metrics]\nenabled = \"yes\"\n")
    with pytest.raises(ConfigError, match=r"metrics\.enabled"):
        load_config(path, env={})
    path.write_text("[metrics]\npath = \"/m\"\n")
    with pytest.raises(ConfigError, match=r"metrics\.path"):
        load_config(path, env={})
    path.write_text("")
    assert not load_config(path, env={}).metrics.enabled


async def test_check_reports_the_outbox_backlog_and_the_due_lag(forum: Forum,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    await play(forum, "@at 2024-01-15 09:00\n@admin alice\n[secretariat] alice: /room secretariat\n")
    clock = forum.clock
    assert isinstance(clock, SimulatedClock)
    assert await check(forum.config, clock.now()) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "ok   outbox: every message delivered" in lines
    assert "ok   due work: nothing late (next item due in 91 d)" in lines  # (processed events pruned)

    # a mandate ending on 1 March is warned of 60 days before: that is already past, and no `forum-bot run` has
    # acted on it (play runs due work only on @at and @advance)
    await play(forum, "[secretariat] alice: /role @bob cochair until=2024-03-01\n", prefix="u")
    queue(forum, "telegram", "a", clock.now() - timedelta(minutes=7, seconds=5))
    assert await check(forum.config, clock.now()) == 0  # (a backlog is reported, not a failure: see operations.md)
    lines = capsys.readouterr().out.splitlines()
    assert "ok   outbox: telegram 1 waiting, the oldest for 7 min 5 s" in lines
    assert "ok   due work: 13 d 9 h late (the earliest item undone fell due at 2024-01-01 23:00 UTC)" in lines
    assert clock.now() == datetime(2024, 1, 15, 8, 0, tzinfo=UTC)


def test_scrapes_of_two_forums_do_not_mix(forum: Forum, tmp_path: Path) -> None:
    """A registry per process (per `Metrics`), never the library's global one."""
    first, second = Metrics(forum.engine, forum.clock), Metrics(forum.engine, forum.clock)
    first.delivery_failed("telegram", "TimedOut")
    assert value(scrape(first), "forumbot_delivery_failures_total", network="telegram", reason="TimedOut") == 1
    assert value(scrape(second), "forumbot_delivery_failures_total", network="telegram", reason="TimedOut") is None

