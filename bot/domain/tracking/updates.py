"""Status updates on commitments: the latest ones, recording one, the rows of a week or of an export."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from bot.audit import record_audit
from bot.domain import UnitOfWork
from bot.rules.progress import CompletionLevel
from bot.storage.tables import Commitment, Milestone, Person, StatusUpdate

TEXT_LIMIT = 2000


class UpdateTooLong(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _latest(session: Session, commitment_ids: Iterable[int], *conditions: Any) -> dict[int, StatusUpdate]:
    ids = list(set(commitment_ids))
    if not ids:
        return {}
    newest = (select(func.max(StatusUpdate.id)).where(col(StatusUpdate.commitment_id).in_(ids), *conditions)
              .group_by(col(StatusUpdate.commitment_id)))
    rows = session.exec(select(StatusUpdate).where(col(StatusUpdate.id).in_(newest))).all()
    return {row.commitment_id: row for row in rows}


def latest_updates(session: Session, commitment_ids: Iterable[int]) -> dict[int, StatusUpdate]:
    """The latest update of each commitment, in one query."""
    return _latest(session, commitment_ids)


def latest_levels(session: Session, commitment_ids: Iterable[int]) -> tuple[dict[int, StatusUpdate],
                                                                             dict[int, StatusUpdate]]:
    """The latest update that says a progress or a level: of each commitment itself (by commitment), and of
    each of their milestones (by milestone), in one query."""
    ids = list(set(commitment_ids))
    if not ids:
        return {}, {}
    newest = (select(func.max(StatusUpdate.id)).where(
        col(StatusUpdate.commitment_id).in_(ids),
        (col(StatusUpdate.progress).is_not(None)) | (col(StatusUpdate.level).is_not(None)))
        .group_by(col(StatusUpdate.commitment_id), col(StatusUpdate.milestone_id)))
    own: dict[int, StatusUpdate] = {}
    of_milestones: dict[int, StatusUpdate] = {}
    for row in session.exec(select(StatusUpdate).where(col(StatusUpdate.id).in_(newest))).all():
        if row.milestone_id is None:
            own[row.commitment_id] = row
        else:
            of_milestones[row.milestone_id] = row
    return own, of_milestones


def first_milestone_id(session: Session, commitment_id: int) -> int | None:
    """The first of a commitment's milestones by due date (None without any)."""
    return session.exec(select(Milestone.id).where(Milestone.commitment_id == commitment_id)
                        .order_by(col(Milestone.due), col(Milestone.id)).limit(1)).first()



def record_update(uow: UnitOfWork, person_id: int, commitment: Commitment, milestone: Milestone | None,
                  progress: int | None, level: CompletionLevel | None, text: str,
                  evidence: str | None) -> StatusUpdate:
    if len(text) > TEXT_LIMIT:
        raise UpdateTooLong(TEXT_LIMIT)
    assert commitment.id is not None
    row = StatusUpdate(commitment_id=commitment.id, milestone_id=milestone.id if milestone else None,
                       person_id=person_id, progress=progress, level=level, text=text, evidence=evidence,
                       created_at=uow.now)
    uow.session.add(row)
    uow.session.flush()
    record_audit(uow.session, uow.now, person_id, "update.add", "status_update", row.id,
                 {"commitment": commitment.code, "progress": progress, "level": level})
    return row


def updates_between(session: Session, commitment_ids: Sequence[int], start: datetime,
                    end: datetime) -> Sequence[StatusUpdate]:
    return session.exec(select(StatusUpdate).where(
        col(StatusUpdate.commitment_id).in_(commitment_ids), col(StatusUpdate.created_at) >= start,
        col(StatusUpdate.created_at) < end).order_by(col(StatusUpdate.id))).all()


def updated_since(session: Session, since: datetime) -> set[int]:
    """The commitments with an update since `since`."""
    return set(session.exec(select(StatusUpdate.commitment_id).where(col(StatusUpdate.created_at) >= since)).all())


def all_updates(session: Session) -> Sequence[tuple[StatusUpdate, Commitment, Person]]:
    """Every update with its commitment and author, in order (the export)."""
    return session.exec(select(StatusUpdate, Commitment, Person)
                        .join(Commitment, col(Commitment.id) == col(StatusUpdate.commitment_id))
                        .join(Person, col(Person.id) == col(StatusUpdate.person_id))
                        .order_by(col(StatusUpdate.id))).all()
