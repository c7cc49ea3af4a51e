"""Ballots: cast, replaced, withdrawn; a secret ballot's choice is found through a keyed slot, never the voter.

No table links a voter and a secret choice: `Participation` says who took part, `SecretChoice` holds the choice
under a slot that only the ballot key (with the vote's salt) can recompute, and closing nulls slots and salt.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, select

from bot.ballot_key import check_in_session
from bot.domain import DomainError
from bot.domain.votes import Choice, VoteStatus
from bot.domain.votes.lookups import is_eligible
from bot.rules.tally import ApprovalError, validate_approval
from bot.storage.prebuilt import dialect_of, insert_or_skip, run
from bot.storage.tables import Ballot, Participation, SecretChoice, Vote


class VoteClosed(DomainError):
    """Ballots can no longer be cast or changed."""


class NotInElectorate(DomainError):
    """The voter was not in the electorate frozen when the vote opened."""


def check_may_vote(session: Session, vote: Vote, person_id: int) -> None:
    """Raise VoteClosed or NotInElectorate unless the person may cast (or change) a ballot now."""
    if vote.status != VoteStatus.OPEN:
        raise VoteClosed()
    if not is_eligible(session, vote, person_id):
        raise NotInElectorate()


# --------------------------------------------------------------------------- secret slots


def new_salt() -> str:
    return secrets.token_hex(32)


def slot_of(vote: Vote, person_id: int, ballot_key: bytes) -> str:
    """The keyed hash that lets the bot find (and replace) one voter's secret choice while the vote is open."""
    assert vote.salt is not None
    key = ballot_key + bytes.fromhex(vote.salt)
    return hmac.new(key, f"{vote.id}:{person_id}".encode(), hashlib.sha256).hexdigest()


def secret_slot(session: Session, vote: Vote, person_id: int, ballot_key: str) -> str:
    """`slot_of` with the process's ballot key (`config.ballot_key`), once checked against the database's."""
    return slot_of(vote, person_id, check_in_session(session, ballot_key))


def secret_choice_of(session: Session, vote: Vote, slot: str) -> SecretChoice | None:
    return session.exec(select(SecretChoice).where(SecretChoice.vote_id == vote.id,
                                                   SecretChoice.slot == slot)).first()


# --------------------------------------------------------------------------- casting


def current_choice(session: Session, vote: Vote, person_id: int, ballot_key: str) -> str | None:
    """The sender's own current choice (the bot may read it for them while the vote is open)."""
    if vote.secret:
        row = secret_choice_of(session, vote, secret_slot(session, vote, person_id, ballot_key))
        return row.choice if row else None
    ballot = session.exec(select(Ballot).where(Ballot.vote_id == vote.id, Ballot.person_id == person_id)).first()
    return ballot.choice if ballot else None


_BALLOT = Ballot.__table__  # type: ignore[attr-defined]
_INSERT_BALLOT = insert(_BALLOT)
_CHANGE_BALLOT = update(_BALLOT).where(_BALLOT.c.vote_id == bindparam("b_vote_id"),
                                       _BALLOT.c.person_id == bindparam("b_person_id"))


def record_ballot(session: Session, vote: Vote, person_id: int, choice: str, reason: str | None,
                  now: datetime, ballot_key: str, college: str | None = None) -> bool:
    """Store or replace a ballot; returns True when it replaced an earlier one. `college` goes with a secret
    choice (only when its college is large enough: bot/domain/votes/colleges.py `secret_college`)."""
    assert vote.id is not None
    # A participation goes with exactly one ballot (or secret choice): written together, withdrawn together.
    first = run(session, insert_or_skip(Participation, dialect_of(session), ("vote_id", "person_id"), "vote_id"),
                {"vote_id": vote.id, "person_id": person_id, "at": now}).first() is not None
    if vote.secret:
        slot = secret_slot(session, vote, person_id, ballot_key)
        row = secret_choice_of(session, vote, slot)
        if row is None:
            session.add(SecretChoice(vote_id=vote.id, slot=slot, choice=choice, college=college))
        else:
            row.choice = choice
        session.flush()
    else:
        replaced = 0 if first else run(session, _CHANGE_BALLOT, {
            "b_vote_id": vote.id, "b_person_id": person_id, "choice": choice, "reason": reason,
            "changed_at": now}).rowcount
        if not replaced:
            run(session, _INSERT_BALLOT, {"vote_id": vote.id, "person_id": person_id, "choice": choice,
                                          "reason": reason, "cast_at": now})
    return not first


def withdraw_ballot(session: Session, vote: Vote, person_id: int, ballot_key: str) -> bool:
    """Remove the person's ballot (and participation); False when they had none."""
    assert vote.id is not None
    participation = session.get(Participation, (vote.id, person_id))
    if participation is None:
        return False
    session.delete(participation)
    if vote.secret:
        row = secret_choice_of(session, vote, secret_slot(session, vote, person_id, ballot_key))
        if row is not None:
            session.delete(row)
    else:
        ballot = session.exec(select(Ballot).where(Ballot.vote_id == vote.id,
                                                   Ballot.person_id == person_id)).first()
        if ballot is not None:
            session.delete(ballot)
    session.flush()
    return True


# --------------------------------------------------------------------------- an approval ballot


class _NamedWrongly(DomainError):
    """An approval ballot names `person_id` where it may not."""

    def __init__(self, person_id: int) -> None:
        super().__init__(person_id)
        self.person_id = person_id


class NotACandidate(_NamedWrongly):
    """The person named is not a candidate of the election."""


class NamedTwice(_NamedWrongly):
    """The ballot names the same person twice."""


class TooManyApprovals(DomainError):
    def __init__(self, seats: int) -> None:
        super().__init__(seats)
        self.seats = seats


def approval_ballot(vote: Vote, named: Iterable[tuple[str, int]], current: list[int] | None) -> list[int]:
    """The candidates approved: `named` as (sign, person) pairs, signs +/- changing `current` (None: absolute)."""
    candidates = list(vote.candidates or [])
    chosen = list(current or [])
    for sign, person_id in named:
        if person_id not in candidates:
            raise NotACandidate(person_id)
        chosen = _named(chosen, sign if current is not None else "", person_id)
    seats = vote.seats or 1
    try:
        validate_approval([str(c) for c in chosen], [str(c) for c in candidates], seats)
    except ApprovalError as exc:
        if exc.code == "too_many_choices":
            raise TooManyApprovals(seats) from exc
        raise
    return sorted(chosen)


def _named(chosen: list[int], sign: str, person_id: int) -> list[int]:
    """`chosen` once a candidate is named: removed by "-", added by "+" (sign "": named once, absolutely)."""
    if sign == "-":
        return [c for c in chosen if c != person_id]
    if person_id in chosen and not sign:
        raise NamedTwice(person_id)
    return chosen if person_id in chosen else [*chosen, person_id]


# --------------------------------------------------------------------------- counting


def choices_of(session: Session, vote: Vote) -> list[str]:
    if vote.secret:
        return list(session.exec(select(SecretChoice.choice).where(SecretChoice.vote_id == vote.id)).all())
    return list(session.exec(select(Ballot.choice).where(Ballot.vote_id == vote.id)).all())


def running_counts(session: Session, vote: Vote) -> dict[str, int]:
    counts = {str(c): 0 for c in Choice}
    for choice in choices_of(session, vote):
        if choice in counts:
            counts[choice] += 1
    return counts
