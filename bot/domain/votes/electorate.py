"""Who may vote: the holders of a voting role in the body, frozen into the vote's electorate when it opens."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain import DomainError
from bot.domain.bodies import Body
from bot.domain.people import VOTING_ROLES
from bot.storage.tables import Electorate, Role, Vote


class NobodyMayVote(DomainError):
    """The body has nobody holding a voting role."""

    def __init__(self, body: str, group_id: int | None) -> None:
        super().__init__(body, group_id)
        self.body, self.group_id = body, group_id


class NobodyPresent(DomainError):
    """A vote counted on attendance, but none of the body's voters is recorded present."""

    def __init__(self, body: str, group_id: int | None) -> None:
        super().__init__(body, group_id)
        self.body, self.group_id = body, group_id


def electorate_of(session: Session, body: str, group_id: int | None, now: datetime) -> list[int]:
    """Who may vote now: holders of a voting role in the body (ended mandates and observers excluded)."""
    query = select(Role).where(col(Role.role).in_(VOTING_ROLES), Role.since <= now)
    roles = [r for r in session.exec(query).all() if r.until is None or r.until > now]
    if body == Body.COMMITTEE:
        chosen = {r.person_id for r in roles if r.role in ("committee", "cochair")}
    elif body == Body.GROUP:
        chosen = {r.person_id for r in roles if r.group_id == group_id}
    else:
        chosen = {r.person_id for r in roles}
    return sorted(chosen)


def freeze_electorate(session: Session, vote: Vote, now: datetime, present: Collection[int] | None = None) -> int:
    """Store the vote and its electorate; returns the electorate's size. With `present` (a vote counted on
    attendance), only the body's voters among them."""
    session.add(vote)
    session.flush()
    assert vote.id is not None
    electorate = electorate_of(session, vote.body, vote.group_id, now)
    if not electorate:
        raise NobodyMayVote(vote.body, vote.group_id)
    if present is not None:
        electorate = [person_id for person_id in electorate if person_id in present]
        if not electorate:
            raise NobodyPresent(vote.body, vote.group_id)
    for person_id in electorate:
        session.add(Electorate(vote_id=vote.id, person_id=person_id))
    session.flush()
    return len(electorate)
