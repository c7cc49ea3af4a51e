"""What goes into the forum's calendar: each feature registers a source of dated events (meetings, vote
deadlines, milestone due dates); the /calendar command and `export meetings --format ics` read them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session


@dataclass(frozen=True)
class CalendarEvent:
    """One entry: a timed event (meeting, deadline) or an all-day one (a milestone's due date)."""

    uid: str
    title: str
    start: datetime | date
    end: datetime | date | None = None
    description: str = ""
    location: str = ""
    group_id: int | None = None
    cancelled: bool = False  # kept in the calendar as STATUS:CANCELLED, so subscribed calendars remove it
    sequence: int = 0  # raised each time the event changes (moved, cancelled)
    done: bool = False  # already happened (a meeting held): not counted as to come


CalendarSource = Callable[[Session, datetime], list[CalendarEvent]]
calendar_sources: list[CalendarSource] = []


def calendar_source(fn: CalendarSource) -> CalendarSource:
    """Decorator registering a source of calendar events."""
    calendar_sources.append(fn)
    return fn


def calendar_events(session: Session, now: datetime) -> list[CalendarEvent]:
    return [event for source in calendar_sources for event in source(session, now)]
