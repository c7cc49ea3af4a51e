"""Reads about votes: who is in the electorate, who took part, which votes are open, where a vote is posted."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.domain.bodies import Body
from bot.domain.votes import VoteStatus
from bot.notify import Outbox
from bot.storage.prebuilt import run
from bot.storage.tables import Electorate, Participation, Room, Vote

_IN_ELECTORATE = (select(Electorate.person_id)
                  .where(Electorate.vote_id == bindparam("vote_id"), Electorate.person_id == bindparam("person_id")))


def is_eligible(session: Session, vote: Vote, person_id: int) -> bool:
    """Whether the person is in the vote's electorate (frozen when it opened)."""
    return run(session, _IN_ELECTORATE, {"vote_id": vote.id, "person_id": person_id}).first() is not None


def electorate_ids(session: Session, vote_id: int) -> list[int]:
    return sorted(session.exec(select(Electorate.person_id).where(Electorate.vote_id == vote_id)).all())


def participants(session: Session, vote_id: int) -> set[int]:
    return set(session.exec(select(Participation.person_id).where(Participation.vote_id == vote_id)).all())


def has_voted(session: Session, vote: Vote, person_id: int) -> bool:
    return session.get(Participation, (vote.id, person_id)) is not None


def open_votes(session: Session) -> list[Vote]:
    return list(session.exec(select(Vote).where(Vote.status == VoteStatus.OPEN)
                             .order_by(col(Vote.closes_at), col(Vote.id))).all())


def same_open_vote(session: Session, vote: Vote) -> Vote | None:
    """An open vote or election that `vote` (not yet stored) would repeat: same kind, body, group and title (or
    proposal)."""
    def key(v: Vote) -> tuple[object, ...]:
        return v.kind, v.body, v.group_id, v.proposal_id, " ".join(v.title.casefold().split())
    return next((v for v in open_votes(session) if key(v) == key(vote)), None)


def body_rooms(outbox: Outbox, vote: Vote) -> list[Room]:
    """The rooms where the vote is announced and its result posted."""
    return outbox.rooms_with_purpose(vote.body, vote.group_id if vote.body == Body.GROUP else None)
