"""Growth: the scheduler's "what is due now" pass with 1,000 and with 1,000,000 milestones, votes and meetings.

For each size the script fills a SQLite file (migrated, WAL) with SQLAlchemy core `insert()` in batches: that many
milestones (done long ago, a handful still late), closed votes and held meetings (with the reminders they had,
recorded in `cadence_reminder`), plus a few open votes and planned meetings in the future. The pass is then
measured in a fresh subprocess, so the fill does not count in its memory: before each pass a few items are made due
(two milestones overdue since yesterday, one vote at its deadline, one meeting an hour away; not timed), then
`DueRunner.next_due(now)` + `DueRunner.run(now)` is timed. The first pass of each subprocess warms the caches and is
reported apart. Subprocesses of both sizes alternate over the rounds; the figure is the ratio of the median pass
times (largest / smallest size), target ≤ 2, and the measuring process's peak RSS at the largest size, target
≤ 200 MB.

    PYTHONPATH=. python bench/growth.py [--sizes 1000,1000000] [--rounds 3] [--passes 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

import bot.app  # noqa: F401  (registers every due source; the bench runs them all)
from bench._common import machine, median, peak_rss_mb
from bot.config import Config
from bot.rules.progress import slot_floor
from bot.scheduling.milestones import (
    OVERDUE_DIGEST_ANCHOR,
    OVERDUE_DIGEST_STATE,
    WEEKLY_DIGEST_ANCHOR,
    WEEKLY_DIGEST_STATE,
)
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.storage.tables import (
    CadenceReminder,
    Commitment,
    Electorate,
    KeyValue,
    Meeting,
    Milestone,
    Person,
    Room,
    Vote,
    WorkingGroup,
)

NOW = datetime(2030, 6, 12, 10, 0, tzinfo=UTC)  # a Wednesday: no digest slot near
STEP = timedelta(minutes=10)  # pass i runs at NOW + i·STEP
HISTORY_START = datetime(2000, 1, 1, tzinfo=UTC)
BATCH = 20_000
GROUPS, PEOPLE = 20, 100
STILL_LATE, FUTURE = 5, 10  # milestones alerted and still not done; future items of each kind
LEADS = (timedelta(days=7), timedelta(days=1), timedelta(hours=1))


def config_for(path: Path) -> Config:
    return replace(Config(), database_url=f"sqlite:///{path}")


def batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk(engine: Engine, table: Any, rows: Iterator[dict[str, Any]]) -> None:
    for batch in batches(rows):
        keys = {key for row in batch for key in row}
        batch = [{key: row.get(key) for key in keys} for row in batch]  # executemany wants the same keys
        with engine.begin() as conn:
            conn.execute(insert(table), batch)


def past(i: int, n: int) -> datetime:
    """The i-th of n moments spread over the history, all at least 60 days before NOW."""
    span = (NOW - timedelta(days=60) - HISTORY_START).total_seconds()
    return HISTORY_START + timedelta(seconds=span * i / max(n, 1))


def fill(path: Path, size: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    old = HISTORY_START
    bulk(engine, Person, ({"id": p, "display_name": f"p{p}", "created_at": old} for p in range(1, PEOPLE + 1)))
    bulk(engine, WorkingGroup, ({"id": g, "slug": f"g{g}", "name": f"Group {g}", "created_at": old}
                                for g in range(1, GROUPS + 1)))
    rooms = [{"network": "console", "platform_room_id": purpose, "purpose": purpose, "created_at": old}
             for purpose in ("secretariat", "plenary", "committee")]
    rooms += [{"network": "console", "platform_room_id": f"g{g}", "purpose": "group", "group_id": g,
               "created_at": old} for g in range(1, GROUPS + 1)]
    bulk(engine, Room, iter(rooms))
    commitments = max(10, size // 100)
    bulk(engine, Commitment, ({"id": c, "code": f"FR{c:07d}", "title": f"Commitment {c}",
                               "group_id": 1 + c % GROUPS, "created_at": old} for c in range(1, commitments + 1)))

    def milestones() -> Iterator[dict[str, Any]]:
        for i in range(size):
            due = past(i, size).date()
            late = i >= size - STILL_LATE
            yield {"commitment_id": 1 + i % commitments, "title": f"Milestone {i}", "period_key": due.isoformat(),
                   "period_text": due.isoformat(), "due": due,
                   "done_at": None if late else datetime.combine(due, datetime.min.time(), UTC),
                   "overdue_alerted_at": datetime.combine(due + timedelta(days=1), datetime.min.time(), UTC)
                   if late else None, "created_at": old}
        for i in range(FUTURE):
            due = (NOW + timedelta(days=90 + i)).date()
            yield {"commitment_id": 1 + i % commitments, "title": f"Future {i}", "period_key": due.isoformat(),
                   "period_text": due.isoformat(), "due": due, "created_at": old}

    bulk(engine, Milestone, milestones())

    def votes() -> Iterator[dict[str, Any]]:
        for i in range(size):
            opens = past(i, size)
            yield {"kind": "motion", "title": f"Vote {i}", "body": "plenary", "opens_at": opens,
                   "closes_at": opens + timedelta(days=7), "status": "closed", "closed_at": opens + timedelta(days=7),
                   "reminded_at": opens + timedelta(days=6), "result": {"outcome": "adopted"}}
        for i in range(FUTURE):
            yield {"kind": "motion", "title": f"Open vote {i}", "body": "plenary", "opens_at": NOW - timedelta(days=1),
                   "closes_at": NOW + timedelta(days=30 + i), "status": "open"}

    bulk(engine, Vote, votes())

    def meetings() -> Iterator[dict[str, Any]]:
        for i in range(size):
            starts = past(i, size)
            yield {"id": i + 1, "kind": "group", "group_id": 1 + i % GROUPS, "starts_at": starts,
                   "local_start": starts.replace(tzinfo=None).isoformat(timespec="minutes"),
                   "timezone": "Europe/Paris", "status": "held", "created_at": starts - timedelta(days=30),
                   "held_at": starts}
        for i in range(FUTURE):
            starts = NOW + timedelta(days=60 + i)
            yield {"id": size + i + 1, "kind": "group", "group_id": 1 + i % GROUPS, "starts_at": starts,
                   "local_start": starts.replace(tzinfo=None).isoformat(timespec="minutes"),
                   "timezone": "Europe/Paris", "status": "planned", "created_at": old}

    bulk(engine, Meeting, meetings())

    def reminders() -> Iterator[dict[str, Any]]:
        for i in range(size):
            starts = past(i, size)
            for lead in LEADS:
                yield {"key": f"meeting:S{i + 1}:{starts.isoformat()}:{int(lead.total_seconds())}",
                       "kind": "meeting_reminder", "sent": True, "at": starts - lead}

    bulk(engine, CadenceReminder, reminders())
    # the digests were sent at their last slot, and the cadence reminders owed now were dealt with (a pass a day
    # before); nothing else from history is left to do
    config = config_for(path)
    end = NOW + STEP * 100
    state = [(OVERDUE_DIGEST_STATE, slot_floor(end, OVERDUE_DIGEST_ANCHOR, config.reminders.overdue_digest_every,
                                               config.tz)),
             (WEEKLY_DIGEST_STATE, slot_floor(end, WEEKLY_DIGEST_ANCHOR, config.reminders.weekly_digest_every,
                                              config.tz))]
    bulk(engine, KeyValue, ({"key": k, "value": v.isoformat()} for k, v in state))
    from bot.scheduling.due import DueRunner

    DueRunner(engine, config).run(NOW - timedelta(days=1))
    engine.dispose()


def seed(engine: Engine, now: datetime, tag: int) -> int:
    """Make a few items due at `now`; returns how many the pass should act upon."""
    yesterday: date = (now - timedelta(days=2)).date()
    with engine.begin() as conn:
        day = yesterday.isoformat()
        conn.execute(insert(Milestone), [{"commitment_id": 1, "title": f"Due {tag}.{k}", "period_key": day,
                                          "period_text": day, "due": yesterday, "created_at": now - timedelta(days=9)}
                                         for k in range(2)])
        vote_id = conn.execute(insert(Vote).values(
            kind="motion", title=f"Closing {tag}", body="plenary", opens_at=now - timedelta(hours=12),
            closes_at=now - timedelta(minutes=1), status="open")).inserted_primary_key[0]
        conn.execute(insert(Electorate), [{"vote_id": vote_id, "person_id": p} for p in range(1, 4)])
        starts = now + timedelta(hours=1) - timedelta(minutes=1)
        conn.execute(insert(Meeting).values(kind="group", group_id=1, starts_at=starts,
                                            local_start=starts.replace(tzinfo=None).isoformat(timespec="minutes"),
                                            timezone="Europe/Paris", status="planned",
                                            created_at=now - timedelta(days=9)))
    return 4


def measure(path: Path, passes: int) -> dict[str, Any]:
    """In the subprocess: time `passes` due passes (the first one warms up)."""
    from bot.scheduling.due import DueRunner

    logging.disable(logging.WARNING)
    config = config_for(path)
    engine = make_engine(config.database_url)
    runner = DueRunner(engine, config)
    times, done = [], []
    for i in range(passes + 1):
        now = NOW + STEP * i
        expected = seed(engine, now, i)
        started = time.perf_counter()
        runner.next_due(now)
        acted = runner.run(now)
        times.append(time.perf_counter() - started)
        done.append(acted)
        if acted < expected:
            raise SystemExit(f"pass {i} acted on {acted} items, expected at least {expected}")
    engine.dispose()
    return {"first": times[0], "times": times[1:], "done": done, "maxrss_mb": peak_rss_mb()}


def run_measure(path: Path, passes: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    out = subprocess.run([sys.executable, __file__, "--measure", str(path), "--passes", str(passes)],
                         env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"measuring {path} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,1000000", help="comma-separated, smallest first")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--keep", help="a directory to keep (and reuse) the filled databases in")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.passes)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp)
        root.mkdir(parents=True, exist_ok=True)
        paths = {}
        for size in sizes:
            path = paths[size] = root / f"growth-{size}.sqlite3"
            if path.exists() and args.keep:
                print(f"reusing {path}")
                continue
            path.unlink(missing_ok=True)
            started = time.perf_counter()
            fill(path, size)
            print(f"filled {size:,} milestones, votes and meetings in {time.perf_counter() - started:.0f} s "
                  f"({path.stat().st_size / 2**20:.0f} MB file; fill process peak RSS {peak_rss_mb():.0f} MB)")
        # measuring makes things due and acts on them: keep a pristine copy when the databases are reused
        results: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
        for r in range(1, args.rounds + 1):
            for size in sizes:
                work = root / f"pass-{size}.sqlite3"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{work}{suffix}").unlink(missing_ok=True)
                _copy(paths[size], work)
                result = run_measure(work, args.passes)
                results[size].append(result)
                print(f"round {r}, {size:>9,}: pass median {median(result['times']) * 1000:7.1f} ms "
                      f"(first {result['first'] * 1000:.1f} ms), acted on {result['done']}, "
                      f"peak RSS {result['maxrss_mb']:.0f} MB")
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{work}{suffix}").unlink(missing_ok=True)
    small, large = sizes[0], sizes[-1]
    per = {size: median([t for res in results[size] for t in res["times"]]) for size in sizes}
    ratio = median([median(b["times"]) / median(a["times"]) for a, b in zip(results[small], results[large],
                                                                             strict=True)])
    rss = max(res["maxrss_mb"] for res in results[large])
    print(f"growth: due pass (next_due + run, ~4 items due) over {args.rounds} rounds × {args.passes} passes")
    for size in sizes:
        print(f"  {size:>9,} of each: {per[size] * 1000:.1f} ms per pass")
    print(f"  ratio ({large:,} / {small:,}, median of rounds): {ratio:.2f}  target ≤ 2: "
          f"{'met' if ratio <= 2 else 'MISSED'}")
    print(f"  peak RSS of the measuring process at {large:,}: {rss:.0f} MB  target ≤ 200 MB: "
          f"{'met' if rss <= 200 else 'MISSED'}")
    print(f"  {machine()}")
    return 0


def _copy(source: Path, target: Path) -> None:
    import sqlite3

    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


if __name__ == "__main__":
    sys.exit(main())
