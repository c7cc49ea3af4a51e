"""The bot's own bookkeeping: outbox, audit log, processed events and transport state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from bot.storage.types import JSONText, UTCDateTime


class OutboxMessage(SQLModel, table=True):
    """A message to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "network", "sent_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    kind: str
    network: str
    room_id: int | None = Field(default=None, foreign_key="room.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    locale: str
    text: str
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSONText)
    created_at: datetime = Field(sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = None
    platform_message_id: str | None = None


class AuditEvent(SQLModel, table=True):
    """One change: who did what to which object, and when."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(index=True)
    object_type: str
    object_id: str
    details: dict[str, Any] | None = Field(default=None, sa_type=JSONText)


class ProcessedEvent(SQLModel, table=True):
    """An incoming platform event already handled, so a redelivery changes nothing; deleted after a retention
    period by bot/scheduling/housekeeping.py (hence the index on `at`)."""

    __tablename__ = "processed_event"

    network: str = Field(primary_key=True)
    event_id: str = Field(primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)


class KeyValue(SQLModel, table=True):
    """Small pieces of transport state (a sync token, a device id)."""

    __tablename__ = "key_value"

    key: str = Field(primary_key=True)
    value: str
