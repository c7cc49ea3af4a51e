"""A vote closes once: `/vote close` and the deadline pass (due source "votes.close") meeting on the same vote.

Both go through `close_vote`, whose compare-and-set (`UPDATE vote SET status='closed' WHERE id=… AND
status='open'`) lets one of them close the vote and tells the other it was already closed. Whatever the order,
the vote has one Decision, one result message per room of its body (one outbox row each, printed once), one
`vote.close` audit entry and one "decided" step in its proposal's history.

Three ways they meet, each on SQLite and PostgreSQL unless said otherwise:
- one after the other, at the same simulated moment, in both orders;
- really at once: two bots on the same database (each its own Forum, engine and connections), in two threads,
  stepped by SQLAlchemy hooks so that both have read the vote as open before either commits (PostgreSQL: the second
  UPDATE waits on the first's row lock, and must find the vote closed once it gets it);
- (PostgreSQL) two `forum-bot console --script` processes, one running the deadline pass and the other handling
  `/vote close`, stepped the same way through pipes to this test.
"""

from __future__ import annotations

import asyncio
import os
import select as select_module
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session, col, select

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import BALLOT_KEY_ENV, Config
from bot.messages import Handled, Incoming
from bot.storage.db import make_engine
from bot.storage.tables import AuditEvent, Decision, OutboxMessage, ProposalEvent, Room, Vote
from bot.transports.base import drain_outbox
from bot.transports.console import ConsoleTransport
from tests.support import TEST_BALLOT_KEY
from tests.support.crash import BotProcess, console_argv, forked
from tests.support.forum_setup import committee, lines, propose, start
from tests.transcript import play

START = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
CLOSES = datetime(2024, 1, 18, 8, 0, tzinfo=UTC)  # 9:00 in Paris, three days after the vote opened
CLOSES_LOCAL = "2024-01-18 09:00"

# Two rooms for the committee: the result is posted in each, once.
SETUP = start() + committee(("carol", "dave"), rooms=("committee", "board")) + propose("Publish the minutes") + lines(
    "[committee] bob: /vote open P1 closes=3d",
    "[committee] carol: /vote V1 yes",
    "[committee] dave: /vote V1 no",
    "@at 2024-01-18 08:59")

RESULT_LINES = ["[committee] bot: Vote V1 is closed: Publish the minutes",
                "[board] bot: Vote V1 is closed: Publish the minutes",
                "[dm carol] bot: Your proposal P1: the vote is closed."]
ALREADY = "Vote V1 is already closed."
CLOSE_UPDATE = "UPDATE vote SET status"  # close_vote's compare-and-set, as SQLAlchemy renders it
WAIT = 30.0  # seconds any step may take before the test gives up (never reached when it passes)


def close_command(event_id: str) -> Incoming:
    """`[committee] bob: /vote close V1`, as the console sends it."""
    return Incoming(network="console", event_id=event_id, room_id="committee", room_title="committee",
                    user_id="bob", handle="bob", display_name="bob", text="/vote close V1", message_id=event_id)


async def open_vote(forum: Forum) -> None:
    """The vote V1 open, its reminder sent, everything delivered, the clock a minute before the deadline."""
    out = await play(forum, SETUP, prefix="setup")
    assert "[dm bob] bot: Reminder: you have not voted yet in V1" in out and "!!" not in out
    assert forum.clock.now() == CLOSES - timedelta(minutes=1)
    assert forum.due.next_due(forum.clock.now()) == CLOSES


@dataclass
class Records:
    decisions: int
    result_keys: list[str]
    closes_audited: int
    decided_steps: int
    status: str
    closed_by: int | None
    bob: int


