"""Vote storm: N eligible members cast ballots on one vote as fast as they can, through the router.

Each round opens a new plenary vote (proposed and opened by a co-chair) and then feeds one `/vote Vk yes|no|abstain`
per member to `forum.handle` as console `Incoming` values, one after the other, delivering the reply (the console
transport's `drain_outbox`) before the next ballot: a closed loop, so the latency of a ballot is its service time.
The baseline, in the same round on the same SQLite file with the bot's own pragmas (`SQLITE_PRAGMAS`: WAL,
synchronous=FULL, foreign keys, busy timeout), is N bare single-row `INSERT` + `COMMIT`s through the sqlite3 module.
The figure is the ratio of the two rates (bot / bare insert), median over the rounds; the target is ≥ 0.3. Reported
beside it: the bare inserts with synchronous=NORMAL (the bot's setting before session 3: no fsync per commit), and
a ballot's own writes (processed event, participation, ballot, audit, reply queued; reply marked sent) through
sqlite3 in two transactions: what the database work costs without the ORM and the forum's logic.

    PYTHONPATH=. python bench/vote_storm.py [--members 1000] [--rounds 3] [--no-deliver]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, col, func, select

from bench._common import machine, median, peak_rss_mb, percentile
from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.domain.people import identify
from bot.messages import Incoming
from bot.storage.db import SQLITE_PRAGMAS, unit_of_work
from bot.storage.tables import Ballot, Participation, Vote
from bot.transports.base import drain_outbox
from bot.transports.console import NETWORK, ConsoleSession

START = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
CHOICES = ("yes", "no", "abstain")


def member(i: int) -> str:
    return f"m{i:05d}"


async def setup(forum: Forum, session: ConsoleSession, members: int) -> None:
    """A plenary with a co-chair and `members` members, each of whom has written to the bot before."""
    lines = ["@admin alice", "[plenary] alice: /room plenary", "[plenary] alice: /role @bob cochair"]
    lines += [f"[plenary] alice: /role @{member(i)} member" for i in range(members)]
    await session.play(lines)
    with unit_of_work(forum.engine) as db:
        for i in range(members):
            name = member(i)
            identify(db, forum.config, forum.clock.now(), NETWORK, name, name, name, None)


def connect(path: Path, synchronous: str = "") -> sqlite3.Connection:
    """A sqlite3 connection with the bot's pragmas (or another synchronous level)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in (*SQLITE_PRAGMAS, "journal_mode=WAL"):
        conn.execute(f"PRAGMA {pragma}")
    if synchronous:
        conn.execute(f"PRAGMA synchronous={synchronous}")
    return conn


def bare_inserts(path: Path, n: int, tag: int, synchronous: str = "") -> float:
    """n single-row INSERT + COMMIT on the same file, the bot's pragmas; returns the elapsed seconds."""
    conn = connect(path, synchronous)
    conn.execute("CREATE TABLE IF NOT EXISTS bench_insert (id INTEGER PRIMARY KEY, round INTEGER, person TEXT, "
                 "choice TEXT, at TEXT)")
    at = START.isoformat()
    started = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO bench_insert (round, person, choice, at) VALUES (?, ?, ?, ?)",
                     (tag, member(i), CHOICES[i % 3], at))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    (count,) = conn.execute("SELECT count(*) FROM bench_insert WHERE round = ?", (tag,)).fetchone()
    conn.close()
    assert count == n, f"bare inserts: {count} rows, expected {n}"
    return elapsed


def bare_ballot_transactions(path: Path, n: int, tag: int) -> float:
    """n transactions doing a ballot's own writes through sqlite3, no ORM and no logic: the processed event, the
    participation, the ballot, the audit event, the reply queued, then (a second transaction, as the outbox pass)
    the reply marked sent. Returns the elapsed seconds. A second baseline: the database work a ballot cannot avoid."""
    conn = connect(path)
    conn.executescript("""
        CREATE TABLE IF NOT EXISTS bench_event (network TEXT, event_id TEXT, at TEXT, PRIMARY KEY (network, event_id));
        CREATE TABLE IF NOT EXISTS bench_participation (round INTEGER, person TEXT, at TEXT,
                                                        PRIMARY KEY (round, person));
        CREATE TABLE IF NOT EXISTS bench_ballot (id INTEGER PRIMARY KEY, round INTEGER, person TEXT, choice TEXT,
                                                 at TEXT, UNIQUE (round, person));
        CREATE TABLE IF NOT EXISTS bench_audit (id INTEGER PRIMARY KEY, at TEXT, person TEXT, action TEXT,
                                                details TEXT);
        CREATE TABLE IF NOT EXISTS bench_outbox (id INTEGER PRIMARY KEY, key TEXT UNIQUE, text TEXT, sent_at TEXT);
    """)
    at = START.isoformat()
    started = time.perf_counter()
    for i in range(n):
        person, key = member(i), f"reply:{tag}:{i}"
        conn.execute("BEGIN")
        conn.execute("INSERT INTO bench_event VALUES ('console', ?, ?) ON CONFLICT DO NOTHING RETURNING event_id",
                     (f"{tag}:{i}", at)).fetchall()
        conn.execute("INSERT INTO bench_participation VALUES (?, ?, ?)", (tag, person, at))
        conn.execute("INSERT INTO bench_ballot (round, person, choice, at) VALUES (?, ?, ?, ?)",
                     (tag, person, CHOICES[i % 3], at))
        conn.execute("INSERT INTO bench_audit (at, person, action, details) VALUES (?, ?, 'vote.cast', '{}')",
                     (at, person))
        conn.execute("INSERT INTO bench_outbox (key, text) VALUES (?, 'Your ballot for V1 is recorded.')", (key,))
        conn.execute("COMMIT")
        conn.execute("BEGIN")
        conn.execute("UPDATE bench_outbox SET sent_at = ? WHERE key = ?", (at, key))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


