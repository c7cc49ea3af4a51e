"""Minutes taken in a room, MeetBot style: a session per meeting and room, tagged entries, action items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.config import Config
from bot.domain import UnitOfWork
from bot.domain.meetings import MeetingRefusal, MeetingStatus, WasCancelled
from bot.storage.tables import ActionItem, Meeting, MinutesEntry, MinutesSession, Person


class Tag(StrEnum):
    """What a line of the minutes records (the `minutes_entry.tag` column holds these values)."""

    HERE = "here"
    TOPIC = "topic"
    INFO = "info"
    AGREED = "agreed"
    ACTION = "action"


PRESENCE_TAGS = (str(Tag.HERE),)


class AlreadyTaking(MeetingRefusal):
    """Minutes of `meeting_id` are already being taken in this room."""


class NoMinutesHere(MeetingRefusal):
    pass


class OutsideWindow(MeetingRefusal):
    """Minutes are taken during the meeting: from `opens` to `closes`; outside, the chair confirms."""

    def __init__(self, meeting: Meeting, opens: datetime, closes: datetime) -> None:
        super().__init__(meeting.id)
        self.meeting, self.opens, self.closes = meeting, opens, closes


class NoSuchAction(Exception):
    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


class NotTheirs(NoSuchAction):
    """Only the person it was given to (or a co-chair, or the secretariat) marks an action done."""


class AlreadyDone(NoSuchAction):
    pass


def open_session(session: Session, room_id: int | None) -> MinutesSession | None:
    """The minutes being taken in this room, if any."""
    return session.exec(select(MinutesSession).where(MinutesSession.room_id == room_id,
                                                     col(MinutesSession.ended_at).is_(None))).first()


def minutes_window(config: Config, meeting: Meeting) -> tuple[datetime, datetime]:
    """When the minutes of `meeting` are taken without asking: a little before its start to a few hours after."""
    return (meeting.starts_at - config.meetings.minutes_open_before,
            meeting.starts_at + config.meetings.minutes_close_after)


def start(uow: UnitOfWork, meeting: Meeting, room_id: int, by: int, confirmed: bool = False) -> MinutesSession:
    """Start the minutes of `meeting` in a room; the one who starts them is present. Outside the meeting's window
    (see `minutes_window`) only when `confirmed`."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise WasCancelled(meeting.id)
    opens, closes = minutes_window(uow.config, meeting)
    if not confirmed and not opens <= uow.now <= closes:
        raise OutsideWindow(meeting, opens, closes)
    running = open_session(uow.session, room_id)
    if running is not None:
        raise AlreadyTaking(running.meeting_id)
    assert meeting.id is not None
    minutes = MinutesSession(meeting_id=meeting.id, room_id=room_id, started_by=by, started_at=uow.now)
    uow.session.add(minutes)
    uow.session.flush()
    uow.session.add(MinutesEntry(session_id=minutes.id or 0, tag=str(Tag.HERE), person_id=by, at=uow.now))
    return minutes


def record(uow: UnitOfWork, minutes: MinutesSession, tag: Tag, person_id: int | None, text: str = "") -> MinutesEntry:
    """One tagged line (for `here`, one per person present)."""
    assert minutes.id is not None
    entry = MinutesEntry(session_id=minutes.id, tag=str(tag), person_id=person_id, text=text, at=uow.now)
    uow.session.add(entry)
    return entry


def add_action(uow: UnitOfWork, minutes: MinutesSession, owner: Person, text: str, due: date | None) -> ActionItem:
    """An `#action @who …` line: the entry and the action item it creates."""
    assert owner.id is not None
    entry = record(uow, minutes, Tag.ACTION, owner.id, text)
    uow.session.flush()
    action = ActionItem(meeting_id=minutes.meeting_id, entry_id=entry.id, owner_id=owner.id, text=text, due=due,
                        created_at=uow.now)
    uow.session.add(action)
    uow.session.flush()
    return action


def taken(session: Session, minutes: MinutesSession) -> bool:
    """Whether anything was recorded beyond who was present: only minutes actually taken mark a meeting held."""
    return session.exec(select(MinutesEntry.id).where(MinutesEntry.session_id == minutes.id,
                                                      col(MinutesEntry.tag).not_in(PRESENCE_TAGS))).first() is not None


def end(uow: UnitOfWork, room_id: int | None) -> tuple[Meeting, MinutesSession]:
    """End the minutes taken in this room; a planned meeting is then held, if something was recorded."""
    minutes = open_session(uow.session, room_id)
    if minutes is None:
        raise NoMinutesHere()
    meeting = uow.session.get(Meeting, minutes.meeting_id)
    assert meeting is not None
    minutes.ended_at = uow.now
    if meeting.status == MeetingStatus.PLANNED and taken(uow.session, minutes):
        meeting.status, meeting.held_at = str(MeetingStatus.HELD), uow.now
    uow.session.flush()
    return meeting, minutes


@dataclass(frozen=True)
class Minutes:
    """The minutes as taken: who was present (in order, once each), the entries, the action items."""

    present: list[int]
    entries: list[MinutesEntry]
    actions: list[ActionItem]

    def tagged(self, tag: Tag) -> list[MinutesEntry]:
        return [e for e in self.entries if e.tag == tag]


def minutes_of(session: Session, minutes: MinutesSession) -> Minutes:
    entries = list(session.exec(select(MinutesEntry).where(MinutesEntry.session_id == minutes.id)
                                .order_by(col(MinutesEntry.id))).all())
    present: list[int] = []
    for entry in entries:
        if entry.tag == Tag.HERE and entry.person_id is not None and entry.person_id not in present:
            present.append(entry.person_id)
    actions = list(session.exec(select(ActionItem).join(MinutesEntry, col(MinutesEntry.id) == col(ActionItem.entry_id))
                                .where(MinutesEntry.session_id == minutes.id).order_by(col(ActionItem.id))).all())
    return Minutes(present, entries, actions)


def open_actions_of(session: Session, person_id: int) -> list[ActionItem]:
    """A person's action items not done, soonest due first."""
    return list(session.exec(select(ActionItem).where(ActionItem.owner_id == person_id,
                                                      ActionItem.done == False)  # noqa: E712
                             .order_by(col(ActionItem.due), col(ActionItem.id))).all())


def mark_done(uow: UnitOfWork, number: int, by: int, may_for_others: bool) -> ActionItem:
    """Mark action item T<number> done; only its owner may, unless `may_for_others` (a co-chair, the secretariat)."""
    action = uow.session.get(ActionItem, number)
    if action is None:
        raise NoSuchAction(number)
    if action.owner_id != by and not may_for_others:
        raise NotTheirs(number)
    if action.done:
        raise AlreadyDone(number)
    action.done, action.done_at = True, uow.now
    return action


# Action items reminded to their owner on the day they are due


def unreminded_actions(session: Session) -> list[ActionItem]:
    """Action items with a due date, not done, not yet reminded."""
    return list(session.exec(select(ActionItem).where(ActionItem.done == False,  # noqa: E712
                                                      col(ActionItem.due).is_not(None),
                                                      col(ActionItem.reminded_at).is_(None))).all())



def minutes_of_meeting(session: Session, meeting_id: int) -> list[Minutes]:
    """Every set of minutes taken for a meeting (one per room it was taken in), in order."""
    sessions = session.exec(select(MinutesSession).where(MinutesSession.meeting_id == meeting_id)
                            .order_by(col(MinutesSession.id))).all()
    return [minutes_of(session, s) for s in sessions]
