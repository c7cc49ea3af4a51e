"""Scheduled work of meetings: a restart across a reminder time sends it once if still useful, never twice;
over a year, the cadence watch sends the expected reminders, counted by kind from the outbox."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.exports import export
from bot.storage.tables import OutboxMessage, Room
from tests.transcript import play

SETUP = """\
@at 2024-03-20 09:00
@admin alice
[secretariat] alice: /room secretariat
[secretariat] alice: /group add open-data Open data
[open-data] alice: /room group open-data
[open-data] alice: /meeting plan open-data 2024-04-10 10:00 CESE, room 2
"""
START = datetime(2024, 4, 10, 8, 0, tzinfo=UTC)  # 10:00 Paris, summer time


def reminders(forum: Forum) -> list[OutboxMessage]:
    with Session(forum.engine) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "meeting_reminder")
                                 .order_by(col(OutboxMessage.id))).all())


def restarted(config: Config, at: datetime) -> Forum:
    return Forum(config, SimulatedClock(at), migrate=False)


async def test_reminders_at_each_lead_time_once(forum: Forum) -> None:
    await play(forum, SETUP)
    forum.advance_to(START + timedelta(hours=2))
    sent = reminders(forum)
    assert [m.created_at for m in sent] == [START - timedelta(days=7), START - timedelta(days=1),
                                            START - timedelta(hours=1)]
    assert "in 7 days" in sent[0].text or "dans 7 jours" in sent[0].text
    assert all("CESE, room 2" in m.text for m in sent)
    assert forum.run_due() == 0
    assert len(reminders(forum)) == 3


@pytest.mark.parametrize(("back_at", "expected", "total"), [
    (START - timedelta(hours=20), ["dans 1 jour"], 3),     # the 1-day reminder was missed: sent once, late
    (START - timedelta(minutes=30), ["dans 1 heure"], 2),  # both missed: only the latest is sent
    (START + timedelta(minutes=5), [], 1),                 # the meeting has begun: nothing
])
async def test_restart_across_a_reminder_time(forum: Forum, config: Config, back_at: datetime,
                                              expected: list[str], total: int) -> None:
    await play(forum, SETUP)
    forum.advance_to(START - timedelta(days=2))  # the 7-day reminder went out
    assert len(reminders(forum)) == 1
    forum.engine.dispose()  # the bot stops …

    second = restarted(config, back_at)  # … and starts again later, on the same database
    try:
        second.run_due()
        second.run_due()
        late = reminders(second)[1:]
        assert [m.text.split(",")[0].split(") ")[-1] for m in late] == expected
        assert all(m.created_at == back_at for m in late)
    finally:
        second.engine.dispose()

    third = restarted(config, back_at + timedelta(minutes=1))  # and once more: nothing is sent twice
    try:
        third.advance_to(START + timedelta(days=1))
        texts = [m.text.split(",")[0].split(") ")[-1] for m in reminders(third)]
        assert len(texts) == total and len(set(texts)) == total  # never the same reminder twice
        assert len({m.key for m in reminders(third)}) == total
    finally:
        third.engine.dispose()


async def test_moved_meeting_reminders_follow_and_cancelled_sends_none(forum: Forum) -> None:
    await play(forum, SETUP + "[open-data-bis] alice: /room group open-data\n"
                              "[open-data] alice: /meeting plan open-data 2024-04-12 15:00\n"
                              "@at 2024-04-05 09:00\n"
                              "[open-data] alice: /meeting move S1 2024-04-17 10:00\n"
                              "[open-data] alice: /meeting cancel S2 nobody available\n")
    forum.advance_to(datetime(2024, 4, 30, tzinfo=UTC))
    sent = reminders(forum)
    assert len(sent) == 8  # in each of the group's two rooms
    s1 = sorted({m.created_at for m in sent if "S1" in m.text})
    s2 = sorted({m.created_at for m in sent if "S2" in m.text})
    new_start = datetime(2024, 4, 17, 8, 0, tzinfo=UTC)
    assert s1 == [START - timedelta(days=7), new_start - timedelta(days=7), new_start - timedelta(days=1),
                  new_start - timedelta(hours=1)]
    assert s2 == []  # cancelled on April 5, 09:00, before its 7-day reminder (April 5, 15:00): none at all
    with Session(forum.engine) as session:
        changed = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "meeting_changed")
                               .order_by(col(OutboxMessage.id))).all()
    # The group's other room is told of both changes (the room where they were made got the reply).
    assert len(changed) == 2
    assert "17 avril 2024 à 10:00" in changed[0].text and "nobody available" in changed[1].text


YEAR = """\
@at 2023-12-20 09:00
@admin alice
[secretariat] alice: /room secretariat
[plenary] alice: /room plenary
[secretariat] alice: /group add idle Idle group
[secretariat] alice: /group add busy Busy group
[idle] alice: /room group idle
[busy] alice: /room group busy
[busy] alice: /meeting plan busy 2024-02-14 10:00
[busy] alice: /meeting plan busy 2024-05-15 10:00
[busy] alice: /meeting plan busy 2024-08-14 10:00
[busy] alice: /meeting plan busy 2024-11-14 10:00
[plenary] alice: /meeting plan plenary 2024-06-10 14:00
@at 2024-02-14 10:05
[busy] alice: /minutes start S1
[busy] alice: #info the meeting took place
[busy] alice: /minutes end
@at 2024-05-15 10:05
[busy] alice: /minutes start S2
[busy] alice: #info the meeting took place
[busy] alice: /minutes end
@at 2024-06-10 14:05
[plenary] alice: /minutes start S5
[plenary] alice: #info the meeting took place
[plenary] alice: /minutes end
@at 2024-08-14 10:05
[busy] alice: /minutes start S3
[busy] alice: #info the meeting took place
[busy] alice: /minutes end
@at 2024-11-14 10:05
[busy] alice: /minutes start S4
[busy] alice: #info the meeting took place
[busy] alice: /minutes end
@at 2024-12-31 23:00
"""


async def test_cadence_over_a_year(forum: Forum) -> None:
    await play(forum, YEAR)
    with Session(forum.engine) as session:
        rooms = {room.id: room.platform_room_id for room in session.exec(select(Room)).all()}
        rows = session.exec(select(OutboxMessage).where(
            col(OutboxMessage.kind).in_(("cadence_reminder", "plenary_reminder", "meeting_reminder")))).all()
        counts = Counter((m.kind, rooms[m.room_id]) for m in rows)
        notifications = export(session, forum.config, forum.clock.now(), "notifications", "json")
    # The idle group: at the start of each quarter and 14 days before its end, in its room and the secretariat's.
    assert counts[("cadence_reminder", "idle")] == 8
    assert counts[("cadence_reminder", "busy")] == 0
    assert counts[("cadence_reminder", "secretariat")] == 8
    idle = sorted(m.created_at for m in rows if m.kind == "cadence_reminder" and rooms[m.room_id] == "idle")
    paris = [d.astimezone(forum.config.tz).strftime("%m-%d %H:%M") for d in idle]
    assert paris == ["01-01 09:00", "03-18 09:00", "04-01 09:00", "06-17 09:00", "07-01 09:00", "09-17 09:00",
                     "10-01 09:00", "12-18 09:00"]
    # The plenary: H1 met (no reminder once planned in December); H2 neither planned nor held: two reminders.
    assert counts[("plenary_reminder", "plenary")] == 2
    assert counts[("plenary_reminder", "secretariat")] == 2
    # Each of the five meetings got its three reminders, once.
    assert counts[("meeting_reminder", "busy")] == 12
    assert counts[("meeting_reminder", "plenary")] == 3
    assert '"kind": "cadence_reminder"' in notifications and '"target": "idle"' in notifications
