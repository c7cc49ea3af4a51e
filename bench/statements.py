"""SQL statements per command: how many round trips to the database one command costs, its answer delivered.

Not a timing: a count, the same on every machine, which the timings of the other benchmarks depend on (each
statement through the ORM costs ~0.2–0.4 ms of CPU). Three everyday commands on a console forum (SQLite file): a
ballot on an open vote (a first one and a changed one), a status update, and `/status`. Each is counted with a
`before_cursor_execute` listener from the router's first statement to the last of the outbox pass that delivers its
answer. `--show` prints the statements.

    PYTHONPATH=. python bench/statements.py [--show]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.domain.tracking.importing import import_commitments, read_plan
from bot.messages import Incoming
from bot.storage.db import unit_of_work
from bot.transports.base import drain_outbox
from bot.transports.console import NETWORK, ConsoleSession, ConsoleTransport

START = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block, first line only."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.strip().split("\n")[0][:120])

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@dataclass
class Bench:
    forum: Forum
    transport: ConsoleTransport
    events: int = 0

    async def command(self, user: str, text: str, room: str = "plenary") -> list[str]:
        """Handle one command and deliver its answers; the statements it cost."""
        self.events += 1
        with counting(self.forum.engine) as seen:
            handled = await self.forum.handle(Incoming(
                network=NETWORK, event_id=f"count:{self.events}", room_id=room, room_title=room, user_id=user,
                handle=user, display_name=user, text=text, message_id=f"count:{self.events}"))
            await drain_outbox(self.forum, self.transport)
        if handled.outcome != "ok":
            raise SystemExit(f"{text!r} by {user}: {handled.outcome} {handled.replies}")
        return seen


async def forum_with_a_vote(tmp: Path, members: int = 20) -> Bench:
    """A plenary with a co-chair, `members` members who have written before, FR0112 imported, vote V1 open."""
    forum = Forum(replace(Config(), database_url=f"sqlite:///{tmp / 'count.sqlite3'}"), SimulatedClock(START))
    plan = read_plan(Path(str(resources.files("bot.demo").joinpath("fr-2023-2025-FR0112.toml"))))
    with unit_of_work(forum.engine) as session:
        import_commitments(session, forum.config, START, plan, source="bench")
    lines = ["@admin alice", "[plenary] alice: /room plenary", "[plenary] alice: /role @bob cochair"]
    lines += [f"[plenary] alice: /role @m{i} member" for i in range(members)]
    lines += [f"[plenary] m{i}: /whoami" for i in range(members)]
    lines += ["[plenary] alice: /role @m0 secretariat", "[plenary] bob: /propose Count",
              "[plenary] bob: /vote open P1 body=plenary closes=7d"]
    await ConsoleSession(forum, write=lambda _line: None, id_prefix="setup").play(lines)
    return Bench(forum, ConsoleTransport(lambda _line: None))


async def measure(tmp: Path) -> dict[str, list[str]]:
    bench = await forum_with_a_vote(tmp)
    await bench.command("m1", "/vote V1 yes")  # warm-up: caches, the first ballot of the vote
    counts = {
        "first ballot": await bench.command("m2", "/vote V1 yes"),
        "changed ballot": await bench.command("m2", "/vote V1 no"),
        "status update": await bench.command("m0", "/update M1 40% on track"),
        "/status": await bench.command("m3", "/status"),
        "first ballot, 15 ballots later": [],
    }
    for i in range(4, 19):
        await bench.command(f"m{i}", "/vote V1 abstain")
    counts["first ballot, 15 ballots later"] = await bench.command("m19", "/vote V1 yes")
    bench.forum.engine.dispose()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", action="store_true", help="print the statements")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        counts = asyncio.run(measure(Path(tmp)))
    print("SQL statements per command, answer delivered (console, SQLite)")
    for name, statements in counts.items():
        print(f"  {name:32} {len(statements):3}")
        if args.show:
            print("".join(f"      {s}\n" for s in statements), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
