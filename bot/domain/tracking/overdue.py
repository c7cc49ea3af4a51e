"""What falls due: milestones newly or still overdue, the rooms to tell, and a digest's week of activity.

A milestone is overdue from the day after its due date, 00:00 in the forum's time zone. "Newly overdue" is
`done_at IS NULL AND overdue_alerted_at IS NULL AND due < today`, an index lookup on ix_milestone_overdue;
stamping `overdue_alerted_at` makes each alert happen once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, func, select

from bot.domain import UnitOfWork
from bot.domain.tracking.updates import updated_since, updates_between
from bot.notify import Outbox
from bot.storage.tables import Commitment, Milestone, Room, StatusUpdate, WorkingGroup

DUE_SOON = timedelta(days=30)
SILENT_AFTER = timedelta(days=30)


def newly_overdue_query(today: date) -> Any:
    """Milestones whose due date has passed and that were neither done nor alerted (ix_milestone_overdue)."""
    return (select(Milestone, Commitment)
            .join(Commitment, col(Commitment.id) == col(Milestone.commitment_id))
            .where(col(Milestone.done_at).is_(None), col(Milestone.overdue_alerted_at).is_(None),
                   col(Milestone.due) < today)
            .order_by(col(Milestone.due), col(Milestone.id)))


def newly_overdue(session: Session, today: date) -> Sequence[tuple[Milestone, Commitment]]:
    return session.exec(newly_overdue_query(today)).all()


def earliest_unalerted_due(session: Session) -> date | None:
    """The first due date among the milestones neither done nor alerted."""
    return session.exec(select(func.min(Milestone.due)).where(
        col(Milestone.done_at).is_(None), col(Milestone.overdue_alerted_at).is_(None))).one()


def stamp_alerted(uow: UnitOfWork, milestones: Iterable[Milestone]) -> None:
    """Mark these milestones as alerted, in one statement."""
    uow.session.execute(update(Milestone).where(col(Milestone.id).in_([m.id for m in milestones]))
                        .values(overdue_alerted_at=uow.now).execution_options(synchronize_session=False))


def still_late(session: Session, alerted_before: datetime) -> Sequence[tuple[Milestone, Commitment]]:
    """The milestones alerted before that moment and still not done, by due date."""
    return session.exec(
        select(Milestone, Commitment).join(Commitment, col(Commitment.id) == col(Milestone.commitment_id))
        .where(col(Milestone.done_at).is_(None), col(Milestone.overdue_alerted_at).is_not(None),
               col(Milestone.overdue_alerted_at) < alerted_before)
        .order_by(col(Milestone.due), col(Milestone.id))).all()


def first_open_alert(session: Session) -> datetime | None:
    """When the oldest alert still open (its milestone not done) was sent."""
    return session.exec(select(func.min(Milestone.overdue_alerted_at)).where(
        col(Milestone.done_at).is_(None), col(Milestone.overdue_alerted_at).is_not(None))).one()


def group_rooms(outbox: Outbox, group_ids: Iterable[int | None]) -> dict[int, list[Room]]:
    """The active rooms of these working groups, in one query."""
    ids = sorted({g for g in group_ids if g is not None})
    found: dict[int, list[Room]] = {}
    for room in outbox.rooms_with_purpose("group", group_ids=ids) if ids else []:
        assert room.group_id is not None
        found.setdefault(room.group_id, []).append(room)
    return found


def commitment_rooms(outbox: Outbox, commitment: Commitment) -> list[Room]:
    """The secretariat's rooms, then those of the commitment's group."""
    return outbox.rooms_with_purpose("secretariat") + group_rooms(outbox, [commitment.group_id]).get(
        commitment.group_id or 0, [])


# --------------------------------------------------------------------------- the weekly digest


def first_commitment_at(session: Session) -> datetime | None:
    return session.exec(select(func.min(Commitment.created_at))).one()


def commitments_before(session: Session, moment: datetime) -> list[Commitment]:
    return list(session.exec(select(Commitment).where(col(Commitment.created_at) < moment)
                             .order_by(col(Commitment.code))).all())


def by_group(commitments: Iterable[Commitment]) -> dict[int, list[Commitment]]:
    found: dict[int, list[Commitment]] = {}
    for c in commitments:
        if c.group_id is not None:
            found.setdefault(c.group_id, []).append(c)
    return found


@dataclass(frozen=True)
class Week:
    """What happened to some commitments in [start, end), and what is late or due soon on `today`."""

    start: datetime
    today: date
    codes: dict[int, str]
    updates: Sequence[StatusUpdate]
    done: list[Milestone]
    soon: list[Milestone]
    late: list[Milestone]


def week_of(session: Session, commitments: Sequence[Commitment], start: datetime, end: datetime,
            today: date) -> Week:
    ids = [c.id for c in commitments if c.id is not None]
    updates = updates_between(session, ids, start, end)
    # Only what the digest can show (done this week, open and due by the 30-day horizon), not the history.
    milestones = session.exec(select(Milestone).where(
        col(Milestone.commitment_id).in_(ids),
        or_(and_(col(Milestone.done_at) >= start, col(Milestone.done_at) < end),
            and_(col(Milestone.done_at).is_(None), col(Milestone.due) <= today + DUE_SOON)))
        .order_by(col(Milestone.due), col(Milestone.id))).all()
    return Week(
        start, today, {c.id: c.code for c in commitments if c.id is not None}, updates,
        done=[m for m in milestones if m.done_at is not None and start <= m.done_at < end],
        soon=[m for m in milestones if m.done_at is None and today <= m.due <= today + DUE_SOON],
        late=[m for m in milestones if m.done_at is None and m.due < today])


def silent_groups(session: Session, groups: dict[int, list[Commitment]], now: datetime) -> list[str]:
    """Groups following a commitment for more than 30 days with no update on any of them in 30 days."""
    since = now - SILENT_AFTER
    active = updated_since(session, since)
    silent = []
    for group_id, own in groups.items():
        if any(c.id in active for c in own) or all(c.created_at > since for c in own):
            continue
        group = session.get(WorkingGroup, group_id)
        silent.append(group.slug if group else str(group_id))
    return sorted(silent)
