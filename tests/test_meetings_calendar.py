"""The iCalendar file parses back with `icalendar` and has the right times, in UTC and in Paris across DST;
the meetings export in JSON and CSV carries the same facts."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlmodel import Session, col, select

from bot.app import Forum
from bot.exports import export
from bot.storage.tables import OutboxMessage
from tests.transcript import play

PARIS = ZoneInfo("Europe/Paris")

SETUP = """\
@at 2024-03-20 09:00
@admin alice
[dm] alice: /lang en
[secretariat] alice: /room secretariat
[secretariat] alice: /group add open-data Open data
[open-data] alice: /room group open-data
[open-data] alice: /meeting plan open-data 2024-03-28 10:00 CESE, room 2
[open-data] alice: /meeting plan open-data 2024-04-10 10:00 https://visio.example.org/x
[open-data] alice: /meeting plan plenary 2024-11-05 14:30
[open-data] alice: /meeting plan committee 2024-05-02 18:00
[open-data] alice: /meeting cancel S4 no quorum
[open-data] alice: /propose Open the procurement data
[open-data] alice: /agenda S2 add Vote on P1
"""


def _calendar_file(forum: Forum) -> str:
    with Session(forum.engine) as session:
        replies = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    files = [m.payload["file"] for m in replies if m.payload and "file" in m.payload]
    assert files, "no file was sent"
    assert files[-1]["mime"] == "text/calendar"
    assert files[-1]["name"].endswith(".ics")
    return str(files[-1]["content"])


async def test_ics_round_trip_with_dst(forum: Forum) -> None:
    await play(forum, SETUP + "[secretariat] alice: /calendar\n")
    calendar = Calendar.from_ical(_calendar_file(forum))
    assert calendar["VERSION"] == "2.0"
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"meeting-1@forum-bot", "meeting-2@forum-bot", "meeting-3@forum-bot", "meeting-4@forum-bot"}
    # A cancelled meeting stays in the file, marked so, with a raised SEQUENCE: subscribed calendars remove it.
    assert str(events["meeting-4@forum-bot"]["STATUS"]) == "CANCELLED"
    assert int(events["meeting-4@forum-bot"]["SEQUENCE"]) == 1
    assert {str(events[f"meeting-{n}@forum-bot"]["STATUS"]) for n in (1, 2, 3)} == {"CONFIRMED"}
    assert {int(events[f"meeting-{n}@forum-bot"]["SEQUENCE"]) for n in (1, 2, 3)} == {0}
    starts = {uid: e.decoded("DTSTART") for uid, e in events.items()}
    # Winter time (UTC+1) before March 31, summer time (UTC+2) after, winter again in November.
    assert starts["meeting-1@forum-bot"].astimezone(UTC) == datetime(2024, 3, 28, 9, 0, tzinfo=UTC)
    assert starts["meeting-2@forum-bot"].astimezone(UTC) == datetime(2024, 4, 10, 8, 0, tzinfo=UTC)
    assert starts["meeting-3@forum-bot"].astimezone(UTC) == datetime(2024, 11, 5, 13, 30, tzinfo=UTC)
    for uid, hour, minute in (("meeting-1@forum-bot", 10, 0), ("meeting-2@forum-bot", 10, 0),
                              ("meeting-3@forum-bot", 14, 30)):
        local = starts[uid].astimezone(PARIS)
        assert (local.hour, local.minute) == (hour, minute)
    assert events["meeting-2@forum-bot"].decoded("DTEND").astimezone(UTC) == datetime(2024, 4, 10, 10, 0, tzinfo=UTC)
    assert str(events["meeting-1@forum-bot"]["LOCATION"]) == "CESE, room 2"
    assert "Vote on P1" in str(events["meeting-2@forum-bot"]["DESCRIPTION"])
    assert "Open data" in str(events["meeting-2@forum-bot"]["SUMMARY"])
    # The zone is declared, so clients keep 10:00 Paris time whatever their own zone.
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert str(events["meeting-2@forum-bot"]["DTSTART"].params["TZID"]) == "Europe/Paris"


async def test_moved_meeting_keeps_wall_time_and_export_formats(forum: Forum) -> None:
    await play(forum, SETUP + "[open-data] alice: /meeting move S1 2024-04-02 10:00\n")
    with Session(forum.engine) as session:
        now = forum.clock.now()
        ics = export(session, forum.config, now, "meetings", "ics")
        rows = json.loads(export(session, forum.config, now, "meetings", "json"))
        table = list(csv.DictReader(io.StringIO(export(session, forum.config, now, "meetings", "csv"))))
    moved = next(e for e in Calendar.from_ical(ics).walk("VEVENT") if str(e["UID"]) == "meeting-1@forum-bot")
    assert moved.decoded("DTSTART").astimezone(UTC) == datetime(2024, 4, 2, 8, 0, tzinfo=UTC)  # now UTC+2
    assert int(moved["SEQUENCE"]) == 1 and str(moved["STATUS"]) == "CONFIRMED"  # calendars replace the old one
    by_id = {row["id"]: row for row in rows}
    assert by_id["S1"]["starts_at"] == "2024-04-02T08:00:00+00:00"
    assert by_id["S1"]["local_start"] == "2024-04-02T10:00"
    assert by_id["S1"]["timezone"] == "Europe/Paris"
    assert by_id["S4"]["status"] == "cancelled" and by_id["S4"]["cancel_reason"] == "no quorum"
    assert by_id["S4"]["cancelled_by"] == "alice" and by_id["S4"]["cancelled_at"] == "2024-03-20T08:00:00+00:00"
    assert by_id["S2"]["agenda"] == ["Vote on P1"]
    assert by_id["S3"]["kind"] == "plenary" and by_id["S3"]["group"] is None
    assert [row["id"] for row in table] == [row["id"] for row in rows]
    assert table[1]["agenda"] == "; ".join(by_id[table[1]["id"]]["agenda"])  # a list reads `a; b` in a cell


async def test_calendar_in_a_group_room_shows_that_group_and_forum_wide_events(forum: Forum) -> None:
    await play(forum, SETUP + "[secretariat] alice: /group add justice Open justice\n"
                              "[justice] alice: /room group justice\n"
                              "[justice] alice: /meeting plan justice 2024-06-01 10:00\n"
                              "[justice] alice: /calendar\n")
    uids = {str(e["UID"]) for e in Calendar.from_ical(_calendar_file(forum)).walk("VEVENT")}
    assert uids == {"meeting-3@forum-bot", "meeting-4@forum-bot", "meeting-5@forum-bot"}


async def test_only_meetings_not_yet_held_count_as_to_come(forum: Forum) -> None:
    """S1 held this morning, S4 cancelled: neither is to come; S2 and S3 are the two to come."""
    out = await play(forum, SETUP + "@at 2024-03-28 10:05\n"
                                    "[open-data] alice: /minutes start S1\n"
                                    "[open-data] alice: #info the data is out\n"
                                    "[open-data] alice: /minutes end\n"
                                    "[open-data] alice: /calendar\n")
    assert "Here is the calendar: 2 events to come." in out
