"""/calendar: an iCalendar file (RFC 5545) of the forum's meetings and deadlines, built with `icalendar`."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.calendar_feed import CalendarEvent, calendar_events, calendar_source
from bot.config import Config
from bot.context import Context
from bot.domain.meetings import DEFAULT_LENGTH, MeetingKind, MeetingStatus, group_of
from bot.domain.meetings.agenda import agenda_items
from bot.domain.rooms import RoomPurpose
from bot.i18n import TN, T
from bot.messages import Attachment, Extras
from bot.registry import command
from bot.storage.tables import Meeting

PRODID = "-//Forum Bot//Open Government Forum//FR"
KIND_TITLES: dict[str, str] = {MeetingKind.PLENARY: "Plénière / Plenary",
               MeetingKind.COMMITTEE: "Comité de pilotage / Management committee"}


@calendar_source
def meeting_events(session: Session, now: datetime) -> list[CalendarEvent]:
    """Every meeting, at its wall time in the zone it was planned in; a cancelled one stays, marked cancelled."""
    events = []
    for meeting in session.exec(select(Meeting).order_by(col(Meeting.starts_at))).all():
        assert meeting.id is not None
        group = group_of(session, meeting)
        title = f"S{meeting.id} · " + (group.name if group else KIND_TITLES.get(meeting.kind, meeting.kind))
        start = meeting.starts_at.astimezone(ZoneInfo(meeting.timezone))
        agenda = "\n".join(f"{n}. {item.text}" for n, item in enumerate(agenda_items(session, meeting.id), 1))
        events.append(CalendarEvent(uid=f"meeting-{meeting.id}@forum-bot", title=title, start=start,
                                    end=start + DEFAULT_LENGTH, description=agenda, location=meeting.place,
                                    group_id=meeting.group_id,
                                    cancelled=meeting.status == MeetingStatus.CANCELLED,
                                    sequence=meeting.sequence, done=meeting.status == MeetingStatus.HELD))
    return events


def to_ics(events: list[CalendarEvent], now: datetime) -> str:
    """The events as one VCALENDAR, with the VTIMEZONE of every zone used."""
    from icalendar import Calendar, Event  # imported when a calendar is built: it slows every start-up

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Forum Bot")
    for item in sorted(events, key=lambda e: (str(e.start), e.uid)):
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", now)
        event.add("summary", item.title)
        event.add("sequence", item.sequence)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("dtstart", item.start)
        if item.end is not None:
            event.add("dtend", item.end)
        if item.description:
            event.add("description", item.description)
        if item.location:
            event.add("location", item.location)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")


def ics_document(session: Session, config: Config, now: datetime) -> str:
    """`export meetings --format ics`: the whole calendar, as /calendar sends it."""
    return to_ics(calendar_events(session, now), now)


@command("calendar", "calendrier", help=T("an iCalendar file of meetings and deadlines"), usage=T("/calendar"))
async def calendar(ctx: Context) -> None:
    events = calendar_events(ctx.session, ctx.now)
    if ctx.room.purpose == RoomPurpose.GROUP and ctx.room.group_id is not None:
        events = [e for e in events if e.group_id in (None, ctx.room.group_id)]
    upcoming = sum(1 for e in events if not e.cancelled and not e.done and _after(e, ctx.now - timedelta(days=1)))
    ctx.reply(TN("Here is the calendar: {n} event to come. Open the file to add it to your agenda.",
                 "Here is the calendar: {n} events to come. Open the file to add them to your agenda.", upcoming)
              if upcoming else T("Here is the calendar: no event to come. Its file keeps the past and cancelled "
                                 "ones."),
              extras=Extras(attachment=Attachment("forum-calendar.ics", "text/calendar", to_ics(events, ctx.now))))


def _after(event: CalendarEvent, moment: datetime) -> bool:
    start = event.start
    if isinstance(start, datetime):
        return start >= moment
    return start >= moment.date()
