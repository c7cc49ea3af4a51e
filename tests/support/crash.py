"""Bot processes to kill and restart, and the database records a run is judged by.

`forked(...)` and `spawned(...)` both start `forum-bot console --script FILE --db URL` as a separate OS process whose
standard output the test reads line by line (that is the only synchronisation: no sleeps). `spawned` runs
`python -m bot`; `forked` forks the test process, which has already imported the bot, and calls the same entry point
(`bot.cli.main`) in the child. A forked child is a real process with its own database connections: SIGKILL ends it
exactly like a `python -m bot` process (no Python code runs, the kernel closes its files and sockets); it only
skips the second or so of interpreter start and imports, which makes twenty and more kill points affordable.

`snapshot(url)` reads what a run must agree on with an uninterrupted one. It compares database records, never
stdout: a transport delivers first and then marks the row sent, so a kill between the two prints a message twice —
the at-least-once window every chat transport has (the outbox key still exists once, and is marked sent once).
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
from sqlmodel import Session, col, select

from bot.storage.db import make_engine
from bot.storage.tables import (
    Account,
    AuditEvent,
    Ballot,
    CadenceReminder,
    Decision,
    Meeting,
    Milestone,
    OutboxMessage,
    Participation,
    ProcessedEvent,
    Room,
    SecretChoice,
    Vote,
)
from tests.support import TEST_BALLOT_KEY

ROOT = Path(__file__).resolve().parents[2]
YEAR_SCRIPT = ROOT / "tests" / "scripts" / "forum_year.txt"


class BotProcess:
    """A running `forum-bot console --script` process; `lines()` yields what it prints, as it prints it."""

    pid: int
    stdout: IO[str]

    def lines(self) -> Iterator[str]:
        for line in self.stdout:
            yield line.rstrip("\n")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> int:
        raise NotImplementedError


class _Spawned(BotProcess):
    def __init__(self, argv: list[str], stderr: IO[Any]) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
        env.setdefault("FORUMBOT_BALLOT_KEY", TEST_BALLOT_KEY)  # processes sharing a PostgreSQL database share it
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", *argv], stdout=subprocess.PIPE, stderr=stderr,
                                     stdin=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
        assert self.proc.stdout is not None
        self.pid, self.stdout = self.proc.pid, self.proc.stdout

    def wait(self) -> int:
        code = self.proc.wait(timeout=300)
        self.stdout.close()
        return code


class _Forked(BotProcess):
    def __init__(self, argv: list[str], stderr: IO[Any], before: Any = None) -> None:
        read, write = os.pipe()
        err = stderr.fileno()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 70
            try:
                os.close(read)
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                os.dup2(write, 1)
                os.dup2(err, 2)
                sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", line_buffering=True)
                sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", line_buffering=True)
                from bot.cli import main

                if before is not None:
                    before()
                code = main(argv)
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:  # report, then leave without running pytest's code
                import traceback

                traceback.print_exc()
                sys.stderr.flush()
            finally:
                os._exit(code)
        os.close(write)
        self.pid = pid
        self.stdout = open(read, encoding="utf-8")  # noqa: SIM115  (closed in wait)

    def wait(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        self.stdout.close()
        return os.waitstatus_to_exitcode(status)


def console_argv(db_url: str, script: Path, *extra: str) -> list[str]:
    return [*extra, "console", "--script", str(script), "--db", db_url]


def spawned(argv: list[str], stderr: IO[Any]) -> BotProcess:
    """`python -m bot ARGV`, a fresh interpreter."""
    return _Spawned(argv, stderr)


def forked(argv: list[str], stderr: IO[Any], before: Any = None) -> BotProcess:
    """`bot.cli.main(ARGV)` in a forked child of the test process (`before()` first, in the child)."""
    return _Forked(argv, stderr, before)


@pytest.fixture(scope="session")
def year_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[str]]:
    """The year played once, never killed, by `python -m bot console --script` on a fresh SQLite file: the records
    every interrupted or concurrent run is compared with, and its output."""
    tmp = tmp_path_factory.mktemp("reference")
    url = f"sqlite:///{tmp}/reference.sqlite3"
    with open(tmp / "stderr.log", "w") as err:
        out = run_to_end(spawned, console_argv(url, YEAR_SCRIPT), err)
    return snapshot(url), out


def run_to_end(launch: Any, argv: list[str], stderr: IO[Any]) -> list[str]:
    proc = launch(argv, stderr)
    out = list(proc.lines())
    code = proc.wait()
    assert code == 0, f"forum-bot {' '.join(argv)} exited with {code}"
    return out


@dataclass
class KilledRun:
    """One database played to the end through kills and restarts."""

    seed: int
    kills: int = 0
    starts: int = 0
    lines_read: list[int] = field(default_factory=list)  # how many lines each killed process had printed
    stdout: list[str] = field(default_factory=list)


def play_with_kills(launch: Any, argv: list[str], stderr: IO[Any], seed: int, kills: int,
                    reference_lines: int) -> KilledRun:
    """Play the script, SIGKILL the process `kills` times at random points, restart it each time until it ends.

    The kill points are drawn (seeded) as positions in the reference output, spread over the whole year; a
    process is killed once it has printed enough lines to reach the next position, after a random pause of up to
    20 ms measured from that line, so kills land between lines too, in the middle of due passes or deliveries.
    """
    rng = random.Random(seed)
    # positions in the first 90% of the output: lines a killed process wrote after the one that triggered its
    # kill are lost with it (never read), so the count of lines read runs a little behind the reference
    pending = sorted(rng.sample(range(1, max(reference_lines * 9 // 10, kills + 1)), kills))
    run = KilledRun(seed)
    printed = 0
    while True:
        proc = launch(argv, stderr)
        run.starts += 1
        read = 0
        target = max(pending[0] - printed, 1) if pending else None
        for line in proc.lines():
            run.stdout.append(line)
            read += 1
            if target is not None and read >= target:
                time.sleep(rng.random() * 0.02)
                proc.kill()
                # what it printed before it died was delivered too: keep it (not counted as read)
                run.stdout.extend(rest.rstrip("\n") for rest in proc.stdout)
                break
        printed += read
        code = proc.wait()
        if code == -signal.SIGKILL:
            run.kills += 1
            run.lines_read.append(read)
            pending.pop(0)
            continue
        # it ended on its own (possibly before a kill point was reached: then fewer kills landed)
        assert code == 0, f"seed {seed}: forum-bot exited with {code} after {read} lines"
        return run


# --------------------------------------------------------------------------- what runs are compared by


def snapshot(url: str) -> dict[str, Any]:
    """The records an interrupted run must share with an uninterrupted one (no timestamps: see below).

    Timestamps are left out: they are those of the simulated clock and would match too, but a difference in them
    only matters through what was decided and said, which is compared.
    """
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            votes = s.exec(select(Vote).order_by(col(Vote.id))).all()
            closes = Counter(int(a.object_id) for a in s.exec(select(AuditEvent).where(
                AuditEvent.action == "vote.close")).all())
            outbox = s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
            secret: dict[int, list[str]] = {}
            for row in s.exec(select(SecretChoice)).all():
                secret.setdefault(row.vote_id, []).append(row.choice)
            return {
                "decisions": sorted((d.vote_id or 0, d.title, d.outcome, d.votes_for, d.votes_against,
                                     d.abstentions, d.cast, d.electorate, d.tie, tuple(d.elected or ()))
                                    for d in s.exec(select(Decision)).all()),
                "votes": [(v.id, v.kind, v.title, v.status, v.secret, v.closed_by, v.result) for v in votes],
                "closes": dict(closes),
                "ballots": sorted((b.vote_id, b.person_id, b.choice, b.reason or "")
                                  for b in s.exec(select(Ballot)).all()),
                "participation": dict(Counter(p.vote_id for p in s.exec(select(Participation)).all())),
                "secret_choices": {k: sorted(v) for k, v in secret.items()},
                "outbox_keys": sorted(m.key for m in outbox),
                # and what each says: a due pass run at another moment than in the reference would say "1 day
                # late" instead of "32 days late", or list another week's items in a digest
                "outbox_texts": sorted((m.key, m.text) for m in outbox),
                "unsent": sorted(m.key for m in outbox if m.sent_at is None),
                "milestones": [(m.id, m.due.isoformat(), m.done_at is not None, m.overdue_alerted_at is not None)
                               for m in s.exec(select(Milestone).order_by(col(Milestone.id))).all()],
                "meetings": [(m.id, m.status, m.starts_at.isoformat())
                             for m in s.exec(select(Meeting).order_by(col(Meeting.id))).all()],
                "reminders_done": sorted((r.key, r.sent) for r in s.exec(select(CadenceReminder)).all()),
                "audit": sorted(Counter((a.action, a.object_type, a.object_id)
                                        for a in s.exec(select(AuditEvent)).all()).items()),
                "processed_events": len(s.exec(select(ProcessedEvent.event_id)).all()),
            }
    finally:
        engine.dispose()


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Readable differences between two snapshots (empty when they agree)."""
    found = []
    for name, want in expected.items():
        got = actual.get(name)
        if got == want:
            continue
        if isinstance(want, list) and isinstance(got, list):
            missing = [x for x in want if x not in got][:5]
            extra = [x for x in got if x not in want][:5]
            found.append(f"{name}: missing {missing}, unexpected {extra}")
        else:
            found.append(f"{name}: expected {want!r}, got {got!r}")
    return found


def printed_first_lines(url: str) -> Counter[str]:
    """What the console transport prints first for each outbox row (`[label] bot: first line`), as a multiset."""
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            rooms = {r.id: r for r in s.exec(select(Room)).all()}
            accounts = {a.person_id: a for a in s.exec(select(Account)).all()}
            lines: Counter[str] = Counter()
            for m in s.exec(select(OutboxMessage)).all():
                room = rooms.get(m.room_id) if m.room_id else None
                if room is not None:
                    label = (f"dm {room.platform_room_id.removeprefix('dm:')}" if room.is_private
                             else room.platform_room_id)
                else:
                    label = f"dm {accounts[m.person_id].platform_user_id}"
                lines[f"[{label}] bot: {m.text.split(chr(10))[0]}"] += 1
            return lines
    finally:
        engine.dispose()


def first_lines(output: list[str]) -> Counter[str]:
    """The first line of each message printed (further lines are indented)."""
    return Counter(line for line in output if not line.startswith("  "))