def records(engine: Engine) -> Records:
    with Session(engine) as s:
        vote = s.get(Vote, 1)
        assert vote is not None
        bob = s.exec(select(Room.person_id).where(Room.platform_room_id == "dm:bob")).one()
        assert bob is not None
        return Records(
            decisions=len(s.exec(select(Decision).where(Decision.vote_id == 1)).all()),
            result_keys=sorted(s.exec(select(OutboxMessage.key).where(OutboxMessage.kind == "vote_result")).all()),
            closes_audited=len(s.exec(select(AuditEvent).where(AuditEvent.action == "vote.close",
                                                               AuditEvent.object_id == "1")).all()),
            decided_steps=len(s.exec(select(ProposalEvent).where(ProposalEvent.proposal_id == 1,
                                                                ProposalEvent.action == "decided")).all()),
            status=vote.status, closed_by=vote.closed_by, bob=bob)


def result_rooms(engine: Engine) -> list[str]:
    with Session(engine) as s:
        ids = s.exec(select(Room.id).where(Room.purpose == "committee").order_by(col(Room.id))).all()
    assert len(ids) == 2
    return sorted(f"vote:1:result@r{i}" for i in ids)


def assert_closed_once(engine: Engine, printed: list[str], by_command: bool) -> None:
    found = records(engine)
    assert found.decisions == 1, f"{found.decisions} decisions for V1"
    assert found.result_keys == result_rooms(engine)
    assert found.closes_audited == 1, f"{found.closes_audited} vote.close audit entries for V1"
    assert found.decided_steps == 1, f"{found.decided_steps} 'decided' steps for P1"
    assert found.status == "closed" and found.closed_by == (found.bob if by_command else None)
    firsts = [line for line in printed if not line.startswith("  ")]
    for line in RESULT_LINES:
        assert firsts.count(line) == 1, (line, printed)


async def delivered(forum: Forum) -> list[str]:
    out: list[str] = []
    await drain_outbox(forum, ConsoleTransport(out.append))
    return out


# --------------------------------------------------------------------------- one after the other


@pytest.mark.parametrize("command_first", [True, False], ids=["command-then-pass", "pass-then-command"])
async def test_the_command_and_the_deadline_pass_at_the_same_moment(forum: Forum, command_first: bool) -> None:
    await open_vote(forum)
    forum.clock.set(CLOSES)  # type: ignore[attr-defined]
    printed: list[str] = []
    if command_first:
        handled = await forum.handle(close_command("close"))
        assert forum.run_due() == 0
    else:
        assert forum.run_due() == 1
        handled = await forum.handle(close_command("close"))
    printed += await delivered(forum)
    assert handled.outcome == ("ok" if command_first else "refused")
    assert handled.replies == ([] if command_first else [ALREADY])
    # and nothing more happens later: another pass, another /vote close
    assert forum.run_due() == 0
    assert (await forum.handle(close_command("again"))).replies == [ALREADY]
    printed += await delivered(forum)
    assert_closed_once(forum.engine, printed, by_command=command_first)


# --------------------------------------------------------------------------- at once, two bots in one process


