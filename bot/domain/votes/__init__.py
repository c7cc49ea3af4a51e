"""Votes and elections: opening (the electorate frozen), ballots (secret ones keyed by the ballot key), closing.

Closing is used both by `/vote close` and by the scheduler; it marks the vote closed with a compare-and-set in the
same transaction as the Decision, so a vote closes exactly once. The caller posts the result (bot/wording/votes.py)
in that same transaction.

One vocabulary: `Vote.status` holds a VoteStatus; `Decision.outcome`, `Vote.result["outcome"]` and a proposal's
"decided" step hold an Outcome; exports write these values as they are.
"""

from __future__ import annotations

from enum import StrEnum


class VoteKind(StrEnum):
    MOTION = "motion"
    ELECTION = "election"


class VoteStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    TIE = "tie"  # an election whose last seat waits for the co-chairs
    CANCELLED = "cancelled"


class Choice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Outcome(StrEnum):
    ADOPTED = "adopted"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"
    ELECTED = "elected"
    TIE = "tie"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
