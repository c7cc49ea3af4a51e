"""What closing a vote gives back: the Decision and the count, for the caller to say."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from bot.rules.tally import ApprovalResult, Tally
from bot.storage.tables import Decision, Proposal, ProposalEvent, Vote


def fraction_text(value: str | None) -> Fraction | None:
    return Fraction(value) if value else None


@dataclass(frozen=True)
class Closed:
    """A vote just closed, with the Decision recorded (None while an election's tie waits for the co-chairs)."""

    vote: Vote
    decision: Decision | None
    electorate: int


@dataclass(frozen=True)
class MotionClosed(Closed):
    tally: Tally
    proposal: Proposal | None
    event: ProposalEvent | None  # the proposal's "decided" step, for its author


@dataclass(frozen=True)
class ElectionClosed(Closed):
    result: ApprovalResult
    cast: int
    quorum: Fraction | None
    elected: list[int]
    tied: list[int]  # empty unless the last seat waits for the co-chairs
    until: datetime | None  # the end of the elected's term


@dataclass(frozen=True)
class Resolved:
    """A tie settled by the co-chairs: the election's Decision."""

    vote: Vote
    decision: Decision
    elected: list[int]
    until: datetime | None