class Steps:
    """Steps two transactions through close_vote's UPDATE: both reach it (having read the vote as open), the first
    runs it, then the second, which on PostgreSQL waits for the first's row lock; the first commits only once the
    second is waiting (or, on SQLite, about to run its UPDATE, behind the first's write lock)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.both_read = threading.Barrier(2, timeout=WAIT)
        self.first_updated = threading.Event()
        self.second_updating = threading.Event()
        self.first_committing = False
        self.rowcounts: dict[str, int] = {}
        self.reached = threading.Event()  # some transaction is at the UPDATE

    def watch(self, engine: Engine, name: str, first: bool) -> None:
        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if not statement.startswith(CLOSE_UPDATE):
                return
            self.reached.set()
            self.both_read.wait()
            if not first:
                assert self.first_updated.wait(WAIT)
                self.second_updating.set()

        def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.startswith(CLOSE_UPDATE):
                self.rowcounts[name] = cursor.rowcount
                if first:
                    self.first_updated.set()

        def commit(conn: Any) -> None:
            if first and self.first_updated.is_set() and not self.first_committing:
                self.first_committing = True
                assert self.second_updating.wait(WAIT)
                if not self.url.startswith("sqlite"):
                    wait_for_a_lock_wait(self.url)

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        event.listen(engine, "commit", commit)


def wait_for_a_lock_wait(url: str) -> None:
    """Until a backend of this database waits for a lock (the second UPDATE, behind the first's row lock)."""
    engine = make_engine(url)
    try:
        deadline = time.monotonic() + WAIT
        with engine.connect() as conn:
            while not conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND wait_event_type = 'Lock'")).scalar():
                assert time.monotonic() < deadline, "the second UPDATE never waited for the row lock"
                conn.rollback()
                time.sleep(0.002)
    finally:
        engine.dispose()


def in_thread(work: Callable[[], Any], results: dict[str, Any], name: str) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = work()
        except BaseException as exc:  # reported by the test's thread
            results[name] = exc

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


@pytest.fixture
def two_bots(forum: Forum) -> Iterator[tuple[Forum, Forum]]:
    """The bot that handles `/vote close` and the one that runs the deadline pass, each with its own engine."""
    commands = Forum(forum.config, SimulatedClock(START), migrate=False)
    deadlines = Forum(forum.config, SimulatedClock(START), migrate=False)
    yield commands, deadlines
    commands.engine.dispose()
    deadlines.engine.dispose()


@pytest.mark.parametrize("command_first", [True, False], ids=["command-commits-first", "pass-commits-first"])
async def test_the_command_and_the_deadline_pass_at_once(forum: Forum, two_bots: tuple[Forum, Forum],
                                                         command_first: bool) -> None:
    sqlite = forum.config.database_url.startswith("sqlite")
    if sqlite and not command_first:
        pytest.skip("on SQLite the command holds the write lock from its first statement (the event's claim), "
                    "before it reads the vote: the pass's UPDATE can only run after the command has committed")
    await open_vote(forum)
    commands, deadlines = two_bots
    commands.clock.set(CLOSES)  # type: ignore[attr-defined]
    steps = Steps(forum.config.database_url)
    steps.watch(commands.engine, "command", first=command_first)
    steps.watch(deadlines.engine, "pass", first=not command_first)
    results: dict[str, Any] = {}
    # the pass first, up to its UPDATE: it reads the open vote without writing anything, so on SQLite it never
    # waits for the write lock the command takes from its first statement (the command then reads the vote too)
    threads = [in_thread(lambda: deadlines.due.run(CLOSES), results, "pass")]
    assert steps.reached.wait(WAIT)
    threads.append(in_thread(lambda: asyncio.run(commands.handle(close_command("close"))), results, "command"))
    for thread in threads:
        thread.join(WAIT * 2)
        assert not thread.is_alive(), f"{thread.name} is stuck"
    assert not any(isinstance(r, BaseException) for r in results.values()), results
    handled: Handled = results["command"]
    assert steps.rowcounts == {"command": int(command_first), "pass": int(not command_first)}
    assert handled.outcome == ("ok" if command_first else "refused")
    assert handled.replies == ([] if command_first else [ALREADY])
    assert_closed_once(forum.engine, await delivered(commands), by_command=command_first)


# --------------------------------------------------------------------------- at once, two processes (PostgreSQL)


@dataclass
class Stepped:
    """A forked `forum-bot` process that stops at close_vote's UPDATE (and, when it runs first, before the commit
    after it) and says so on a pipe, until this test tells it to go on."""

    first: bool
    to_test: tuple[int, int] = field(default_factory=os.pipe)
    to_bot: tuple[int, int] = field(default_factory=os.pipe)
    buffer: bytes = b""

    def hooks(self) -> None:
        """Run in the child before the bot starts: the ballot key shared by processes on PostgreSQL, and the stops."""
        os.environ[BALLOT_KEY_ENV] = TEST_BALLOT_KEY
        state = {"updated": False, "stopped_commit": False, "stopped_update": False}

        def tell(what: str) -> None:
            os.write(self.to_test[1], f"{what}\n".encode())

        def stop() -> None:
            assert os.read(self.to_bot[0], 1) == b"g"

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.startswith(CLOSE_UPDATE) and not state["stopped_update"]:
                state["stopped_update"] = True
                tell("at-update")
                stop()

        def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.startswith(CLOSE_UPDATE) and not state["updated"]:
                state["updated"] = True
                tell(f"updated {cursor.rowcount}")

        def commit(conn: Any) -> None:
            if self.first and state["updated"] and not state["stopped_commit"]:
                state["stopped_commit"] = True
                tell("committing")
                stop()

        event.listen(Engine, "before_cursor_execute", before)
        event.listen(Engine, "after_cursor_execute", after)
        event.listen(Engine, "commit", commit)

    def said(self) -> str:
        deadline = time.monotonic() + WAIT
        while b"\n" not in self.buffer:
            ready, _, _ = select_module.select([self.to_test[0]], [], [], max(deadline - time.monotonic(), 0))
            assert ready, f"the {'first' if self.first else 'second'} process said nothing"
            chunk = os.read(self.to_test[0], 4096)
            assert chunk, "the process closed its pipe"
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()

    def go(self) -> None:
        os.write(self.to_bot[1], b"g")

    def close(self) -> None:
        for fd in (*self.to_test, *self.to_bot):
            os.close(fd)


@pytest.mark.parametrize("command_first", [True, False], ids=["command-commits-first", "pass-commits-first"])
def test_two_processes_one_closing_the_other_at_the_deadline(postgres_url: str, tmp_path: Path,
                                                             command_first: bool) -> None:
    """Process `deadline` plays `@at <deadline>` then `@advance 1m` (its deadline pass runs at the deadline);
    process `command` plays `@at <deadline>` (a script's first `@at` only sets the clock) then `/vote close V1`.
    Each stops at close_vote's UPDATE; this test lets the
    first one run it, then the second, waits until the second waits for the first's row lock, and only then lets
    the first commit."""
    config = replace(Config(), database_url=postgres_url, ballot_key=TEST_BALLOT_KEY)
    setup = Forum(config, SimulatedClock(START))  # migrates the empty database
    try:
        asyncio.run(open_vote(setup))
    finally:
        setup.engine.dispose()
    scripts = {"deadline": f"@at {CLOSES_LOCAL}\n@advance 1m\n",
               "command": f"@at {CLOSES_LOCAL}\n[committee] bob: /vote close V1\n"}
    bots = {"command": Stepped(first=command_first), "deadline": Stepped(first=not command_first)}
    first, second = (bots["command"], bots["deadline"]) if command_first else (bots["deadline"], bots["command"])
    procs: dict[str, BotProcess] = {}
    try:
        with open(tmp_path / "stderr.log", "w") as err:
            for name, script in scripts.items():
                path = tmp_path / f"{name}.txt"
                path.write_text(script)
                procs[name] = forked(console_argv(postgres_url, path), err, before=bots[name].hooks)
            assert first.said() == "at-update" and second.said() == "at-update"  # both have read the vote open
            first.go()
            assert first.said() == "updated 1"
            second.go()
            wait_for_a_lock_wait(postgres_url)  # the second UPDATE waits for the first's row lock
            assert first.said() == "committing"
            first.go()
            assert second.said() == "updated 0"
            printed = {name: list(proc.lines()) for name, proc in procs.items()}
            codes = {name: procs.pop(name).wait() for name in list(procs)}
    finally:
        for proc in procs.values():  # those still running when something above failed
            proc.kill()
            proc.wait()
        for bot in bots.values():
            bot.close()
    assert codes == {"command": 0, "deadline": 0}, (tmp_path / "stderr.log").read_text()[-3000:]
    engine = make_engine(postgres_url)
    try:
        both = printed["command"] + printed["deadline"]
        assert_closed_once(engine, both, by_command=command_first)
        assert both.count(f"[committee] bot: {ALREADY}") == (0 if command_first else 1)
    finally:
        engine.dispose()
