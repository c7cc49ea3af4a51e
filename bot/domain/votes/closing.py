"""Closing a vote: claimed with a compare-and-set (a vote closes exactly once), counted, recorded as a Decision,
its secret links forgotten. The caller posts the result (bot/wording/votes.py) in the same transaction."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from bot.audit import record_audit
from bot.domain import UnitOfWork
from bot.domain.elections import close_election
from bot.domain.proposals import ProposalStatus, record_event
from bot.domain.votes import Choice, Outcome, VoteKind, VoteStatus
from bot.domain.votes.ballots import choices_of
from bot.domain.votes.colleges import apply_colleges, record_count
from bot.domain.votes.lookups import electorate_ids
from bot.domain.votes.results import Closed, MotionClosed, fraction_text
from bot.rules.college_tally import base_majority
from bot.rules.tally import tally
from bot.storage.tables import Decision, Proposal, SecretChoice, Vote


def close_vote(uow: UnitOfWork, vote: Vote, by: int | None) -> Closed | None:
    """Count, record the decision, forget the secret links; None when already closed."""
    session, now = uow.session, uow.now
    assert vote.id is not None
    claimed = session.execute(update(Vote).where(col(Vote.id) == vote.id, col(Vote.status) == VoteStatus.OPEN)
                              .values(status=VoteStatus.CLOSED.value, closed_at=now, closed_by=by)
                              .execution_options(synchronize_session=False))
    if not getattr(claimed, "rowcount", 0):
        return None
    session.refresh(vote)
    electorate = len(electorate_ids(session, vote.id))
    choices = choices_of(session, vote)
    if vote.kind == VoteKind.ELECTION:
        closed: Closed = close_election(uow, vote, electorate, choices)
    else:
        closed = _close_motion(uow, vote, electorate, choices)
    if vote.secret:
        session.execute(update(SecretChoice).where(col(SecretChoice.vote_id) == vote.id).values(slot=None)
                        .execution_options(synchronize_session=False))
        vote.salt = None
    record_audit(session, now, by, "vote.close", "vote", vote.id,
                 {"outcome": (vote.result or {}).get("outcome"), "early": now < vote.closes_at})
    session.flush()
    return closed


def _close_motion(uow: UnitOfWork, vote: Vote, electorate: int, choices: list[str]) -> MotionClosed:
    session, now = uow.session, uow.now
    counted = tally([Choice(c) for c in choices if c in tuple(Choice)], electorate,  # type: ignore[misc]
                    fraction_text(vote.quorum), base_majority(vote.majority))  # type: ignore[arg-type]
    counted, colleges = apply_colleges(uow, vote, counted)
    outcome = Outcome(counted.outcome)
    vote.result = {"outcome": outcome, "yes": counted.yes, "no": counted.no, "abstain": counted.abstain,
                   "cast": counted.cast, "electorate": electorate, "tie": counted.tie, **colleges}
    decision = Decision(vote_id=vote.id, proposal_id=vote.proposal_id, title=vote.title, outcome=outcome,
                        decided_at=now, body=vote.body, group_id=vote.group_id, votes_for=counted.yes,
                        votes_against=counted.no, abstentions=counted.abstain, cast=counted.cast,
                        electorate=electorate, tie=counted.tie and outcome == Outcome.REJECTED)
    session.add(decision)
    session.flush()
    record_count(session, decision.id, colleges)
    proposal = session.get(Proposal, vote.proposal_id) if vote.proposal_id else None
    event = None
    if proposal is not None:
        proposal.status = {Outcome.ADOPTED: ProposalStatus.ADOPTED, Outcome.REJECTED: ProposalStatus.REJECTED
                           }.get(outcome, ProposalStatus.OPEN)
        event = record_event(session, now, proposal, "decided", None, answer=outcome, vote_id=vote.id,
                             decision_id=decision.id)
    return MotionClosed(vote, decision, electorate, counted, proposal, event)
