"""What every transport shares: delivering the outbox, with retries and back-off, never twice."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import Session, col, select

from bot.app import Forum
from bot.storage.db import unit_of_work
from bot.storage.tables import Account, OutboxMessage, Room

log = logging.getLogger("forumbot.outbox")

MAX_BACKOFF = timedelta(hours=1)


class DeliveryError(Exception):
    """Sending failed in a way worth retrying later."""


class Transport(ABC):
    """A chat network: turns platform events into Incoming values and sends outbox messages."""

    network: str

    @abstractmethod
    async def deliver(self, message: OutboxMessage, room: Room | None, account: Account | None) -> str | None:
        """Send one message; return the platform's message id; raise to have it retried later."""


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … up to an hour."""
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


async def drain_outbox(forum: Forum, transport: Transport, limit: int = 500, max_batches: int = 20) -> int:
    """Send what is due on this transport's network, oldest first, `limit` at a time until none is left (or
    `max_batches` were done: rows another process holds are skipped, not waited for); returns how many were sent."""
    sent = 0
    for _ in range(max_batches):
        now = forum.clock.now()
        with Session(forum.engine) as session:
            pending = session.exec(
                select(OutboxMessage.id).where(OutboxMessage.network == transport.network,
                                               col(OutboxMessage.sent_at).is_(None),
                                               OutboxMessage.next_attempt_at <= now)
                .order_by(col(OutboxMessage.id)).limit(limit)).all()
        sent += await _send_batch(forum, transport, pending)
        if len(pending) < limit:
            break
    return sent


async def _send_batch(forum: Forum, transport: Transport, pending: Sequence[int | None]) -> int:
    sent = 0
    for message_id in pending:
        with unit_of_work(forum.engine) as session:
            # FOR UPDATE SKIP LOCKED: with several processes on PostgreSQL, one of them sends each message; the
            # row stays locked while it is being sent, and a process that dies releases it with its connection.
            # The message and its room in one query (`of`: PostgreSQL locks only the outbox row, and refuses to
            # lock the nullable side of an outer join anyway).
            found = session.exec(select(OutboxMessage, Room).outerjoin(Room, col(Room.id) == OutboxMessage.room_id)
                                 .where(OutboxMessage.id == message_id, col(OutboxMessage.sent_at).is_(None))
                                 .with_for_update(skip_locked=True, of=OutboxMessage)).first()
            if found is None:
                continue
            message, room = found
            if room is not None and not room.active:
                message.last_error = "room inactive: the bot was removed"
                message.next_attempt_at = forum.clock.now() + MAX_BACKOFF * 24
                continue
            account = None
            if room is None and message.person_id is not None:
                account = session.exec(select(Account).where(
                    Account.person_id == message.person_id, Account.network == message.network,
                    col(Account.platform_user_id).is_not(None))).first()
            try:
                platform_id = await transport.deliver(message, room, account)
            except Exception as exc:  # any failure: keep it for a later attempt
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:500]
                message.next_attempt_at = forum.clock.now() + backoff(message.attempts)
                log.warning("delivery of outbox %s failed (attempt %s): %s", message.id, message.attempts,
                            message.last_error)
                continue
            message.sent_at = forum.clock.now()
            message.attempts += 1
            message.platform_message_id = platform_id
            sent += 1
    return sent
