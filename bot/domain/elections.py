"""Elections: counted by approval for N seats, the elected seated on the committee for their term, a tie for the
last seat left to the co-chairs."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.audit import record_audit
from bot.domain import DomainError, UnitOfWork
from bot.domain.people import grant
from bot.domain.votes import Outcome, VoteStatus
from bot.domain.votes.results import ElectionClosed, Resolved, fraction_text
from bot.rules.calendar import add_months
from bot.rules.tally import ApprovalResult, approval_result, quorum_met
from bot.storage.tables import Decision, Person, Vote


class NotTied(DomainError):
    """A chosen person is not among the tied candidates."""

    def __init__(self, person_id: int, tied: list[int]) -> None:
        super().__init__(person_id, tied)
        self.person_id, self.tied = person_id, tied


class WrongSeatCount(DomainError):
    """The co-chairs must name exactly as many as the seats left."""

    def __init__(self, seats_left: int) -> None:
        super().__init__(seats_left)
        self.seats_left = seats_left


def term_end(vote: Vote, closed_at: datetime, tz: ZoneInfo) -> datetime | None:
    if not vote.term_months:
        return None
    return add_months(closed_at.astimezone(tz), vote.term_months)


def seat(session: Session, person_id: int, now: datetime, until: datetime | None) -> None:
    """Grant the committee role an election gave."""
    person = session.get(Person, person_id)
    if person is not None:
        grant(session, person, "committee", None, now, until, None)
        record_audit(session, now, None, "role.grant", "person", person_id,
                     {"role": "committee", "until": until.isoformat() if until else None, "by": "election"})


def _decision(session: Session, vote: Vote, now: datetime, outcome: Outcome, elected: list[int], cast: int,
              electorate: int, settled_by: int | None = None) -> Decision:
    """The election's Decision; `settled_by`: the co-chair who settled a tie (the decision then says tie)."""
    decision = Decision(vote_id=vote.id, title=vote.title, outcome=outcome, decided_at=now, body=vote.body,
                        group_id=vote.group_id, cast=cast, electorate=electorate, elected=elected,
                        tie=settled_by is not None, settled_by=settled_by,
                        settled_at=now if settled_by is not None else None)
    session.add(decision)
    session.flush()
    return decision


def _outcome(result: ApprovalResult, met: bool) -> tuple[list[int], list[int], Outcome]:
    """Who is elected and who is tied for the last seat; nobody when the quorum is not met."""
    if not met:
        return [], [], Outcome.NO_QUORUM
    elected, tied = [int(c) for c in result.elected], [int(c) for c in result.tied_for_last]
    return elected, tied, Outcome.TIE if tied else Outcome.ELECTED


def close_election(uow: UnitOfWork, vote: Vote, electorate: int, choices: list[str]) -> ElectionClosed:
    """Count the approvals, seat the elected; a tie for the last seat leaves the vote in status tie."""
    candidates = [str(c) for c in (vote.candidates or [])]
    ballots = [[str(i) for i in json.loads(c)] for c in choices]
    result = approval_result(ballots, candidates, vote.seats or 1)
    quorum = fraction_text(vote.quorum)
    cast = len(ballots)
    met = cast > 0 and quorum_met(cast, electorate, quorum)  # no ballot: nobody is elected, whatever the quorum
    elected, tied, outcome = _outcome(result, met)
    vote.result = {"outcome": outcome, "counts": dict(result.counts), "cast": cast,
                   "electorate": electorate, "elected": elected, "tied": tied, "seats_left": result.seats_left}
    until = term_end(vote, uow.now, uow.config.tz)
    for person_id in elected:
        seat(uow.session, person_id, uow.now, until)
    decision = None
    if outcome != Outcome.TIE:
        decision = _decision(uow.session, vote, uow.now, outcome, elected, cast, electorate)
    if tied:
        vote.status = VoteStatus.TIE
    return ElectionClosed(vote, decision, electorate, result, cast, quorum, elected, tied, until)


def resolve_tie(uow: UnitOfWork, vote: Vote, chosen: list[int], by: int) -> Resolved:
    """The co-chairs fill the seats left by a tie; the election's decision is recorded then."""
    result = vote.result or {}
    tied, seats_left = list(result.get("tied", [])), int(result.get("seats_left", 0))
    outside = [c for c in chosen if c not in tied]
    if outside:
        raise NotTied(outside[0], tied)
    if len(set(chosen)) != seats_left:
        raise WrongSeatCount(seats_left)
    until = term_end(vote, vote.closed_at or uow.now, uow.config.tz)
    for person_id in chosen:
        seat(uow.session, person_id, uow.now, until)
    elected = [*result.get("elected", []), *chosen]
    vote.result = {**result, "outcome": Outcome.ELECTED, "elected": elected, "resolved_by": by}
    vote.status = VoteStatus.CLOSED
    decision = _decision(uow.session, vote, uow.now, Outcome.ELECTED, elected, int(result.get("cast", 0)),
                         int(result.get("electorate", 0)), settled_by=by)
    record_audit(uow.session, uow.now, by, "election.resolve", "vote", vote.id, {"chosen": chosen})
    return Resolved(vote, decision, elected, until)
