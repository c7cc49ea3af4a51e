"""The action plan's commitments: lookup, creation, and each one's progress at a glance."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.audit import record_audit
from bot.domain import UnitOfWork
from bot.domain.people import group_slug
from bot.domain.tracking.updates import latest_levels, latest_updates
from bot.rules.progress import CompletionLevel, derived_progress, is_late, milestone_percent
from bot.storage.tables import Commitment, Milestone, StatusUpdate

TITLE_LIMIT = 300
_CODE = re.compile(r"[A-Z]{2,5}-?\d{1,6}[A-Z]?")
_BY_CODE = select(Commitment).where(Commitment.code == bindparam("code"))


class CommitmentExists(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class TitleTooLong(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def normalize_code(text: str) -> str | None:
    """`fr0112` → `FR0112`; None when it does not look like a commitment code."""
    code = text.strip().upper()
    return code if _CODE.fullmatch(code) else None


def find_commitment(session: Session, code: str) -> Commitment | None:
    return session.exec(_BY_CODE, params={"code": code.upper()}).first()


def all_commitments(session: Session) -> list[Commitment]:
    return list(session.exec(select(Commitment).order_by(col(Commitment.code))).all())


def commitment_of(session: Session, milestone: Milestone) -> Commitment:
    commitment = session.get(Commitment, milestone.commitment_id)
    assert commitment is not None
    return commitment


def check_title(title: str) -> None:
    if len(title) > TITLE_LIMIT:
        raise TitleTooLong(TITLE_LIMIT)


def check_new_commitment(session: Session, code: str, title: str) -> None:
    """Refuse a code already taken, then a title too long."""
    if session.exec(select(Commitment).where(Commitment.code == code)).first():
        raise CommitmentExists(code)
    check_title(title)


def add_commitment(uow: UnitOfWork, person_id: int, code: str, title: str, group_id: int | None,
                   group: str | None) -> Commitment:
    commitment = Commitment(code=code, title=title, group_id=group_id, created_at=uow.now)
    uow.session.add(commitment)
    uow.session.flush()
    record_audit(uow.session, uow.now, person_id, "commitment.add", "commitment", commitment.id,
                 {"code": code, "group": group})
    return commitment


def milestones_by_commitment(session: Session, ids: Sequence[int]) -> dict[int, list[Milestone]]:
    rows = session.exec(select(Milestone).where(col(Milestone.commitment_id).in_(ids))
                        .order_by(col(Milestone.due), col(Milestone.id))).all()
    found: dict[int, list[Milestone]] = {}
    for milestone in rows:
        found.setdefault(milestone.commitment_id, []).append(milestone)
    return found


@dataclass(frozen=True)
class Figure:
    """A progress and a level, and whether they were derived from the milestones (docs/progress.md)."""

    progress: int | None
    level: str | None
    derived: bool = False


@dataclass(frozen=True)
class CommitmentProgress:
    """One commitment with its milestones (by due date), its own latest level, each milestone's latest level,
    and its latest update."""

    commitment: Commitment
    group_slug: str | None
    milestones: list[Milestone]
    level: StatusUpdate | None
    last_update: StatusUpdate | None
    today: date
    milestone_levels: dict[int, StatusUpdate] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return sum(1 for m in self.milestones if m.done_at is not None)

    @property
    def late(self) -> list[Milestone]:
        return [m for m in self.milestones if is_late(m.due, m.done_at is not None, self.today)]

    @property
    def upcoming(self) -> list[Milestone]:
        return [m for m in self.milestones if m.done_at is None and m.due >= self.today]

    def _reported(self, milestone: Milestone) -> tuple[int | None, str | None]:
        reported = self.milestone_levels.get(milestone.id or 0)
        return (reported.progress, reported.level) if reported else (None, None)

    def milestone_figure(self, milestone: Milestone) -> Figure:
        """A milestone's own progress: complete once done, else its latest reported one (if any)."""
        if milestone.done_at is not None:
            return Figure(100, CompletionLevel.COMPLETE)
        return Figure(*self._reported(milestone))

    @property
    def figure(self) -> Figure | None:
        """The commitment's progress: derived from its milestones when it has any, else its own latest update's."""
        derived = derived_progress([milestone_percent(m.done_at is not None, *self._reported(m))
                                    for m in self.milestones])
        if derived is not None:
            return Figure(derived[0], derived[1], derived=True)
        return Figure(self.level.progress, self.level.level) if self.level else None


def progress_of(session: Session, commitments: Sequence[Commitment], today: date,
                with_last_update: bool = False) -> list[CommitmentProgress]:
    """Each commitment's progress, in a constant few queries (plus one per group slug)."""
    ids = [c.id for c in commitments if c.id is not None]
    milestones = milestones_by_commitment(session, ids)
    updates = latest_updates(session, ids) if with_last_update else {}
    levels, milestone_levels = latest_levels(session, ids)
    found = []
    for c in commitments:
        assert c.id is not None
        found.append(CommitmentProgress(c, group_slug(session, c.group_id), milestones.get(c.id, []),
                                        levels.get(c.id), updates.get(c.id), today, milestone_levels))
    return found
