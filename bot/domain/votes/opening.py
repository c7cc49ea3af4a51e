"""Opening a vote on a proposal, or an election: the electorate frozen, the opening audited."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from bot.audit import record_audit
from bot.domain import UnitOfWork
from bot.domain.proposals import ProposalStatus, record_event
from bot.domain.votes import VoteKind
from bot.domain.votes.ballots import new_salt
from bot.domain.votes.electorate import freeze_electorate
from bot.storage.tables import Proposal, ProposalEvent, Vote


@dataclass(frozen=True)
class Where:
    """Who votes (the body, and its group for a group vote; with `present`, only those of its voters recorded
    present at the meeting), until when, under which quorum."""

    body: str
    group_id: int | None
    closes_at: datetime
    quorum: Fraction | None
    present: Collection[int] | None = None


@dataclass(frozen=True)
class Opened:
    vote: Vote
    electorate: int
    event: ProposalEvent | None = None


def open_motion(uow: UnitOfWork, proposal: Proposal, where: Where, majority: str | None, secret: bool,
                by: int) -> Opened:
    """Put a proposal to the vote (the caller announces it and tells the author through `event`)."""
    vote = Vote(kind=VoteKind.MOTION, proposal_id=proposal.id, title=proposal.title, body=where.body,
                group_id=where.group_id, opened_by=by, opens_at=uow.now, closes_at=where.closes_at,
                quorum=str(where.quorum) if where.quorum else None, majority=majority or "simple", secret=secret,
                salt=new_salt() if secret else None)
    size = freeze_electorate(uow.session, vote, uow.now, where.present)
    proposal.status = ProposalStatus.VOTING
    record_audit(uow.session, uow.now, by, "vote.open", "vote", vote.id, {
        "proposal": proposal.id, "body": where.body, "group_id": where.group_id,
        "closes_at": vote.closes_at.isoformat(), "quorum": vote.quorum, "majority": vote.majority,
        "secret": secret, "electorate": size})
    event = record_event(uow.session, uow.now, proposal, "vote_opened", by, vote_id=vote.id)
    return Opened(vote, size, event)


def open_election(uow: UnitOfWork, title: str, where: Where, seats: int, candidates: list[int],
                  term_months: int | None, secret: bool, by: int) -> Opened:
    """Open an approval election for `seats` seats (the caller announces it)."""
    vote = Vote(kind=VoteKind.ELECTION, title=title, body=where.body, group_id=where.group_id, opened_by=by,
                opens_at=uow.now, closes_at=where.closes_at, quorum=str(where.quorum) if where.quorum else None,
                majority="simple", secret=secret, salt=new_salt() if secret else None, seats=seats,
                candidates=candidates, term_months=term_months)
    size = freeze_electorate(uow.session, vote, uow.now)
    record_audit(uow.session, uow.now, by, "election.open", "vote", vote.id, {
        "body": where.body, "seats": seats, "candidates": candidates, "term_months": vote.term_months,
        "closes_at": vote.closes_at.isoformat(), "secret": vote.secret, "electorate": size})
    return Opened(vote, size)

