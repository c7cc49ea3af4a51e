"""What every transport shares: delivering the outbox, with retries and back-off, never twice."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from bot.app import Forum
from bot.messages import Extras, Outgoing
from bot.storage.db import unit_of_work
from bot.storage.prebuilt import run
from bot.storage.tables import Account, OutboxMessage, Room

log = logging.getLogger("forumbot.outbox")

MAX_BACKOFF = timedelta(hours=1)


class DeliveryError(Exception):
    """Sending failed in a way worth retrying later."""


class Transport(ABC):
    """A chat network: turns platform events into Incoming values and sends outbox messages."""

    network: str

    @abstractmethod
    async def deliver(self, message: Outgoing, room: Room | None, account: Account | None) -> str | None:
        """Send one message; return the platform's message id; raise to have it retried later."""


class WorkNotifier(Protocol):
    """The scheduler, as a transport sees it: it calls `listener` after each pass that did something."""

    def on_work_done(self, listener: Callable[[], Awaitable[None]]) -> None: ...


def outgoing(row: OutboxMessage) -> Outgoing:
    """An outbox row as the transports see it."""
    assert row.id is not None
    return Outgoing(id=row.id, key=row.key, kind=row.kind, network=row.network, text=row.text,
                    person_id=row.person_id, extras=Extras.from_json(row.payload), locale=row.locale)


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … up to an hour."""
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


# Built once (bot/storage/prebuilt.py says why): every answer is found, sent and marked through these.
_DUE = (select(OutboxMessage.id).where(OutboxMessage.network == bindparam("network"),
                                       col(OutboxMessage.sent_at).is_(None),
                                       OutboxMessage.next_attempt_at <= bindparam("now"))
        .order_by(col(OutboxMessage.id)).limit(bindparam("limit")))
# FOR UPDATE SKIP LOCKED: with several processes on PostgreSQL, one of them sends each message; the row stays
# locked while it is being sent, and a process that dies releases it with its connection. The message and its room
# in one query (`of`: PostgreSQL locks only the outbox row, and refuses to lock the nullable side of an outer join).
_MESSAGE_WITH_ROOM = (select(OutboxMessage, Room).outerjoin(Room, col(Room.id) == OutboxMessage.room_id)
                      .where(OutboxMessage.id == bindparam("message_id"), col(OutboxMessage.sent_at).is_(None))
                      .with_for_update(skip_locked=True, of=OutboxMessage))
_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
_UPDATE_MESSAGE = update(_OUTBOX).where(_OUTBOX.c.id == bindparam("message_id"))  # values given when it runs


async def drain_outbox(forum: Forum, transport: Transport, limit: int = 500, max_batches: int = 20) -> int:
    """Send what is due on this transport's network, oldest first, `limit` at a time until none is left (or
    `max_batches` were done: rows another process holds are skipped, not waited for); returns how many were sent."""
    sent = 0
    for _ in range(max_batches):
        now = forum.clock.now()
        with Session(forum.engine) as session:
            pending = list(run(session, _DUE, {"network": transport.network, "now": now, "limit": limit}).scalars())
        sent += await _send_batch(forum, transport, pending)
        if len(pending) < limit:
            break
    return sent


async def _send_batch(forum: Forum, transport: Transport, pending: Sequence[int | None]) -> int:
    sent = 0
    for message_id in pending:
        with unit_of_work(forum.engine) as session:
            found = session.exec(_MESSAGE_WITH_ROOM, params={"message_id": message_id}).first()
            if found is None:
                continue
            message, room = found
            if room is not None and not room.active:
                _record(session, message, last_error="room inactive: the bot was removed",
                        next_attempt_at=forum.clock.now() + MAX_BACKOFF * 24)
                forum.delivery_failed(transport.network, "room_inactive")
                continue
            account = None
            if room is None and message.person_id is not None:
                account = session.exec(select(Account).where(
                    Account.person_id == message.person_id, Account.network == message.network,
                    col(Account.platform_user_id).is_not(None))).first()
            try:
                platform_id = await transport.deliver(outgoing(message), room, account)
            except Exception as exc:  # any failure: keep it for a later attempt
                attempts, error = message.attempts + 1, f"{type(exc).__name__}: {exc}"[:500]
                _record(session, message, attempts=attempts, last_error=error,
                        next_attempt_at=forum.clock.now() + backoff(attempts))
                log.warning("delivery of outbox %s failed (attempt %s): %s", message.id, attempts, error)
                forum.delivery_failed(transport.network, type(exc).__name__)
                continue
            _record(session, message, sent_at=forum.clock.now(), attempts=message.attempts + 1,
                    platform_message_id=platform_id)
            sent += 1
    return sent


def _record(session: Session, message: OutboxMessage, **values: Any) -> None:
    """Write what became of a delivery attempt (one UPDATE, not the ORM's flush of a changed object)."""
    run(session, _UPDATE_MESSAGE, {"message_id": message.id, **values})
