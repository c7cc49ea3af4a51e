"""Meetings: planned sessions with their agenda, the minutes taken in the room, action items, and the
bookkeeping of reminders already sent (so a restart never sends one twice)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime


class Meeting(SQLModel, table=True):
    """A meeting (S2): of a working group, the plenary or the management committee.

    `starts_at` is UTC; `local_start` and `timezone` keep the wall time it was planned at (10:00 Paris time),
    so a meeting planned in summer for a winter day still starts at 10:00 on the clocks of those attending.
    """

    __table_args__ = (Index("ix_meeting_status_start", "status", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # group | plenary | committee
    group_id: int | None = Field(default=None, foreign_key="working_group.id", index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    local_start: str  # ISO wall time, e.g. 2024-11-05T10:00
    timezone: str
    place: str = ""
    status: str = "planned"  # planned | cancelled | held
    cancel_reason: str | None = None
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_by: int | None = Field(default=None, foreign_key="person.id")
    sequence: int = 0  # the iCalendar SEQUENCE: raised on each move or cancellation, so calendars follow
    agenda_approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agenda_approved_by: int | None = Field(default=None, foreign_key="person.id")
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    held_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AgendaItem(SQLModel, table=True):
    """One point of a meeting's agenda; `proposal_id` is the number of a proposal (P7) it links, if any."""

    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    position: int
    text: str
    proposed_by: int | None = Field(default=None, foreign_key="person.id")
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


class MinutesSession(SQLModel, table=True):
    """Minutes being taken (or taken) in one room for one meeting."""

    __tablename__ = "minutes_session"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    room_id: int = Field(foreign_key="room.id", index=True)
    started_by: int | None = Field(default=None, foreign_key="person.id")
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MinutesEntry(SQLModel, table=True):
    """A tagged line of the minutes (`bot.domain.meetings.minutes.Tag`): an item (topic, info, idea, agreed,
    disagreed, action, link), a presence (here, spoke), a chair given or taken back, or an undo.

    `author_id` wrote the line; `person_id` is whom it names (present, made or unmade chair, the first owner of an
    action). An undo is a line of its own whose `undoes_id` is the item it strikes: nothing is deleted."""

    __tablename__ = "minutes_entry"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="minutes_session.id", index=True)
    tag: str
    person_id: int | None = Field(default=None, foreign_key="person.id")
    author_id: int | None = Field(default=None, foreign_key="person.id")
    undoes_id: int | None = Field(default=None, foreign_key="minutes_entry.id")
    text: str = ""
    at: datetime = Field(sa_type=UTCDateTime)


class ActionItem(SQLModel, table=True):
    """Something a person agreed to do, from the minutes; reminded on its due date. An action named no known
    person has no owner (`owner_id` None); one struck by an undo of its line has `undone_at`."""

    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    entry_id: int | None = Field(default=None, foreign_key="minutes_entry.id")
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    text: str
    due: date | None = None
    done: bool = False
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)


class CadenceReminder(SQLModel, table=True):
    """A scheduled reminder already dealt with (sent, or skipped because it was no longer needed).

    Keys: `meeting:S2:<start>:<lead seconds>`, `cadence:g3:2024-Q2:first`, `plenary:2024-H1:second`.
    """

    __tablename__ = "cadence_reminder"

    key: str = Field(primary_key=True)
    kind: str
    sent: bool
    at: datetime = Field(sa_type=UTCDateTime)
