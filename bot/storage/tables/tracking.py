"""Monitoring the National Action Plan: commitments, their milestones, and status updates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime


class Commitment(SQLModel, table=True):
    """A commitment of the action plan (FR0112), followed by one working group."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    title: str
    group_id: int | None = Field(default=None, foreign_key="working_group.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Milestone(SQLModel, table=True):
    """A milestone with its due period as written (`period_text`) and its canonical key (2024-H1).

    `due` is the last day of the period; the milestone is overdue from the next day 00:00 (forum time zone).
    `overdue_alerted_at` is set when the overdue alert is queued: with `done_at` it makes "newly overdue"
    an index lookup (ix_milestone_overdue: done_at IS NULL AND overdue_alerted_at IS NULL AND due < today).
    """

    __table_args__ = (
        Index("ix_milestone_overdue", "done_at", "overdue_alerted_at", "due"),
        Index("ix_milestone_commitment", "commitment_id", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id")
    title: str
    period_key: str
    period_text: str
    due: date
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by: int | None = Field(default=None, foreign_key="person.id")
    evidence: str | None = None  # a link (validated by bot/rules/evidence.py)
    evidence_note: str | None = None  # evidence given as text, kept as typed
    overdue_alerted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)


class StatusUpdate(SQLModel, table=True):
    """A working group's report on a commitment (or one of its milestones)."""

    __tablename__ = "status_update"
    __table_args__ = (
        Index("ix_status_update_commitment", "commitment_id", "created_at"),
        Index("ix_status_update_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id")
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id")
    person_id: int = Field(foreign_key="person.id")
    progress: int | None = None
    level: str | None = None
    text: str
    evidence: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
