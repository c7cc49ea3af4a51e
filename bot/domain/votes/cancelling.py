"""Cancelling a vote or an election: claimed like a closing (once), no count, recorded in the register with its
reason; a proposal it was on goes back to open. The caller announces it in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col, select

from bot.audit import record_audit
from bot.domain import UnitOfWork
from bot.domain.proposals import ProposalStatus, record_event
from bot.domain.votes import Outcome, VoteStatus
from bot.storage.tables import Decision, Proposal, ProposalEvent, SecretChoice, Vote

CANCELLABLE = (VoteStatus.OPEN, VoteStatus.TIE)


@dataclass(frozen=True)
class Cancelled:
    vote: Vote
    decision: Decision
    proposal: Proposal | None
    event: ProposalEvent | None  # the proposal's "vote_cancelled" step, for its author


def cancel_vote(uow: UnitOfWork, vote: Vote, reason: str, by: int) -> Cancelled | None:
    """Cancel an open vote (or an election waiting on a tie); None when it is already closed or cancelled."""
    session, now = uow.session, uow.now
    assert vote.id is not None
    claimed = session.execute(update(Vote).where(col(Vote.id) == vote.id, col(Vote.status).in_(CANCELLABLE))
                              .values(status=VoteStatus.CANCELLED.value, closed_at=now, closed_by=by)
                              .execution_options(synchronize_session=False))
    if not getattr(claimed, "rowcount", 0):
        return None
    session.refresh(vote)
    vote.result = {**(vote.result or {}), "outcome": Outcome.CANCELLED, "reason": reason, "cancelled_by": by}
    if vote.secret:  # nothing is counted: the choices go, with the salt
        for row in session.exec(select(SecretChoice).where(SecretChoice.vote_id == vote.id)).all():
            session.delete(row)
        vote.salt = None
    decision = Decision(vote_id=vote.id, proposal_id=vote.proposal_id, title=vote.title, outcome=Outcome.CANCELLED,
                        decided_at=now, body=vote.body, group_id=vote.group_id, reason=reason, settled_by=None)
    session.add(decision)
    session.flush()
    proposal = session.get(Proposal, vote.proposal_id) if vote.proposal_id else None
    event = None
    if proposal is not None:
        proposal.status = ProposalStatus.OPEN
        event = record_event(session, now, proposal, "vote_cancelled", by, text=reason, vote_id=vote.id,
                             decision_id=decision.id)
    record_audit(session, now, by, "vote.cancel", "vote", vote.id, {"reason": reason, "decision": decision.id})
    return Cancelled(vote, decision, proposal, event)
