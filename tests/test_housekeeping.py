"""Housekeeping on the simulated clock: processed events older than the retention are deleted, in batches."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, insert
from sqlmodel import Session, select

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config, HousekeepingConfig
from bot.messages import Incoming
from bot.scheduling import housekeeping
from bot.storage.tables import ProcessedEvent

START = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)


def hello(event_id: str, text: str = "/help") -> Incoming:
    return Incoming(network="console", event_id=event_id, room_id="plenary", room_title="plenary", user_id="alice",
                    handle="alice", display_name="alice", text=text)


def processed(forum: Forum) -> list[str]:
    with Session(forum.engine) as session:
        return sorted(session.exec(select(ProcessedEvent.event_id)).all())


async def test_old_processed_events_are_deleted_and_recent_redeliveries_still_ignored(config: Config) -> None:
    clock = SimulatedClock(START)
    forum = Forum(config, clock, migrate=False)
    assert (await forum.handle(hello("old"))).outcome == "ok"
    forum.advance_to(START + timedelta(days=60))
    assert (await forum.handle(hello("recent"))).outcome == "ok"
    assert processed(forum) == ["old", "recent"]

    forum.advance_to(START + timedelta(days=90, hours=23))  # expired, not yet a day ago: pruning waits
    assert processed(forum) == ["old", "recent"]
    forum.advance_to(START + timedelta(days=100))
    assert processed(forum) == ["recent"]

    again = await forum.handle(hello("recent"))
    assert again.duplicate and again.outcome == "duplicate" and not again.replies
    with Session(forum.engine) as session:  # the next pass is when "recent" has been expired for a day
        assert housekeeping.next_prune(session, forum.config, clock.now()) == START + timedelta(days=151)
    forum.engine.dispose()


def test_the_retention_comes_from_the_config(config: Config) -> None:
    short = replace(config, housekeeping=HousekeepingConfig(processed_event_retention=timedelta(days=3)))
    forum = Forum(short, SimulatedClock(START), migrate=False)
    with Session(forum.engine) as session:
        session.add(ProcessedEvent(network="telegram", event_id="1", at=START))
        session.commit()
        assert housekeeping.next_prune(session, short, START) == START + timedelta(days=4)
    forum.advance_to(START + timedelta(days=4))
    assert processed(forum) == []
    forum.engine.dispose()


def test_a_large_backlog_goes_in_short_batches(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(housekeeping, "PRUNE_BATCH", 100)
    forum = Forum(config, SimulatedClock(START + timedelta(days=200)), migrate=False)
    old = [{"network": "telegram", "event_id": str(n), "at": START + timedelta(minutes=n)} for n in range(250)]
    new = [{"network": "matrix", "event_id": f"$e{n}", "at": START + timedelta(days=150)} for n in range(5)]
    with Session(forum.engine) as session:
        session.execute(insert(ProcessedEvent), old + new)
        session.commit()
    deletes: list[int] = []
    commits: list[int] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM PROCESSED_EVENT"):
            deletes.append(len(commits))

    event.listen(forum.engine, "before_cursor_execute", on_execute)
    event.listen(forum.engine, "commit", lambda conn: commits.append(1))
    forum.run_due()
    assert deletes == sorted(set(deletes)) and len(deletes) == 3  # 100, 100, 50: each in its own transaction
    assert processed(forum) == [f"$e{n}" for n in range(5)]
    with Session(forum.engine) as session:
        assert session.exec(select(func.count()).select_from(ProcessedEvent)).one() == 5
    forum.engine.dispose()
