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


def answer(uow: UnitOfWork, proposal: Proposal, given: str, reason: str, by: int) -> ProposalEvent:
    """The reasoned answer; raises ProposalRefused when withdrawn or being voted on."""
    if proposal.status in (ProposalStatus.WITHDRAWN, ProposalStatus.VOTING):
        raise ProposalRefused(proposal.status)
    proposal.answer, proposal.answer_reason, proposal.answered_at, proposal.answered_by = given, reason, uow.now, by
    if proposal.status in (ProposalStatus.OPEN, ProposalStatus.EVALUATING, ProposalStatus.ACCEPTED,
                           ProposalStatus.REJECTED):
        proposal.status = given
    record_audit(uow.session, uow.now, by, "proposal.answer", "proposal", proposal.id,
                 {"answer": given, "reason": reason})
    return record_event(uow.session, uow.now, proposal, "answer", by, answer=given, text=reason)