async def storm(forum: Forum, session: ConsoleSession, members: int, round_no: int, deliver: bool
                ) -> tuple[float, list[float]]:
    """Open vote V<round_no> and have every member vote once; returns (elapsed, per-ballot latencies)."""
    opener = ConsoleSession(forum, write=session.write, id_prefix=f"open{round_no}")
    await opener.play([f"[plenary] bob: /propose Storm {round_no}",
                       f"[plenary] bob: /vote open P{round_no} body=plenary closes=7d"])
    with Session(forum.engine) as db:
        vote = db.exec(select(Vote).where(Vote.proposal_id == round_no)).one()
    assert vote.status == "open", "the vote did not open"
    latencies: list[float] = []
    started = time.perf_counter()
    for i in range(members):
        name = member(i)
        t0 = time.perf_counter()
        handled = await forum.handle(Incoming(
            network=NETWORK, event_id=f"storm:{round_no}:{i}", room_id="plenary", room_title="plenary",
            user_id=name, handle=name, display_name=name, text=f"/vote V{vote.id} {CHOICES[i % 3]}",
            message_id=f"storm:{round_no}:{i}"))
        if deliver:
            await drain_outbox(forum, session.transport)
        latencies.append(time.perf_counter() - t0)
        if handled.outcome != "ok":
            raise SystemExit(f"ballot of {name} not recorded: {handled.outcome} {handled.replies}")
    elapsed = time.perf_counter() - started
    with Session(forum.engine) as db:
        ballots = db.exec(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote.id)).one()
        people = db.exec(select(func.count(func.distinct(Ballot.person_id))).where(Ballot.vote_id == vote.id)).one()
        turnout = db.exec(select(func.count()).select_from(Participation)
                          .where(col(Participation.vote_id) == vote.id)).one()
    if not ballots == people == turnout == members:
        raise SystemExit(f"V{vote.id}: {ballots} ballots by {people} people, turnout {turnout}; expected {members}")
    return elapsed, latencies


async def main_async(args: argparse.Namespace) -> int:
    logging.disable(logging.WARNING)  # the router's per-event log line is below the default level anyway
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "storm.sqlite3"
        forum = Forum(replace(Config(), database_url=f"sqlite:///{path}"), SimulatedClock(START))
        session = ConsoleSession(forum, write=lambda _line: None, id_prefix="setup")
        t0 = time.perf_counter()
        await setup(forum, session, args.members)
        print(f"setup: {args.members} members in {time.perf_counter() - t0:.1f} s")
        ratios, rates, bares, all_latencies = [], [], [], []
        write_rates, write_ratios, normal_ratios = [], [], []
        for r in range(1, args.rounds + 1):
            bare = bare_inserts(path, args.members, r)
            normal_rate = args.members / bare_inserts(path, args.members, -r, synchronous="NORMAL")
            writes = bare_ballot_transactions(path, args.members, r)
            elapsed, latencies = await storm(forum, session, args.members, r, not args.no_deliver)
            rate, bare_rate, writes_rate = args.members / elapsed, args.members / bare, args.members / writes
            rates.append(rate)
            bares.append(bare_rate)
            ratios.append(rate / bare_rate)
            write_rates.append(writes_rate)
            write_ratios.append(rate / writes_rate)
            normal_ratios.append(rate / normal_rate)
            all_latencies += latencies
            print(f"round {r}: bot {rate:8.0f} ballots/s (p50 {percentile(latencies, 50) * 1000:.2f} ms, "
                  f"p99 {percentile(latencies, 99) * 1000:.2f} ms) · bare INSERT+COMMIT {bare_rate:8.0f}/s · "
                  f"ratio {rate / bare_rate:.3f} · with synchronous=NORMAL {normal_rate:8.0f}/s, ratio "
                  f"{rate / normal_rate:.4f} · a ballot's writes in sqlite3 {writes_rate:8.0f}/s · "
                  f"ratio {rate / writes_rate:.3f}")
        forum.engine.dispose()
    ratio = median(ratios)
    print(f"vote storm, {args.members} members × {args.rounds} rounds, every ballot recorded once"
          f"{'' if not args.no_deliver else ' (replies not delivered)'}")
    print(f"  bot:  {median(rates):.0f} ballots/s, p50 {percentile(all_latencies, 50) * 1000:.2f} ms, "
          f"p99 {percentile(all_latencies, 99) * 1000:.2f} ms")
    print(f"  bare: {median(bares):.0f} INSERT+COMMIT/s (the bot's pragmas: synchronous=FULL, an fsync per commit)")
    print(f"  ratio (bot / bare, median of rounds): {ratio:.3f}  target ≥ 0.3: {'met' if ratio >= 0.3 else 'MISSED'}")
    print(f"  bare INSERT+COMMIT with synchronous=NORMAL (no fsync): ratio bot / that {median(normal_ratios):.4f}")
    print(f"  a ballot's own writes through sqlite3 (2 transactions, no ORM, no logic): {median(write_rates):.0f}/s; "
          f"ratio bot / that: {median(write_ratios):.3f}")
    print(f"  peak RSS {peak_rss_mb():.0f} MB · {machine()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-deliver", action="store_true", help="do not drain the outbox after each ballot")
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
