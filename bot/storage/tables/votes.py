"""Proposals, votes, elections and the register of decisions.

Secret ballots: who took part and what was chosen live in two tables that share nothing but the vote.

- `Participation` (vote_id, person_id, at) says who took part: turnout, reminders, "you have voted".
- `SecretChoice` (id, vote_id, slot, choice) says what was chosen. It has no person, no timestamp, and its primary
  key is a random UUID, so neither its ids nor a time can be matched with `Participation`. On SQLite the table is
  `WITHOUT ROWID`: rows are stored in the order of their random key, so there is no hidden insertion order either.

One ballot per person must still be replaceable while the vote is open. The choice row therefore carries a `slot`:
HMAC-SHA256 of the person's id, keyed with the vote's random `salt` (kept on the vote) *and* a ballot key that is
not in the database (FORUMBOT_BALLOT_KEY, `ballot_key_file`, or a file beside a SQLite database: bot/ballot_key.py,
which also keeps the key from changing while a secret vote is open). With the database alone nobody can recompute a
slot, so no query links a person to a choice; the bot, which holds the key, finds the voter's earlier row and
replaces its choice in place (no new row, no new id). When the vote closes, the salt is erased and every slot of
the vote is set to NULL in the same transaction that records the result: from then on the link is gone for good,
even for someone holding the key. Replies and audit events of a secret ballot never name the choice.

Open ballots are plain `Ballot` rows (person, choice, reason), one per person.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.types import JSONText, UTCDateTime


class Proposal(SQLModel, table=True):
    """An input brought to the forum; `status`: open, evaluating, voting, accepted, rejected, adopted, withdrawn."""

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="person.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="working_group.id")
    title: str
    description: str | None = None
    status: str = Field(default="open", index=True)
    answer: str | None = None
    answer_reason: str | None = None
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


class ProposalEvent(SQLModel, table=True):
    """One step in a proposal's history: submitted, answered, put to a vote, decided, withdrawn."""

    __tablename__ = "proposal_event"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    action: str
    answer: str | None = None
    text: str | None = None
    vote_id: int | None = None
    decision_id: int | None = None


class Vote(SQLModel, table=True):
    """A vote on a proposal (`kind` motion) or an approval election (`kind` election)."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = "motion"
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", index=True)
    title: str
    body: str
    group_id: int | None = Field(default=None, foreign_key="working_group.id")
    opened_by: int | None = Field(default=None, foreign_key="person.id")
    opens_at: datetime = Field(sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime, index=True)
    quorum: str | None = None
    majority: str = "simple"
    secret: bool = False
    status: str = Field(default="open", index=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: int | None = Field(default=None, foreign_key="person.id")
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    seats: int | None = None
    term_months: int | None = None
    candidates: list[int] | None = Field(default=None, sa_type=JSONText)
    salt: str | None = None
    result: dict[str, Any] | None = Field(default=None, sa_type=JSONText)


class Electorate(SQLModel, table=True):
    """Who may vote, frozen when the vote opens."""

    vote_id: int = Field(foreign_key="vote.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    college: str | None = None  # the voter's college when the vote opened


class Participation(SQLModel, table=True):
    """Who took part in a vote (open or secret); never what they chose."""

    vote_id: int = Field(foreign_key="vote.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)


class Ballot(SQLModel, table=True):
    """An open ballot: who chose what, and why. `choice` is yes/no/abstain, or a JSON list of person ids."""

    __table_args__ = (UniqueConstraint("vote_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    choice: str
    reason: str | None = None
    cast_at: datetime = Field(sa_type=UTCDateTime)
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def _random_id() -> str:
    return uuid.uuid4().hex


class SecretChoice(SQLModel, table=True):
    """What was chosen in a secret vote: no person, no time, a random id (see the module's docstring)."""

    __tablename__ = "secret_choice"
    __table_args__ = (UniqueConstraint("vote_id", "slot"), {"sqlite_with_rowid": False})

    id: str = Field(default_factory=_random_id, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id", index=True)
    slot: str | None = None
    choice: str
    college: str | None = None  # kept only when the college has enough voters (bot/domain/votes/colleges.py)


class Decision(SQLModel, table=True):
    """The register: what was decided, when, by which body, with the tally; `outcome` is one of
    bot.domain.votes.Outcome."""

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int | None = Field(default=None, foreign_key="vote.id", unique=True)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")
    title: str
    outcome: str = Field(index=True)
    decided_at: datetime = Field(sa_type=UTCDateTime, index=True)
    body: str | None = None
    group_id: int | None = Field(default=None, foreign_key="working_group.id")
    votes_for: int | None = None
    votes_against: int | None = None
    abstentions: int | None = None
    cast: int | None = None
    electorate: int | None = None
    tie: bool = False  # a motion's yes and no level, or an election's last seat settled by the co-chairs
    elected: list[int] | None = Field(default=None, sa_type=JSONText)
    settled_by: int | None = Field(default=None, foreign_key="person.id")  # the co-chair who settled a tie
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = None  # why a vote was cancelled
