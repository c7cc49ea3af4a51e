"""Proposals: submitted, answered, withdrawn, put to the vote; each step kept in the proposal's history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.audit import record_audit
from bot.domain import DomainError, UnitOfWork
from bot.domain.votes import Outcome
from bot.storage.tables import Decision, Proposal, ProposalEvent, Vote


class ProposalStatus(StrEnum):
    OPEN = "open"
    EVALUATING = "evaluating"
    VOTING = "voting"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ADOPTED = "adopted"
    WITHDRAWN = "withdrawn"


class Answer(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EVALUATING = "evaluating"


OPEN_STATUSES = (ProposalStatus.OPEN, ProposalStatus.EVALUATING, ProposalStatus.VOTING)


class ProposalRefused(DomainError):
    """The proposal's status does not allow this; `status` says which it is."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


# --------------------------------------------------------------------------- reads


def list_proposals(session: Session, *, only_open: bool) -> list[Proposal]:
    query = select(Proposal).order_by(col(Proposal.id))
    if only_open:
        query = query.where(col(Proposal.status).in_(OPEN_STATUSES))
    return list(session.exec(query).all())


def history(session: Session, number: int) -> list[ProposalEvent]:
    return list(session.exec(select(ProposalEvent).where(ProposalEvent.proposal_id == number)
                             .order_by(col(ProposalEvent.id))).all())


def votes_on(session: Session, number: int) -> list[Vote]:
    return list(session.exec(select(Vote).where(Vote.proposal_id == number).order_by(col(Vote.id))).all())


def last_decision(session: Session, number: int) -> Decision | None:
    return session.exec(select(Decision).where(Decision.proposal_id == number)
                        .order_by(col(Decision.id).desc())).first()


# --------------------------------------------------------------------------- changes


def record_event(session: Session, now: datetime, proposal: Proposal, action: str, actor_id: int | None, *,
                 answer: str | None = None, text: str | None = None, vote_id: int | None = None,
                 decision_id: int | None = None) -> ProposalEvent:
    """A step of the proposal's history (its author is told by the caller: bot/wording/proposals.py)."""
    event = ProposalEvent(proposal_id=proposal.id or 0, at=now, person_id=actor_id, action=action, answer=answer,
                          text=text, vote_id=vote_id, decision_id=decision_id)
    session.add(event)
    session.flush()
    return event


def submit(uow: UnitOfWork, author_id: int, group_id: int | None, title: str, description: str | None
           ) -> Proposal:
    proposal = Proposal(author_id=author_id, group_id=group_id, title=title, description=description,
                        created_at=uow.now)
    uow.session.add(proposal)
    uow.session.flush()
    uow.session.add(ProposalEvent(proposal_id=proposal.id or 0, at=uow.now, person_id=author_id,
                                  action="submitted"))
    record_audit(uow.session, uow.now, author_id, "proposal.submit", "proposal", proposal.id,
                 {"group_id": group_id})
    return proposal


def withdraw(uow: UnitOfWork, proposal: Proposal, by: int) -> ProposalEvent:
    """Withdraw before any vote: the register records it; raises ProposalRefused otherwise."""
    if proposal.status not in (ProposalStatus.OPEN, ProposalStatus.EVALUATING):
        raise ProposalRefused(proposal.status)
    proposal.status = ProposalStatus.WITHDRAWN
    decision = Decision(proposal_id=proposal.id, title=proposal.title, outcome=Outcome.WITHDRAWN,
                        decided_at=uow.now, group_id=proposal.group_id)
    uow.session.add(decision)
    uow.session.flush()
    record_audit(uow.session, uow.now, by, "proposal.withdraw", "proposal", proposal.id)
    return record_event(uow.session, uow.now, proposal, "withdrawn", by, decision_id=decision.id)


class ContradictsDecision(DomainError):
    """The answer would contradict the decision a closed vote took on the proposal."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.id)
        self.decision = decision


# What a vote's decision allows as an answer: the same verdict, or "evaluating" (implementation follow-up).
_CONSISTENT = {Outcome.ADOPTED: (Answer.ACCEPTED, Answer.EVALUATING),
               Outcome.REJECTED: (Answer.REJECTED, Answer.EVALUATING)}
# Statuses a vote cannot be opened from without a co-chair reopening the proposal first.
SETTLED = (ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN, ProposalStatus.ADOPTED)


def vote_decision(session: Session, proposal: Proposal) -> Decision | None:
    """The decision a closed vote took on the proposal, while it stands (a reopening sets it aside)."""
    decision = last_decision(session, proposal.id or 0)
    if decision is None or decision.vote_id is None or decision.outcome not in _CONSISTENT:
        return None
    steps = [e.action for e in history(session, proposal.id or 0) if e.action in ("decided", "reopened")]
    return decision if steps and steps[-1] == "decided" else None  # not when reopened since


def check_answer(session: Session, proposal: Proposal, given: str) -> None:
    """Raise ContradictsDecision when a closed vote on the proposal decided otherwise than `given`."""
    decided = vote_decision(session, proposal)
    if decided is not None and given not in _CONSISTENT[Outcome(decided.outcome)]:
        raise ContradictsDecision(decided)


def answer(uow: UnitOfWork, proposal: Proposal, given: str, reason: str, by: int) -> ProposalEvent:
    """The reasoned answer; raises ProposalRefused when withdrawn or being voted on, ContradictsDecision when a
    closed vote decided otherwise. After a vote the status stays the decision's: the answer is its follow-up."""
    if proposal.status in (ProposalStatus.WITHDRAWN, ProposalStatus.VOTING):
        raise ProposalRefused(proposal.status)
    check_answer(uow.session, proposal, given)
    decided = vote_decision(uow.session, proposal)
    proposal.answer, proposal.answer_reason, proposal.answered_at, proposal.answered_by = given, reason, uow.now, by
    if decided is None and proposal.status in (ProposalStatus.OPEN, ProposalStatus.EVALUATING,
                                               ProposalStatus.ACCEPTED, ProposalStatus.REJECTED):
        proposal.status = given
    record_audit(uow.session, uow.now, by, "proposal.answer", "proposal", proposal.id,
                 {"answer": given, "reason": reason})
    return record_event(uow.session, uow.now, proposal, "answer", by, answer=given, text=reason)


def reopen(uow: UnitOfWork, proposal: Proposal, reason: str, by: int) -> ProposalEvent:
    """A co-chair reopens a rejected, withdrawn or adopted proposal (so it may be voted on again), with a reason
    kept in its history; raises ProposalRefused when it is not settled."""
    if proposal.status not in (*SETTLED, ProposalStatus.ACCEPTED):
        raise ProposalRefused(proposal.status)
    previous = proposal.status
    proposal.status = ProposalStatus.OPEN
    record_audit(uow.session, uow.now, by, "proposal.reopen", "proposal", proposal.id,
                 {"reason": reason, "was": previous})
    return record_event(uow.session, uow.now, proposal, "reopened", by, answer=previous, text=reason)
