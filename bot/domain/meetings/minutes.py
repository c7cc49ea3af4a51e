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

    HERE = "here"  # #here [@who …]: present
    SPOKE = "spoke"  # anything said in the room while the minutes are open: present too (MeetBot's attendees)
    TOPIC = "topic"
    INFO = "info"
    IDEA = "idea"
    AGREED = "agreed"
    DISAGREED = "disagreed"
    ACTION = "action"
    LINK = "link"
    CHAIR = "chair"  # person_id becomes a chair of these minutes
    UNCHAIR = "unchair"
    UNDO = "undo"  # undoes_id: the item it strikes


ITEM_TAGS = (Tag.TOPIC, Tag.INFO, Tag.IDEA, Tag.AGREED, Tag.DISAGREED, Tag.ACTION, Tag.LINK)  # what #undo strikes


class AlreadyTaking(MeetingRefusal):
    """Minutes of `meeting_id` are already being taken in this room (`running`); `same_body`: that meeting is of
    the same body as the one asked for (the same meeting, or another of the same group, plenary or committee)."""

    def __init__(self, running: MinutesSession, same_body: bool) -> None:
        super().__init__(running.meeting_id)
        self.running, self.same_body = running, same_body


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
    """Only the person it was given to (or a co-chair, or the secretariat) marks an action done; an action without
    an owner, only they."""


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
    _not_running(uow.session, meeting, room_id)
    assert meeting.id is not None
    minutes = MinutesSession(meeting_id=meeting.id, room_id=room_id, started_by=by, started_at=uow.now)
    uow.session.add(minutes)
    uow.session.flush()
    record(uow, minutes, Tag.HERE, by, author_id=by)
    return minutes


def _not_running(session: Session, meeting: Meeting, room_id: int) -> None:
    """One set of minutes at a time in a room: starting the same meeting, or another of the same body, again is
    refused saying so."""
    running = open_session(session, room_id)
    if running is None:
        return
    other = session.get(Meeting, running.meeting_id)
    same_body = other is not None and (other.kind, other.group_id) == (meeting.kind, meeting.group_id)
    raise AlreadyTaking(running, same_body)


def record(uow: UnitOfWork, minutes: MinutesSession, tag: Tag, person_id: int | None, text: str = "", *,
           author_id: int | None = None, undoes_id: int | None = None) -> MinutesEntry:
    """One tagged line written by `author_id` (for `here`, one per person present)."""
    assert minutes.id is not None
    entry = MinutesEntry(session_id=minutes.id, tag=str(tag), person_id=person_id, author_id=author_id,
                         undoes_id=undoes_id, text=text, at=uow.now)
    uow.session.add(entry)
    return entry


def add_action(uow: UnitOfWork, minutes: MinutesSession, owners: list[Person], text: str, due: date | None,
               author_id: int | None = None) -> list[ActionItem]:
    """An `#action …` line: its entry and an action item for each owner (one without an owner when it named
    nobody known: the action stays in the minutes)."""
    entry = record(uow, minutes, Tag.ACTION, owners[0].id if owners else None, text, author_id=author_id)
    uow.session.flush()
    actions = [ActionItem(meeting_id=minutes.meeting_id, entry_id=entry.id, owner_id=owner_id, text=text, due=due,
                          created_at=uow.now) for owner_id in ([o.id for o in owners] or [None])]
    uow.session.add_all(actions)
    uow.session.flush()
    return actions


def taken(session: Session, minutes: MinutesSession) -> bool:
    """Whether an item was recorded (and not undone) beyond who was present: only minutes actually taken mark a
    meeting held."""
    return bool(minutes_of(session, minutes).entries)


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
    """The minutes as taken: who was present (in order, once each: named by #here or heard in the room), the
    chairs, the items still standing, the action items, and the items struck by an undo (kept, not deleted)."""

    present: list[int]
    chairs: list[int]
    entries: list[MinutesEntry]
    actions: list[ActionItem]
    undone: list[MinutesEntry]

    def tagged(self, tag: Tag) -> list[MinutesEntry]:
        return [e for e in self.entries if e.tag == tag]


def _present(entries: list[MinutesEntry], struck: set[int | None]) -> list[int]:
    present: list[int] = []
    for entry in entries:
        named = entry.tag == Tag.HERE and entry.id not in struck
        person_id = entry.person_id if named else entry.author_id
        if person_id is not None and person_id not in present:
            present.append(person_id)
    return present


def _chairs(minutes: MinutesSession, entries: list[MinutesEntry]) -> list[int]:
    chairs = [minutes.started_by] if minutes.started_by is not None else []
    for entry in entries:
        if entry.tag == Tag.CHAIR and entry.person_id is not None and entry.person_id not in chairs:
            chairs.append(entry.person_id)
        elif entry.tag == Tag.UNCHAIR and entry.person_id in chairs and entry.person_id != minutes.started_by:
            chairs.remove(entry.person_id)
    return chairs


def minutes_of(session: Session, minutes: MinutesSession) -> Minutes:
    rows = list(session.exec(select(MinutesEntry).where(MinutesEntry.session_id == minutes.id)
                             .order_by(col(MinutesEntry.id))).all())
    struck = {e.undoes_id for e in rows if e.tag == Tag.UNDO}
    actions = list(session.exec(select(ActionItem).join(MinutesEntry, col(MinutesEntry.id) == col(ActionItem.entry_id))
                                .where(MinutesEntry.session_id == minutes.id, col(ActionItem.undone_at).is_(None))
                                .order_by(col(ActionItem.id))).all())
    items = [e for e in rows if e.tag in ITEM_TAGS]
    return Minutes(_present(rows, struck), _chairs(minutes, rows), [e for e in items if e.id not in struck], actions,
                   [e for e in items if e.id in struck])


def open_actions_of(session: Session, person_id: int) -> list[ActionItem]:
    """A person's action items not done, soonest due first."""
    return list(session.exec(select(ActionItem).where(ActionItem.owner_id == person_id,
                                                      ActionItem.done == False,  # noqa: E712
                                                      col(ActionItem.undone_at).is_(None))
                             .order_by(col(ActionItem.due), col(ActionItem.id))).all())


def mark_done(uow: UnitOfWork, number: int, by: int, may_for_others: bool) -> ActionItem:
    """Mark action item T<number> done; only its owner may, unless `may_for_others` (a co-chair, the secretariat)."""
    action = uow.session.get(ActionItem, number)
    if action is None or action.undone_at is not None:
        raise NoSuchAction(number)
    if action.owner_id != by and not may_for_others:
        raise NotTheirs(number)
    if action.done:
        raise AlreadyDone(number)
    action.done, action.done_at = True, uow.now
    return action


# Action items reminded to their owner on the day they are due


def unreminded_actions(session: Session) -> list[ActionItem]:
    """Action items with an owner and a due date, not done, not undone, not yet reminded."""
    return list(session.exec(select(ActionItem).where(ActionItem.done == False,  # noqa: E712
                                                      col(ActionItem.owner_id).is_not(None),
                                                      col(ActionItem.undone_at).is_(None),
                                                      col(ActionItem.due).is_not(None),
                                                      col(ActionItem.reminded_at).is_(None))).all())


def minutes_of_meeting(session: Session, meeting_id: int) -> list[Minutes]:
    """Every set of minutes taken for a meeting (one per room it was taken in), in order."""
    sessions = session.exec(select(MinutesSession).where(MinutesSession.meeting_id == meeting_id)
                            .order_by(col(MinutesSession.id))).all()
    return [minutes_of(session, s) for s in sessions]
