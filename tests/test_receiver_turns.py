"""One receiver per network (bot/runtime/receiver_lock.py): processes sharing a PostgreSQL database take turns.

The first tests run the same `Turns` as `forum-bot run`, two of them in this process, each with its own lock and
connection (two processes, as far as PostgreSQL can tell), receiving with a stand-in for a network that records who
receives when. Killing a holder's backend (`pg_terminate_backend`) is what PostgreSQL sees when a process dies or
its network goes away. The last test runs two real `forum-bot run` processes against the Telegram emulator and
SIGKILLs the one receiving. No test sleeps to wait for the bot: each waits for a condition, with a deadline.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.config import Config, LeadershipConfig, load_config
from bot.messages import Incoming
from bot.runtime.process import leader_lock, send_telegram, telegram_identity
from bot.runtime.receiver_lock import Receive, ReceiverLock, Turns, receiver_key
from bot.runtime.scheduler import DueScheduler
from bot.storage.db import make_engine
from tests.support import TEST_BALLOT_KEY
from tests.support.telegram_bot import TOKEN, telegram_forum
from tests.support.telegram_emulator import TelegramEmulator
from tests.support.waiting import until

ROOT = Path(__file__).resolve().parents[1]
FAST = LeadershipConfig(retry_seconds=0.02, check_seconds=0.25)
KEY = receiver_key("telegram", "123456")


@dataclass
class Network:
    """A stand-in for a chat network: it knows who receives from it, and whether two ever did at once."""

    receiving: set[str] = field(default_factory=set)
    turns: list[str] = field(default_factory=list)
    most_at_once: int = 0

    def receiver(self, name: str) -> Receive:
        async def receive(stop: asyncio.Event) -> None:
            self.receiving.add(name)
            self.turns.append(name)
            self.most_at_once = max(self.most_at_once, len(self.receiving))
            try:
                await stop.wait()
            finally:
                self.receiving.discard(name)

        return receive


def terminate_backend(url: str, pid: int | None) -> None:
    """What PostgreSQL sees when the process holding that connection dies, or its network goes."""
    assert pid is not None
    with admin(url) as conn:
        assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)


def admin(url: str) -> psycopg.Connection[tuple[object, ...]]:
    u = make_url(url)
    return psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database, autocommit=True)


@pytest.fixture
async def contenders(postgres_url: str) -> AsyncIterator[list[asyncio.Task[None]]]:
    """The contenders' tasks, cancelled after the test (their connections closed)."""
    tasks: list[asyncio.Task[None]] = []
    yield tasks
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def contend(tasks: list[asyncio.Task[None]], url: str, network: Network, name: str,
            settings: LeadershipConfig = FAST, key: int = KEY) -> Turns:
    turns = Turns("telegram", ReceiverLock(url, key), settings)
    tasks.append(asyncio.create_task(turns.run(network.receiver(name))))
    return turns


async def test_only_one_of_two_processes_receives(postgres_url: str, contenders: list[asyncio.Task[None]],
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "forumbot.runtime.receiver_lock")
    network = Network()
    a = contend(contenders, postgres_url, network, "a")
    await until(lambda: network.receiving == {"a"}, "a receives")
    b = contend(contenders, postgres_url, network, "b")
    await until(lambda: b.lock.attempts >= 25 or network.most_at_once > 1, "b tried 25 times")
    assert network.receiving == {"a"} and network.turns == ["a"] and network.most_at_once == 1
    assert a.receiving and not b.receiving
    said = [r.getMessage() for r in caplog.records]
    assert said.count("receiving for telegram") == 1 and said.count("standing by for telegram") == 1


