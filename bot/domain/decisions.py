"""The register of decisions: finding them (newest first, by text, body and year, a page at a time) and one
decision with what it came from (its vote, its proposal, the proposal's history). Chat's /decisions, the
web pages and the feed all read it here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.rules.text import fold
from bot.storage.tables import Decision, Proposal, ProposalEvent, Vote

_NEWEST_FIRST = (col(Decision.decided_at).desc(), col(Decision.id).desc())


@dataclass(frozen=True)
class DecisionFilter:
    """What to look for; every field optional. `body` is committee, plenary or a working group's slug."""

    text: str | None = None
    body: str | None = None
    group_id: int | None = None
    year: int | None = None


@dataclass(frozen=True)
class DecisionPage:
    """A page of the register (newest first) and how many decisions match in all."""

    items: list[Decision]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total


def _conditions(wanted: DecisionFilter, tz: ZoneInfo) -> list[Any]:
    found: list[Any] = []
    if wanted.group_id is not None:
        found.append(Decision.group_id == wanted.group_id)
    elif wanted.body:
        found.append(Decision.body == wanted.body)
    if wanted.year is not None:
        start = datetime(wanted.year, 1, 1, tzinfo=tz)
        found += [Decision.decided_at >= start, Decision.decided_at < start.replace(year=wanted.year + 1)]
    return found


def find_decisions(session: Session, tz: ZoneInfo, wanted: DecisionFilter = DecisionFilter(), *,
                   limit: int = 20, offset: int = 0) -> DecisionPage:
    """A page of matching decisions. Without text, two indexed queries whatever the register's size; a text
    is compared accent- and case-blind (fold) with every matching title."""
    conditions = _conditions(wanted, tz)
    if wanted.text:
        needle = fold(wanted.text)
        titles = session.exec(select(Decision.id, Decision.title).where(*conditions).order_by(*_NEWEST_FIRST)).all()
        ids = [i for i, title in titles if needle in fold(title)]
        chosen = ids[offset:offset + limit]
        rows = session.exec(select(Decision).where(col(Decision.id).in_(chosen))).all() if chosen else []
        by_id = {d.id: d for d in rows}
        return DecisionPage([by_id[i] for i in chosen], len(ids), offset, limit)
    total = session.exec(select(func.count()).select_from(Decision).where(*conditions)).one()
    items = session.exec(select(Decision).where(*conditions).order_by(*_NEWEST_FIRST).offset(offset).limit(limit)).all()
    return DecisionPage(list(items), int(total), offset, limit)


def decision_years(session: Session, tz: ZoneInfo) -> list[int]:
    """The years the register spans, newest first (from its first and last decision: two index lookups)."""
    first = session.exec(select(func.min(Decision.decided_at))).one()
    last = session.exec(select(func.max(Decision.decided_at))).one()
    if first is None or last is None:
        return []
    low, high = (_local_year(moment, tz) for moment in (first, last))
    return list(range(high, low - 1, -1))


def _local_year(moment: datetime, tz: ZoneInfo) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(tz).year


@dataclass(frozen=True)
class DecisionRecord:
    """A decision and where it came from."""

    decision: Decision
    vote: Vote | None
    proposal: Proposal | None
    history: list[ProposalEvent]


def decision_record(session: Session, number: int) -> DecisionRecord | None:
    decision = session.get(Decision, number)
    if decision is None:
        return None
    proposal = session.get(Proposal, decision.proposal_id) if decision.proposal_id else None
    history = list(session.exec(select(ProposalEvent).where(ProposalEvent.proposal_id == proposal.id)
                                .order_by(col(ProposalEvent.id))).all()) if proposal else []
    vote = session.get(Vote, decision.vote_id) if decision.vote_id else None
    return DecisionRecord(decision, vote, proposal, history)


def latest_decisions(session: Session, limit: int) -> list[Decision]:
    return list(session.exec(select(Decision).order_by(*_NEWEST_FIRST).limit(limit)).all())
