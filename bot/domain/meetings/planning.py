"""Planning meetings: plan, move and cancel (the reminders already past are marked skipped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from bot.domain import UnitOfWork
from bot.domain.meetings import MeetingKind, MeetingRefusal, MeetingStatus, WasCancelled, WasHeld, local_to_utc
from bot.domain.meetings.reminders import skip_past_reminders
from bot.storage.tables import Meeting, WorkingGroup

MAX_PLACE = 300


class StartsInThePast(MeetingRefusal):
    def __init__(self, starts_at: datetime) -> None:
        super().__init__()
        self.starts_at = starts_at


class PlaceTooLong(MeetingRefusal):
    limit = MAX_PLACE


class AlreadyThen(MeetingRefusal):
    """The move changes nothing: same start, same place."""


class AlreadyPlanned(MeetingRefusal):
    """The same body already has meeting `meeting_id` planned at that time: the same meeting asked twice."""


def _start(uow: UnitOfWork, local: datetime) -> datetime:
    starts_at = local_to_utc(local, uow.config.tz)
    if starts_at <= uow.now:
        raise StartsInThePast(starts_at)
    return starts_at


def plan(uow: UnitOfWork, kind: MeetingKind, group: WorkingGroup | None, local: datetime, place: str | None,
         by: int) -> Meeting:
    """A new meeting at the local wall time `local` (in the forum's zone)."""
    if place and len(place) > MAX_PLACE:
        raise PlaceTooLong()
    starts_at = _start(uow, local)
    twin = uow.session.exec(select(Meeting.id).where(Meeting.kind == str(kind), Meeting.starts_at == starts_at,
                                                     Meeting.group_id == (group.id if group else None),
                                                     Meeting.status == MeetingStatus.PLANNED)).first()
    if twin is not None:
        raise AlreadyPlanned(twin)
    meeting = Meeting(kind=str(kind), group_id=group.id if group else None, starts_at=starts_at,
                      local_start=local.isoformat(timespec="minutes"), timezone=uow.config.timezone,
                      place=place or "", created_by=by, created_at=uow.now)
    uow.session.add(meeting)
    uow.session.flush()
    skip_past_reminders(uow.session, uow.config, meeting, uow.now)
    return meeting


def _changeable(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise WasCancelled(meeting.id)
    if meeting.status == MeetingStatus.HELD:
        raise WasHeld(meeting.id)


def cancel(uow: UnitOfWork, meeting: Meeting, reason: str, by: int) -> None:
    """Cancel a meeting not yet held, with its reason and who cancelled it (the register keeps them)."""
    _changeable(meeting)
    meeting.status, meeting.cancel_reason = str(MeetingStatus.CANCELLED), reason
    meeting.cancelled_at, meeting.cancelled_by = uow.now, by
    meeting.sequence += 1


@dataclass(frozen=True)
class Moved:
    meeting: Meeting
    before: datetime


def move(uow: UnitOfWork, meeting: Meeting, local: datetime, place: str | None) -> Moved:
    """The meeting at another local wall time (and place, if given)."""
    _changeable(meeting)
    starts_at = _start(uow, local)
    if starts_at == meeting.starts_at and (place is None or place == meeting.place):
        raise AlreadyThen(meeting.id)
    before = meeting.starts_at
    meeting.starts_at, meeting.local_start = starts_at, local.isoformat(timespec="minutes")
    meeting.timezone = uow.config.timezone
    meeting.sequence += 1
    if place:
        meeting.place = place
    uow.session.flush()
    skip_past_reminders(uow.session, uow.config, meeting, uow.now)
    return Moved(meeting, before)
