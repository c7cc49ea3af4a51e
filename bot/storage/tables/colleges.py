"""Colleges, proxies and the college rules of a vote, kept beside the vote tables (which other features change).

- `VoteRules` (one per vote, when any is set): quorum in each college, an electorate of the members present at a
  meeting, seats per college in an election.
- `DecisionCount` (one per decision): the count by college (`by_college`: college → yes, no, abstain, cast,
  electorate), how many ballots came by proxy, the objections of a consensus vote.
- `Proxy`: a member gives their vote to another member of the body, for one vote, one meeting, or until a date.
- `ProxyBallot`: which ballot a holder cast for a giver (who, never what, in a secret vote).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from bot.storage.types import JSONText, UTCDateTime


class VoteRules(SQLModel, table=True):
    __tablename__ = "vote_rules"

    vote_id: int = Field(foreign_key="vote.id", primary_key=True)
    quorum_each: str | None = None
    electorate: str = "members"  # or "present": the members of the body present at `meeting_id`
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    seats_by_college: dict[str, int] | None = Field(default=None, sa_type=JSONText)


class DecisionCount(SQLModel, table=True):
    __tablename__ = "decision_count"

    decision_id: int = Field(foreign_key="decision.id", primary_key=True)
    by_college: dict[str, Any] | None = Field(default=None, sa_type=JSONText)
    proxies: int = 0
    objections: list[dict[str, Any]] | None = Field(default=None, sa_type=JSONText)
    elected_by_college: dict[str, list[int]] | None = Field(default=None, sa_type=JSONText)


class Proxy(SQLModel, table=True):
    """`vote_id`, `meeting_id` or `until` says what the proxy covers; `cancelled_at` ends it early."""

    id: int | None = Field(default=None, primary_key=True)
    giver_id: int = Field(foreign_key="person.id", index=True)
    holder_id: int = Field(foreign_key="person.id", index=True)
    vote_id: int | None = Field(default=None, foreign_key="vote.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProxyBallot(SQLModel, table=True):
    __tablename__ = "proxy_ballot"

    vote_id: int = Field(foreign_key="vote.id", primary_key=True)
    giver_id: int = Field(foreign_key="person.id", primary_key=True)
    holder_id: int = Field(foreign_key="person.id")
    proxy_id: int = Field(foreign_key="proxy.id")
