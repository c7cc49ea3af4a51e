"""Milestones: adding one, marking one done, and the lists (of a commitment, overdue, all, still open)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.audit import record_audit
from bot.domain import UnitOfWork
from bot.domain.tracking.commitments import check_title
from bot.rules.evidence import Evidence
from bot.rules.periods import Period
from bot.rules.progress import days_late, is_late, local_today
from bot.storage.tables import Commitment, Milestone


class MilestoneStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"


class AlreadyDone(Exception):
    def __init__(self, done_at: datetime) -> None:
        super().__init__(done_at)
        self.done_at = done_at


def status_of(milestone: Milestone) -> MilestoneStatus:
    return MilestoneStatus.DONE if milestone.done_at else MilestoneStatus.PENDING


def milestone_by_number(session: Session, number: int) -> Milestone | None:
    return session.get(Milestone, number)


def add_milestone(uow: UnitOfWork, person_id: int, commitment: Commitment, period: Period,
                  title: str) -> Milestone:
    check_title(title)
    assert commitment.id is not None
    milestone = Milestone(commitment_id=commitment.id, title=title, period_key=period.key(),
                          period_text=period.text or period.key(), due=period.due, created_at=uow.now)
    uow.session.add(milestone)
    uow.session.flush()
    record_audit(uow.session, uow.now, person_id, "milestone.add", "milestone", milestone.id,
                 {"commitment": commitment.code, "period": milestone.period_key})
    return milestone


@dataclass(frozen=True)
class Done:
    """A milestone just marked done; `was_late` when it was overdue (or already alerted as such)."""

    milestone: Milestone
    was_late: bool
    days_late: int


def mark_done(uow: UnitOfWork, person_id: int, milestone: Milestone, evidence: Evidence) -> Done:
    """Done now, with its evidence: a link, a note, or both (`bot.rules.evidence.read_evidence`)."""
    if milestone.done_at is not None:
        raise AlreadyDone(milestone.done_at)
    today = local_today(uow.now, uow.config.tz)
    late = is_late(milestone.due, False, today) or milestone.overdue_alerted_at is not None
    milestone.done_at, milestone.done_by = uow.now, person_id
    milestone.evidence, milestone.evidence_note = evidence.link, evidence.note
    record_audit(uow.session, uow.now, person_id, "milestone.done", "milestone", milestone.id,
                 {"evidence": evidence.link, "note": evidence.note})
    return Done(milestone, late, max(days_late(milestone.due, today), 0))


def _with_commitments() -> Any:
    return select(Milestone, Commitment).join(Commitment, col(Commitment.id) == col(Milestone.commitment_id))


def milestones_list(session: Session, *, overdue_on: date | None = None,
                    commitment_id: int | None = None) -> Sequence[tuple[Milestone, Commitment]]:
    """The milestones by due date: all, those of one commitment, or those late on `overdue_on`."""
    query = _with_commitments()
    if overdue_on is not None:
        query = query.where(col(Milestone.done_at).is_(None), col(Milestone.due) < overdue_on)
    elif commitment_id is not None:
        query = query.where(Milestone.commitment_id == commitment_id)
    return session.exec(query.order_by(col(Milestone.due), col(Milestone.id))).all()


def all_milestones(session: Session) -> Sequence[tuple[Milestone, Commitment]]:
    """Every milestone by number (the export)."""
    return session.exec(_with_commitments().order_by(col(Milestone.id))).all()


def open_milestones(session: Session) -> Sequence[tuple[Milestone, Commitment]]:
    """The milestones not done yet, by due date (the calendar)."""
    return session.exec(_with_commitments().where(col(Milestone.done_at).is_(None))
                        .order_by(col(Milestone.due))).all()
