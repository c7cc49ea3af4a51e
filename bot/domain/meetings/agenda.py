"""A meeting's agenda: members propose items, the committee approves it; then it no longer changes."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, col, select

from bot.domain import UnitOfWork
from bot.domain.meetings import MeetingRefusal, MeetingStatus
from bot.storage.tables import AgendaItem, Meeting, Proposal

PROPOSAL_REF = re.compile(r"(?<![\w/])[Pp](\d{1,9})\b")
MAX_ITEMS = 30
MAX_ITEM_LENGTH = 500


class NotPlanned(MeetingRefusal):
    """The meeting was cancelled or held: its agenda no longer changes."""


class Approved(MeetingRefusal):
    """The agenda was approved on `on` (adding) or already approved (approving again)."""

    def __init__(self, meeting_id: int | None, on: date) -> None:
        super().__init__(meeting_id)
        self.on = on


class ItemTooLong(MeetingRefusal):
    limit = MAX_ITEM_LENGTH


class AgendaFull(MeetingRefusal):
    limit = MAX_ITEMS


class NoSuchProposal(MeetingRefusal):
    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number


class AgendaEmpty(MeetingRefusal):
    pass


def agenda_items(session: Session, meeting_id: int) -> list[AgendaItem]:
    return list(session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
                             .order_by(col(AgendaItem.position), col(AgendaItem.id))).all())


def proposal_number(text: str) -> int | None:
    """The first proposal an agenda item names (`Vote on P7` → 7)."""
    match = PROPOSAL_REF.search(text)
    return int(match.group(1)) if match else None


def _open(meeting: Meeting) -> int:
    assert meeting.id is not None
    if meeting.status != MeetingStatus.PLANNED:
        raise NotPlanned(meeting.id)
    return meeting.id


def add_item(uow: UnitOfWork, meeting: Meeting, text: str, by: int) -> AgendaItem:
    """Propose an item; one naming a proposal (P7) links it, and the proposal must exist."""
    meeting_id = _open(meeting)
    if meeting.agenda_approved_at is not None:
        raise Approved(meeting_id, meeting.agenda_approved_at.date())
    if len(text) > MAX_ITEM_LENGTH:
        raise ItemTooLong(meeting_id)
    items = agenda_items(uow.session, meeting_id)
    if len(items) >= MAX_ITEMS:
        raise AgendaFull(meeting_id)
    linked = proposal_number(text)
    if linked is not None and uow.session.get(Proposal, linked) is None:
        raise NoSuchProposal(linked)
    item = AgendaItem(meeting_id=meeting_id, position=len(items) + 1, text=text, proposed_by=by,
                      proposal_id=linked, created_at=uow.now)
    uow.session.add(item)
    uow.session.flush()
    return item


def approve(uow: UnitOfWork, meeting: Meeting, by: int) -> None:
    meeting_id = _open(meeting)
    if meeting.agenda_approved_at is not None:
        raise Approved(meeting_id, meeting.agenda_approved_at.date())
    if not agenda_items(uow.session, meeting_id):
        raise AgendaEmpty(meeting_id)
    meeting.agenda_approved_at, meeting.agenda_approved_by = uow.now, by
