"""100,000 milestones: finding the newly overdue ones is an index lookup costing (alerts + a constant) queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert
from sqlmodel import Session, select

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.domain.tracking.overdue import newly_overdue_query
from bot.notify import Outbox
from bot.scheduling.due import JobContext
from bot.scheduling.milestones import alert_overdue, next_overdue
from bot.storage.db import unit_of_work
from bot.storage.tables import Commitment, Milestone, OutboxMessage, Room, WorkingGroup
from tests.support import FORUM_EPOCH

TOTAL = 100_000
CREATED = datetime(2024, 1, 1, tzinfo=UTC)


@contextmanager
def recording(forum: Forum) -> Iterator[list[tuple[str, Any]]]:
    """Every statement sent to the database while the block runs."""
    statements: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append((statement, parameters))

    event.listen(forum.engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(forum.engine, "before_cursor_execute", listen)


def populate(forum: Forum, late_on_june_30: int, late_on_july_31: int) -> None:
    """100,000 milestones over 20 commitments: most done or far ahead, some already alerted, a few falling due."""
    with unit_of_work(forum.engine) as session:
        groups = [WorkingGroup(slug=f"g{i}", name=f"G{i}", created_at=CREATED) for i in range(4)]
        session.add_all(groups)
        session.flush()
        session.add(Room(network="console", platform_room_id="secretariat", purpose="secretariat", created_at=CREATED))
        for group in groups:
            session.add(Room(network="console", platform_room_id=group.slug, purpose="group", group_id=group.id,
                             created_at=CREATED))
        commitments = [Commitment(code=f"FR{i:04d}", title=f"C{i}", group_id=groups[i % 4].id, created_at=CREATED)
                       for i in range(20)]
        session.add_all(commitments)
        session.flush()
        ids = [c.id for c in commitments]
    rows: list[dict[str, Any]] = []
    for n in range(TOTAL):
        row: dict[str, Any] = {"commitment_id": ids[n % 20], "title": f"m{n}", "period_key": "2024-H1",
                               "period_text": "S1 2024", "due": date(2024, 6, 30), "created_at": CREATED,
                               "done_at": None, "overdue_alerted_at": None}
        kind = n % 4
        if kind == 0:  # done long ago
            row["done_at"] = CREATED
        elif kind == 1:  # already alerted and still late
            row["due"], row["period_key"], row["period_text"] = date(2024, 2, 29), "2024-02", "février 2024"
            row["overdue_alerted_at"] = CREATED + timedelta(days=60)
        else:  # far ahead
            row["due"], row["period_key"], row["period_text"] = date(2026, 12, 31), "2026", "2026"
        rows.append(row)
    for n in range(late_on_june_30):
        rows[2 + 4 * n] |= {"due": date(2024, 6, 30), "period_key": "2024-H1", "period_text": "S1 2024"}
    for n in range(late_on_july_31):
        rows[3 + 4 * n] |= {"due": date(2024, 7, 31), "period_key": "2024-07", "period_text": "juillet 2024"}
    with forum.engine.begin() as conn:
        for start in range(0, TOTAL, 20_000):
            conn.execute(insert(Milestone), rows[start:start + 20_000])


def run_alerts(forum: Forum, now: datetime) -> tuple[int, list[tuple[str, Any]]]:
    with recording(forum) as statements, unit_of_work(forum.engine) as session:
        done = alert_overdue(JobContext(session, forum.config, now, Outbox(session, forum.config, now)))
    return done, statements


@pytest.fixture
def sqlite_forum(sqlite_url: str) -> Iterator[Forum]:
    """EXPLAIN QUERY PLAN is SQLite's: this test runs on SQLite only."""
    forum = Forum(replace(Config(), database_url=sqlite_url), SimulatedClock(FORUM_EPOCH), migrate=False)
    yield forum
    forum.engine.dispose()


def test_newly_overdue_is_an_index_lookup_with_bounded_queries(sqlite_forum: Forum) -> None:
    forum = sqlite_forum
    populate(forum, late_on_june_30=5, late_on_july_31=25)
    with Session(forum.engine) as session:
        assert len(session.exec(select(Milestone.id)).all()) == TOTAL

    # The query plan: the milestone table is searched through ix_milestone_overdue, never scanned.
    with recording(forum) as statements, Session(forum.engine) as session:
        session.exec(newly_overdue_query(date(2024, 7, 1))).all()
        first_due = next_overdue(session, forum.config, datetime(2024, 6, 1, tzinfo=UTC))
    assert first_due == datetime(2024, 6, 30, 22, 0, tzinfo=UTC)  # July 1st, 00:00 in Paris
    with forum.engine.connect() as conn:
        for statement, parameters in statements:
            plan = " | ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                        parameters).all())
            assert "ix_milestone_overdue" in plan, plan
            assert "SCAN milestone" not in plan, plan

    # July 1st: 5 alerts; August 1st: 25 more. The cost grows by one statement per alert, from a constant base.
    done_july, july = run_alerts(forum, datetime(2024, 7, 1, 6, 0, tzinfo=UTC))
    done_august, august = run_alerts(forum, datetime(2024, 8, 1, 6, 0, tzinfo=UTC))
    assert (done_july, done_august) == (5, 25)
    assert len(july) <= done_july + 8, [s for s, _ in july]
    assert len(august) <= done_august + 8, [s for s, _ in august]
    assert len(august) - len(july) == done_august - done_july
    # Nothing newly overdue: a single query.
    done_again, again = run_alerts(forum, datetime(2024, 8, 2, 6, 0, tzinfo=UTC))
    assert (done_again, len(again)) == (0, 1)

    with Session(forum.engine) as session:
        messages = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "milestone_overdue")).all()
        # one for the secretariat and one for the group's room, per alert, never twice
        assert len(messages) == 2 * (5 + 25)
        assert len({m.key for m in messages}) == len(messages)
        alerted = session.exec(select(Milestone).where(Milestone.due == date(2024, 7, 31))).all()
        assert all(m.overdue_alerted_at is not None for m in alerted)
