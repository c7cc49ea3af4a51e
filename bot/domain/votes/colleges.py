"""Votes by college: the college of each voter frozen with the electorate, counts per college, the college rules
(double majority, consensus, quorum in each college), and what the decision records of them.

Secret ballots: the choice row keeps the voter's college only when the college has at least
`colleges.secret_min_voters` voters in the electorate (bot/rules/college_tally.py), so a college's count never
narrows a choice down to fewer people than that; a secret vote that needs each college's count (double majority,
quorum in each college) cannot be opened when a college is smaller.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from fractions import Fraction
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain import DomainError, UnitOfWork
from bot.rules.college_tally import CollegeCount, college_verdict, visible_college_counts
from bot.rules.tally import Tally
from bot.storage.tables import (
    Ballot,
    DecisionCount,
    Electorate,
    Participation,
    Person,
    ProxyBallot,
    SecretChoice,
    Vote,
    VoteRules,
)

NO_COLLEGE = "none"  # the key of voters without a college in `by_college`; no rule applies to it


class CollegeTooSmall(DomainError):
    """A secret vote that needs each college's count, where a college has too few voters to keep it secret."""

    def __init__(self, college: str, size: int, minimum: int) -> None:
        super().__init__(college, size, minimum)
        self.college, self.size, self.minimum = college, size, minimum


def rules_of(session: Session, vote_id: int | None) -> VoteRules | None:
    return session.get(VoteRules, vote_id) if vote_id else None


def save_rules(session: Session, vote: Vote, *, quorum_each: Fraction | None = None, electorate: str = "members",
               meeting_id: int | None = None, seats_by_college: dict[str, int] | None = None) -> None:
    """Keep the vote's college rules (nothing is written when none is set)."""
    if quorum_each is None and electorate == "members" and not seats_by_college and meeting_id is None:
        return
    assert vote.id is not None
    session.add(VoteRules(vote_id=vote.id, quorum_each=str(quorum_each) if quorum_each is not None else None,
                          electorate=electorate, meeting_id=meeting_id, seats_by_college=seats_by_college))
    session.flush()


def freeze_colleges(uow: UnitOfWork, vote: Vote) -> dict[str, int]:
    """Write each voter's college into the frozen electorate; returns the electorate's size per college.
    A secret vote that needs each college's count is refused (CollegeTooSmall) when a college is too small."""
    rows = uow.session.exec(select(Electorate, Person.college).join(Person, col(Person.id) == Electorate.person_id)
                            .where(Electorate.vote_id == vote.id)).all()
    for row, college in rows:
        row.college = college
    sizes = Counter(college or NO_COLLEGE for _, college in rows)
    rules = rules_of(uow.session, vote.id)
    minimum = uow.config.colleges.secret_min_voters
    if vote.secret and (vote.majority == "double" or (rules and rules.quorum_each)):
        for college, size in sorted(sizes.items()):
            if college != NO_COLLEGE and size < minimum:
                raise CollegeTooSmall(college, size, minimum)
    uow.session.flush()
    return dict(sizes)


def secret_college(session: Session, vote: Vote, person_id: int, min_voters: int) -> str | None:
    """The college a secret choice may keep: the voter's, when the college has at least `min_voters` voters."""
    row = session.get(Electorate, (vote.id, person_id))
    if row is None or row.college is None:
        return None
    size = session.exec(select(func.count()).select_from(Electorate)
                        .where(Electorate.vote_id == vote.id, Electorate.college == row.college)).one()
    return row.college if size >= min_voters else None


def _choices_by_college(session: Session, vote: Vote) -> dict[str, Counter[str]]:
    if vote.secret:
        pairs = session.exec(select(SecretChoice.college, SecretChoice.choice)
                             .where(SecretChoice.vote_id == vote.id, col(SecretChoice.college).is_not(None))).all()
    else:
        pairs = session.exec(select(Electorate.college, Ballot.choice)
                             .join(Electorate, (col(Electorate.vote_id) == Ballot.vote_id)
                                   & (col(Electorate.person_id) == Ballot.person_id))
                             .where(Ballot.vote_id == vote.id)).all()
    found: dict[str, Counter[str]] = {}
    for college, choice in pairs:
        found.setdefault(college or NO_COLLEGE, Counter())[choice] += 1
    return found


def count_by_college(session: Session, vote: Vote, min_voters: int) -> dict[str, CollegeCount]:
    """Each college's electorate, ballots cast and (where they may be shown) choices."""
    electorate = Counter(c or NO_COLLEGE for c in session.exec(select(Electorate.college)
                                                                .where(Electorate.vote_id == vote.id)).all())
    cast = Counter(c or NO_COLLEGE for c in session.exec(
        select(Electorate.college).join(Participation, (col(Participation.vote_id) == Electorate.vote_id)
                                        & (col(Participation.person_id) == Electorate.person_id))
        .where(Electorate.vote_id == vote.id)).all())
    return visible_college_counts(_choices_by_college(session, vote), cast, electorate, vote.secret, min_voters)


def proxies_in(session: Session, vote_id: int | None) -> int:
    """How many ballots of the vote a proxy holder cast for its giver."""
    return int(session.exec(select(func.count()).select_from(ProxyBallot).where(ProxyBallot.vote_id == vote_id))
               .one())


def apply_colleges(uow: UnitOfWork, vote: Vote, counted: Tally) -> tuple[Tally, dict[str, Any]]:
    """The overall count with the college rules applied, and what the decision keeps of the colleges."""
    by_college = count_by_college(uow.session, vote, uow.config.colleges.secret_min_voters)
    rules = rules_of(uow.session, vote.id)
    quorum_each = Fraction(rules.quorum_each) if rules and rules.quorum_each else None
    ruled = {c: n for c, n in by_college.items() if c != NO_COLLEGE}
    verdict = college_verdict(counted.outcome, counted.yes, counted.no, vote.majority, ruled, quorum_each)
    if verdict.outcome != counted.outcome or vote.majority == "consensus":
        counted = replace(counted, outcome=verdict.outcome, quorum_met=verdict.outcome != "no_quorum",
                          tie=counted.tie and vote.majority != "consensus")
    extra = {"by_college": {c: as_row(n) for c, n in by_college.items()}, "proxies": proxies_in(uow.session, vote.id),
             "against": list(verdict.against), "short_of_quorum": list(verdict.short_of_quorum),
             "objections": objections(uow.session, vote) if vote.majority == "consensus" else None}
    return counted, extra


def objections(session: Session, vote: Vote) -> list[dict[str, Any]]:
    """The ballots against in a consensus vote, with their reasons (a secret vote names nobody)."""
    if vote.secret:
        return []
    rows = session.exec(select(Ballot).where(Ballot.vote_id == vote.id, Ballot.choice == "no")
                        .order_by(col(Ballot.id))).all()
    return [{"person": b.person_id, "reason": b.reason} for b in rows]


def as_row(count: CollegeCount) -> dict[str, int | None]:
    return {"for": count.yes, "against": count.no, "abstentions": count.abstain, "cast": count.cast,
            "electorate": count.electorate}


def record_count(session: Session, decision_id: int | None, extra: dict[str, Any]) -> None:
    """The decision's count by college and by proxy, kept beside the Decision."""
    if decision_id is None:
        return
    session.add(DecisionCount(decision_id=decision_id, by_college=extra.get("by_college"),
                              proxies=int(extra.get("proxies", 0)), objections=extra.get("objections"),
                              elected_by_college=extra.get("elected_by_college")))
    session.flush()


def count_of(session: Session, decision_id: int | None) -> DecisionCount | None:
    return session.get(DecisionCount, decision_id) if decision_id else None