async def test_the_standby_takes_over_when_the_receivers_connection_is_killed(
        postgres_url: str, contenders: list[asyncio.Task[None]], caplog: pytest.LogCaptureFixture) -> None:
    network = Network()
    # b tries often, a checks its lock every 0.3 s and, once it lost it, lets b go first
    a = contend(contenders, postgres_url, network, "a", LeadershipConfig(retry_seconds=60, check_seconds=0.3))
    await until(lambda: network.receiving == {"a"}, "a receives")
    b = contend(contenders, postgres_url, network, "b", LeadershipConfig(retry_seconds=0.02, check_seconds=0.3))
    await until(lambda: b.lock.attempts >= 3 or network.most_at_once > 1, "b stands by")
    assert network.receiving == {"a"}
    checks = a.lock.checks
    await until(lambda: a.lock.checks > checks, "a checked its lock")
    # killed just after a check: b takes the lock long before a's next check, and must not receive before a stops
    terminate_backend(postgres_url, a.lock.backend_pid)
    await until(lambda: "b" in network.receiving, "b receives")
    await until(lambda: network.receiving == {"b"}, "a stops receiving")
    assert network.turns == ["a", "b"]
    assert network.most_at_once == 1, "a still received when b started"
    assert not a.receiving and b.receiving
    assert "lost the receiver lock for telegram (its database connection is gone): stopping receiving" in [
        r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


async def test_a_receiver_that_lost_its_connection_stops_receiving(
        postgres_url: str, contenders: list[asyncio.Task[None]]) -> None:
    network = Network()
    a = contend(contenders, postgres_url, network, "a", LeadershipConfig(retry_seconds=0.05, check_seconds=0.25))
    await until(lambda: network.receiving == {"a"}, "a receives")
    with admin(postgres_url) as other:  # another process, which takes the lock as soon as a's connection is gone
        terminate_backend(postgres_url, a.lock.backend_pid)
        deadline = time.monotonic() + 20
        while other.execute("SELECT pg_try_advisory_lock(%s)", (KEY,)).fetchone() != (True,):
            assert time.monotonic() < deadline, "the killed connection kept the lock"
            await asyncio.sleep(0.001)
        await until(lambda: not network.receiving, "a stops receiving")
        attempts = a.lock.attempts
        await until(lambda: a.lock.attempts >= attempts + 5, "a tried again 5 times")
        assert not network.receiving and not a.receiving  # a stands by while the other holds the lock
    await until(lambda: network.receiving == {"a"}, "a receives again once the lock is free")
    assert network.turns == ["a", "a"] and network.most_at_once == 1


async def test_two_bots_on_one_database_do_not_wait_for_each_other(
        postgres_url: str, contenders: list[asyncio.Task[None]]) -> None:
    first, second = Network(), Network()
    contend(contenders, postgres_url, first, "a", key=receiver_key("telegram", telegram_identity("111:AAA")))
    contend(contenders, postgres_url, second, "b", key=receiver_key("telegram", telegram_identity("222:BBB")))
    contend(contenders, postgres_url, second, "c", key=receiver_key("telegram", telegram_identity("222:OTHER")))
    await until(lambda: (first.receiving == {"a"} and len(second.receiving) == 1) or second.most_at_once > 1,
                "each bot has a receiver")
    assert second.most_at_once == 1  # two tokens of one bot: one receiver
    assert receiver_key("telegram", "x") != receiver_key("matrix", "x")


def test_on_sqlite_there_is_no_lock(sqlite_url: str, postgres_url: str) -> None:
    """A SQLite file serves one process (bot/storage/lock.py): it receives at once, as before."""
    assert leader_lock(make_engine(sqlite_url), "telegram", "1") is None
    lock = leader_lock(make_engine(postgres_url), "telegram", "1")
    assert isinstance(lock, ReceiverLock)
    lock.dispose()


def test_leadership_settings_are_read_and_checked(tmp_path: Path) -> None:
    from bot.config import ConfigError

    path = tmp_path / "config.toml"
    path.write_text("[leadership]\nretry_seconds = 2\ncheck_seconds = 0.5\n")
    assert load_config(path, env={}).leadership == LeadershipConfig(retry_seconds=2.0, check_seconds=0.5)
    path.write_text("[leadership]\ncheck_seconds = 0\n")
    with pytest.raises(ConfigError, match=r"leadership\.check_seconds"):
        load_config(path, env={})


@pytest.mark.sqlite_only
async def test_a_telegram_standby_sends_without_reading_updates(config: Config, emu: TelegramEmulator) -> None:
    forum = telegram_forum(config, emu)
    try:
        alice = emu.user(1001, "Alice", username="alice")
        chat = emu.private_chat(alice)
        await forum.handle(Incoming(network="telegram", event_id="m1", room_id=str(chat.id), is_private=True,
                                    user_id=str(alice.id), handle="alice", text="/lang en"))  # an answer is queued
        stop = asyncio.Event()
        standby = asyncio.create_task(send_telegram(forum, DueScheduler(forum), stop))
        [answer] = await emu.wait_for_messages(1, chat_id=chat.id)
        assert "English" in answer.text
        stop.set()
        await asyncio.wait_for(standby, 10)
        assert emu.call_counts["getUpdates"] == 0
    finally:
        forum.engine.dispose()


# ------------------------------------------------------------------------------ real processes

class RunProcess:
    """`forum-bot run` in its own interpreter; its JSON log lines are collected as they come."""

    def __init__(self, config_path: Path) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), FORUMBOT_TELEGRAM_TOKEN=TOKEN,
                   FORUMBOT_BALLOT_KEY=TEST_BALLOT_KEY)
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "--log-level", "INFO", "run", "--config",
                                      str(config_path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        self.lines: list[str] = []
        self.reader = asyncio.get_running_loop().run_in_executor(None, self._read)

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def said(self, message: str) -> int:
        return sum(1 for line in self.lines if line.startswith("{") and json.loads(line).get("msg") == message)

    async def end(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        await asyncio.get_running_loop().run_in_executor(None, self.proc.wait, 60)
        await self.reader


async def test_two_run_processes_one_polls_telegram_and_the_other_takes_over_when_it_is_killed(
        postgres_url: str, emu: TelegramEmulator, tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade", "--db", postgres_url], check=True, cwd=ROOT,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, timeout=120)
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'database_url = "{postgres_url}"\n[admins]\ntelegram = ["@alice"]\n'
                           f'[telegram]\nbase_url = "{emu.base_url}"\nbase_file_url = "{emu.base_file_url}"\n'
                           "[leadership]\nretry_seconds = 0.2\ncheck_seconds = 0.25\n")
    alice = emu.user(1001, "Alice", username="alice")
    chat = emu.private_chat(alice)
    first = RunProcess(config_path)
    second: RunProcess | None = None
    try:
        await until(lambda: first.said("receiving for telegram") == 1, "the first process receives", 120)
        second = RunProcess(config_path)
        await until(lambda: second is not None and second.said("standing by for telegram") == 1,
                    "the second process stands by", 120)
        emu.send_text(chat, alice, "/lang en")
        await emu.wait_for_messages(1, chat_id=chat.id, timeout=30)

        first.proc.kill()  # SIGKILL: no goodbye, the kernel closes its connections
        # The kernel closing the killed process's connection releases its lock at once, and the second tries again
        # every 0.2 s: the bound is that of `until`, a minute, far below what a lock kept by a half-open connection
        # would last (TCP keepalive: two hours by default). No tighter wall-clock bound: a loaded machine is slow.
        await until(lambda: second is not None and second.said("receiving for telegram") == 1,
                    "the second process takes over", 60)
        emu.send_text(chat, alice, "/whoami")
        await emu.wait_for_messages(2, chat_id=chat.id, timeout=30)
        assert second.said("receiving for telegram") == 1 and first.said("receiving for telegram") == 1
    finally:
        await first.end(signal.SIGKILL)
        if second is not None:
            await second.end()
    conflicts = [f for f in emu.failed if f.method.lower() == "getupdates"]
    assert not conflicts, conflicts  # never two readers at once: Telegram would have answered 409
    assert second.said("receiving for telegram") == 1 and first.said("standing by for telegram") == 0


async def test_a_transport_that_runs_until_cancelled_is_stopped_and_its_listeners_forgotten(
        sqlite_url: str) -> None:
    """How `forum-bot run` stops the Matrix side when the lock is lost: cancelled, its scheduler listener gone."""
    from bot.runtime.process import _listening
    from bot.runtime.receiver_lock import until_stopped

    scheduler: Any = _Listeners()
    ended: list[str] = []

    async def transport_run(sched: Any) -> None:  # like run_matrix: registers a listener, runs until cancelled
        sched.on_work_done(wake)
        try:
            await asyncio.Event().wait()
        finally:
            ended.append("stopped")

    async def wake() -> None:
        pass

    stop = asyncio.Event()
    with _listening(scheduler) as scoped:
        task = asyncio.create_task(until_stopped(lambda: transport_run(scoped), stop))
        await until(lambda: scheduler.listeners == [wake], "the transport registered its listener")
        stop.set()
        await asyncio.wait_for(task, 10)
    assert ended == ["stopped"] and scheduler.listeners == []


class _Listeners:
    def __init__(self) -> None:
        self.listeners: list[Any] = []

    def on_work_done(self, listener: Any) -> None:
        self.listeners.append(listener)

    def off_work_done(self, listener: Any) -> None:
        self.listeners.remove(listener)
