"""Meetings (S2) of a working group, the plenary or the management committee: what they are, finding them, the
rooms concerned and local wall times. Planning, agendas, minutes, reminders and the cadence have their modules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.config import Config
from bot.domain.rooms import RoomPurpose
from bot.notify import Outbox
from bot.storage.tables import Meeting, Room, WorkingGroup

DEFAULT_LENGTH = timedelta(hours=2)
REMINDER_HOUR = time(9, 0)


class MeetingKind(StrEnum):
    """Whose meeting it is (the `meeting.kind` column holds these values)."""

    GROUP = "group"
    PLENARY = "plenary"
    COMMITTEE = "committee"


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"
    HELD = "held"


KINDS = tuple(MeetingKind)


class MeetingRefusal(Exception):
    """Why a change to meeting `meeting_id` is refused; each subclass is worded by its handler."""

    def __init__(self, meeting_id: int | None = None) -> None:
        super().__init__(meeting_id)
        self.meeting_id = meeting_id


class WasCancelled(MeetingRefusal):
    pass


class WasHeld(MeetingRefusal):
    pass


class NonexistentLocalTime(Exception):
    """The wall time does not exist in the zone (the hour skipped when clocks go forward)."""

    def __init__(self, local: datetime, zone: ZoneInfo) -> None:
        super().__init__(local, zone)
        self.local, self.zone = local, zone


def group_of(session: Session, meeting: Meeting) -> WorkingGroup | None:
    return session.get(WorkingGroup, meeting.group_id) if meeting.group_id else None


def rooms_concerned(outbox: Outbox, meeting: Meeting) -> list[Room]:
    """The rooms told about a meeting: its group's rooms, the plenary's, or the committee's."""
    if meeting.kind == MeetingKind.GROUP:
        return outbox.rooms_with_purpose(RoomPurpose.GROUP, meeting.group_id) if meeting.group_id else []
    return outbox.rooms_with_purpose(meeting.kind)


def local_to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A wall time in `tz` as UTC; refuses the hour that does not exist when clocks go forward."""
    aware = local.replace(tzinfo=tz)
    utc = aware.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local:
        raise NonexistentLocalTime(local, tz)
    return utc


def at_local(day: date, config: Config, at: time = REMINDER_HOUR) -> datetime:
    """`day` at a local wall time, as UTC."""
    return datetime.combine(day, at, tzinfo=config.tz).astimezone(UTC)


def upcoming(session: Session, now: datetime, grace: timedelta = timedelta(hours=3)) -> list[Meeting]:
    """Planned meetings not yet over (one that began less than `grace` ago still counts)."""
    return list(session.exec(select(Meeting).where(Meeting.status == MeetingStatus.PLANNED,
                                                   Meeting.starts_at > now - grace)
                             .order_by(col(Meeting.starts_at), col(Meeting.id))).all())


def past(session: Session, now: datetime, limit: int, offset: int = 0) -> tuple[list[Meeting], int]:
    """A page of the meetings already started (held, cancelled or past their time), newest first, and their
    number in all."""
    from sqlalchemy import func

    earlier = Meeting.starts_at <= now
    total = session.exec(select(func.count()).select_from(Meeting).where(earlier)).one()
    rows = session.exec(select(Meeting).where(earlier).order_by(col(Meeting.starts_at).desc(), col(Meeting.id).desc())
                        .offset(offset).limit(limit)).all()
    return list(rows), int(total)
