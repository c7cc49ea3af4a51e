"""The real-time scheduler: APScheduler jobs that ask storage what is due, then wake the transports."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.app import Forum
from bot.runtime.scheduler import DueScheduler
from bot.storage.tables import OutboxMessage
from tests.transcript import play


async def test_a_tick_acts_on_what_is_due_and_wakes_the_transports(forum: Forum) -> None:
    await play(forum, "@at 2024-01-15 09:00\n@admin alice\n[secretariat] alice: /room secretariat\n"
                      "[secretariat] alice: /role @bob cochair until=2024-03-01\n")
    scheduler = DueScheduler(forum)
    woken: list[int] = []

    async def wake() -> None:
        woken.append(1)

    scheduler.on_work_done(wake)
    scheduler.start()
    try:
        assert scheduler.scheduler.get_job("safety") is not None
        forum.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
        await scheduler.tick()
        with Session(forum.engine) as session:
            kinds = [m.kind for m in session.exec(select(OutboxMessage)).all()]
        assert kinds.count("mandate_ending") == 1 and woken == [1]
        await scheduler.tick()  # nothing new: the database says it was done
        with Session(forum.engine) as session:
            assert [m.kind for m in session.exec(select(OutboxMessage)).all()].count("mandate_ending") == 1
    finally:
        scheduler.shutdown()
