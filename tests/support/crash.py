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
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as time_of_day
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy import select as select_table
from sqlmodel import Session, SQLModel, col, select

import bot.storage.tables  # noqa: F401  (every model in SQLModel.metadata)
from bot.clock import utc
from bot.storage.db import make_engine
from bot.storage.tables import (
    Account,
    AuditEvent,
    Decision,
    OutboxMessage,
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


# What legitimately differs between a killed-and-restarted run and an uninterrupted one, left out of the record:
# - generated integer ids: on PostgreSQL a killed transaction has used sequence values that are never given back, so
#   later rows get higher ids (SQLite reuses max(id) + 1). Each id is replaced by its rank in its table, and every
#   reference to it (foreign keys, and the references the schema does not declare, below) by the same rank: rows
#   inserted in the same order agree. Ids shown to people (P1, V2, M6) are in the texts, which are compared as
#   they are.
# - secret_choice.id: random by design (bot/storage/tables/votes.py).
# - the timestamps and counters of delivery attempts (outbox sent_at, attempts, next_attempt_at, last_error): a
#   process killed after delivering a message but before marking it sent delivers it again after its restart, at
#   the clock it resumes at. Whether each row was sent is compared.
# Everything else is compared, every column of every table, JSON parsed.
RANDOM = {("secret_choice", "id")}
DELIVERY_ATTEMPTS = {("outbox", "sent_at"), ("outbox", "attempts"), ("outbox", "next_attempt_at"),
                     ("outbox", "last_error")}
# references to ids that are no foreign keys: (table, column) -> the table referred to
UNDECLARED = {("proposal_event", "vote_id"): "vote", ("proposal_event", "decision_id"): "decision",
              ("outbox", "platform_message_id"): "outbox"}  # the console transport's message id is the outbox id
AUDITED = {"action": "action_item", "group": "working_group"}  # audit_event.object_type -> table (else the same)
# ids inside JSON values: (table, column, path) -> the table referred to; "{}" stands for a dict's keys
IN_JSON = {
    ("audit_event", "details", ".candidates[]"): "person", ("audit_event", "details", ".chosen[]"): "person",
    ("audit_event", "details", ".owner"): "person", ("audit_event", "details", ".group_id"): "working_group",
    ("audit_event", "details", ".meeting"): "meeting", ("audit_event", "details", ".proposal"): "proposal",
    ("audit_event", "details", ".session"): "minutes_session", ("audit_event", "details", ".item"): "agenda_item",
    ("decision", "elected", "[]"): "person", ("secret_choice", "choice", "[]"): "person",
    ("vote", "candidates", "[]"): "person", ("vote", "result", ".elected[]"): "person",
    ("vote", "result", ".tied[]"): "person", ("vote", "result", ".resolved_by"): "person",
    ("vote", "result", ".counts{}"): "person",
}
# and a database's own ballot key fingerprint (bot/ballot_key.py): a SQLite file's key is generated beside it
PER_DATABASE = {("key_value", "ballot_key.fingerprint")}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, date | time_of_day):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in "[{":
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _json_ids(value: Any, where: tuple[str, str], path: str, ranks: dict[str, dict[int, int]]) -> Any:
    """`value` (parsed JSON) with the ids IN_JSON names replaced by their ranks."""
    if isinstance(value, dict):
        keys = IN_JSON.get((*where, path + "{}"))
        return {(json.dumps(_ranked(k, ranks.get(keys, {}))) if keys else k): _json_ids(v, where, f"{path}.{k}", ranks)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ids(v, where, path + "[]", ranks) for v in value]
    target = IN_JSON.get((*where, path))
    return _ranked(value, ranks.get(target, {})) if target else value


def _ranked(value: Any, ranks: dict[int, int] | None) -> Any:
    if value is None or ranks is None:
        return value
    number = int(value) if isinstance(value, int | str) and str(value).isdigit() else None
    if number is None or number not in ranks:
        return ("unknown id", value)
    return ("#", ranks[number])


def record(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every table of the database (walked with the inspector, not from a list), every row, every column but the
    ones above, ids replaced by their ranks; rows in a stable order."""
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        names = sorted(inspector.get_table_names())
        with engine.connect() as conn:
            raw: dict[str, list[dict[str, Any]]] = {}
            for name in names:
                table = SQLModel.metadata.tables.get(name)
                # through the model's columns: its types (aware UTC datetimes, JSON, booleans) on either database
                query = select_table(table) if table is not None else text(f'SELECT * FROM "{name}"')
                raw[name] = [dict(row) for row in conn.execute(query).mappings().all()]
        integer_ids = {name: sorted(int(r["id"]) for r in rows) for name, rows in raw.items()
                       if inspector.get_pk_constraint(name)["constrained_columns"] == ["id"] and rows
                       and isinstance(rows[0]["id"], int)}
        ranks = {name: {value: rank for rank, value in enumerate(ids, start=1)} for name, ids in integer_ids.items()}
        records: dict[str, list[dict[str, Any]]] = {}
        for name in names:
            refers = {fk["constrained_columns"][0]: fk["referred_table"] for fk in inspector.get_foreign_keys(name)}
            refers.update({column: target for (table, column), target in UNDECLARED.items() if table == name})
            if name in integer_ids:
                refers["id"] = name
            rows = []
            for row in raw[name]:
                if (name, row.get("key")) in PER_DATABASE:
                    continue
                out = {}
                for column, value in row.items():
                    if (name, column) in RANDOM | DELIVERY_ATTEMPTS:
                        if (name, column) == ("outbox", "sent_at"):
                            out["sent"] = value is not None
                        continue
                    if column in refers:
                        out[column] = _ranked(value, ranks.get(refers[column], {}))
                    elif name == "audit_event" and column == "object_id":
                        target = AUDITED.get(row["object_type"], row["object_type"])
                        out[column] = _ranked(value, ranks.get(target, {})) if target in raw else value
                    else:
                        out[column] = _json_ids(_plain(value), (name, column), "", ranks)
                rows.append(out)
            records[name] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))
        return records
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, Any]:
    """The records an interrupted run must share with an uninterrupted one: every table (`record`), under
    "table NAME", and a few summaries the tests read (what the year exercised, in short)."""
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
            summary = {
                "decisions": sorted((d.vote_id or 0, d.title, d.outcome, d.votes_for, d.votes_against,
                                     d.abstentions, d.cast, d.electorate, d.tie, tuple(d.elected or ()))
                                    for d in s.exec(select(Decision)).all()),
                "votes": [(v.id, v.kind, v.title, v.status, v.secret, v.closed_by, v.result) for v in votes],
                "closes": dict(closes),
                "secret_choices": {k: sorted(v) for k, v in secret.items()},
                "outbox_keys": sorted(m.key for m in outbox),
                "unsent": sorted(m.key for m in outbox if m.sent_at is None),
            }
    finally:
        engine.dispose()
    return summary | {f"table {name}": rows for name, rows in record(url).items()}


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
