"""The forum's features as queries and state changes: no wording, no chat formatting, no platform detail.

Each feature is a module or package here (votes, proposals, elections, tracking, meetings, people, rooms). Its
functions take a `UnitOfWork` (or just a session for a read) and return typed results; handlers, scheduled work
and the web pages render them. See docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.notify import Outbox


@dataclass(frozen=True)
class UnitOfWork:
    """One transaction's worth of context: where to read and write, the messages it queues, when it is."""

    session: Session
    outbox: Outbox
    now: datetime
    config: Config


class DomainError(Exception):
    """A refusal the domain gives (the caller says it to people, in their words); subclasses carry the facts."""
