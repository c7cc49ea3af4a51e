"""An outbox row is delivered once: a message marked sent is never handed to a transport again, whether the next
pass comes after this one, or another pass (another process) sends it between the moment this pass listed it and
the moment it claims it.

Runs on SQLite and PostgreSQL (the two-process year on PostgreSQL covers the same with SKIP LOCKED under load).
The second pass has its own Forum and engine on the same database, as a second process would.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, select

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.messages import Incoming
from bot.storage.tables import Account, OutboxMessage, Room
from bot.transports.base import Transport, drain_outbox

MESSAGES = 4


class Recording(Transport):
    """Delivers by remembering: the ids of the outbox rows it was handed, in order."""

    network = "console"

    def __init__(self) -> None:
        self.delivered: list[int] = []

    async def deliver(self, message: OutboxMessage, room: Room | None, account: Account | None) -> str | None:
        assert message.id is not None
        self.delivered.append(message.id)
        return f"m{message.id}"


async def queue_replies(forum: Forum) -> list[int]:
    """MESSAGES answers waiting in the outbox, one per event; their ids, oldest first."""
    for n in range(MESSAGES):
        handled = await forum.handle(Incoming(network="console", event_id=f"e{n}", room_id="plenary",
                                              user_id=f"u{n}", handle=f"u{n}", text="/lang en"))
        assert handled.replies
    with Session(forum.engine) as session:
        ids = list(session.exec(select(OutboxMessage.id).order_by(col(OutboxMessage.id))).all())
    assert len(ids) == MESSAGES
    return [i for i in ids if i is not None]


def unsent(forum: Forum) -> list[int | None]:
    with Session(forum.engine) as session:
        return list(session.exec(select(OutboxMessage.id).where(col(OutboxMessage.sent_at).is_(None))).all())


@pytest.fixture
def other(forum: Forum) -> Iterator[Forum]:
    """A second bot on the same database with its own engine and a clock at the same moment."""
    second = Forum(forum.config, SimulatedClock(forum.clock.now()), migrate=False)
    yield second
    second.engine.dispose()


async def test_a_second_pass_delivers_nothing_already_sent(forum: Forum, other: Forum) -> None:
    ids = await queue_replies(forum)
    first, second, again = Recording(), Recording(), Recording()
    assert await drain_outbox(forum, first) == MESSAGES
    assert first.delivered == ids
    assert await drain_outbox(other, second) == 0  # another process's pass, after this one
    assert await drain_outbox(forum, again) == 0  # and this one's next pass
    assert second.delivered == [] and again.delivered == []
    assert unsent(forum) == []


async def test_a_pass_one_message_at_a_time_reaches_them_all_once(forum: Forum) -> None:
    """Batches of one: each batch must ask for what is still unsent, or it would find the first one again
    (sent, so skipped) batch after batch and never get to the others."""
    ids = await queue_replies(forum)
    transport = Recording()
    assert await drain_outbox(forum, transport, limit=1, max_batches=MESSAGES + 1) == MESSAGES
    assert transport.delivered == ids
    assert unsent(forum) == []


async def test_a_message_sent_by_another_pass_after_this_one_listed_it_is_not_sent_again(
        forum: Forum, other: Forum) -> None:
    """This pass lists every unsent message and delivers the first; before it claims the second, another
    process's pass delivers the rest. The claim must find them sent, and skip them.

    The other pass runs at that exact point: a SQLAlchemy hook on this forum's engine, when the claim of the
    second message is about to run, runs the other forum's whole pass (in a thread: it has its own event loop and,
    on its own engine, its own connections)."""
    ids = await queue_replies(forum)
    mine, theirs = Recording(), Recording()
    claims = 0
    failures: list[BaseException] = []

    def their_pass() -> None:
        try:
            assert asyncio.run(drain_outbox(other, theirs)) == MESSAGES - 1
        except BaseException as exc:  # reported in the test's thread
            failures.append(exc)

    def before_claim(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal claims
        if "FROM outbox LEFT OUTER JOIN room" not in statement:
            return
        claims += 1
        if claims == 2:
            thread = threading.Thread(target=their_pass)
            thread.start()
            thread.join(timeout=60)
            assert not thread.is_alive()

    event.listen(forum.engine, "before_cursor_execute", before_claim)
    try:
        await drain_outbox(forum, mine)
    finally:
        event.remove(forum.engine, "before_cursor_execute", before_claim)
    assert not failures, failures
    assert claims == MESSAGES  # this pass did try to claim each message it had listed
    assert mine.delivered == ids[:1] and theirs.delivered == ids[1:]
    assert Counter(mine.delivered + theirs.delivered) == Counter(ids)
    assert unsent(forum) == []
