"""The outbox: delivered by the transport, marked sent, retried with back-off, never sent twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import Session, select

from bot.app import Forum
from bot.messages import Incoming, Outgoing
from bot.storage.tables import Account, OutboxMessage, Room
from bot.transports.base import Transport, backoff, drain_outbox


class Flaky(Transport):
    """Fails the first `failures` sends, then records what it sends."""

    network = "console"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[str] = []

    async def deliver(self, message: Outgoing, room: Room | None, account: Account | None) -> str | None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("network down")
        self.sent.append(message.text)
        return f"m{len(self.sent)}"


def hello(event: str = "e1") -> Incoming:
    return Incoming(network="console", event_id=event, room_id="plenary", user_id="alice", handle="alice",
                    text="/lang en")


async def test_failed_sends_are_retried_with_backoff_then_sent_once(forum: Forum) -> None:
    await forum.handle(hello())
    transport = Flaky(failures=2)
    assert await drain_outbox(forum, transport) == 0
    assert await drain_outbox(forum, transport) == 0  # not due again before the back-off
    with Session(forum.engine) as session:
        row = session.exec(select(OutboxMessage)).one()
        assert row.attempts == 1 and row.sent_at is None and "network down" in (row.last_error or "")
        assert row.next_attempt_at == forum.clock.now() + backoff(1)
    forum.clock.advance(backoff(1))  # type: ignore[attr-defined]
    assert await drain_outbox(forum, transport) == 0  # second failure
    forum.clock.advance(backoff(2))  # type: ignore[attr-defined]
    assert await drain_outbox(forum, transport) == 1
    assert await drain_outbox(forum, transport) == 0
    assert transport.sent == ["I will answer you in English."]
    with Session(forum.engine) as session:
        row = session.exec(select(OutboxMessage)).one()
        assert row.sent_at is not None and row.attempts == 3 and row.platform_message_id == "m1"


async def test_a_redelivered_event_changes_nothing(forum: Forum) -> None:
    first = await forum.handle(hello("same"))
    second = await forum.handle(hello("same"))
    assert first.outcome == "ok" and second.duplicate
    with Session(forum.engine) as session:
        assert len(session.exec(select(OutboxMessage)).all()) == 1


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert backoff(30) == timedelta(hours=1)


async def test_a_key_is_queued_once_and_the_outbox_says_so(forum: Forum) -> None:
    """On both databases: the second insert of a key reports False (PostgreSQL's rowcount would say -1)."""
    from bot.domain.rooms import room_for
    from bot.i18n import T
    from bot.notify import Outbox
    from bot.storage.db import unit_of_work

    with unit_of_work(forum.engine) as session:
        room = room_for(session, forum.clock.now(), "console", "plenary", "plenary", False, None)
        outbox = Outbox(session, forum.config, forum.clock.now())
        assert outbox.to_room(room, T("Hello"), kind="test", key="k") is True
        assert outbox.to_room(room, T("Hello"), kind="test", key="k") is False
        assert outbox.to_rooms([(room, T("Hello"))], kind="test", key="k") == 0
        assert outbox.to_rooms([(room, T("Hello"))], kind="test", key="k2") == 1


async def test_answers_the_transport_shows_itself_are_delivered_in_the_same_transaction(forum: Forum) -> None:
    """A button press's pop-up: a short answer in a room is recorded as delivered with the change, so no outbox
    pass (in any process) posts it to the room too; a long one, or one in a private chat, is sent as usual."""
    short = replace(hello("p1"), answered_inline_up_to=200)
    long = replace(hello("p2"), text="/help", answered_inline_up_to=20)
    private = replace(hello("p3"), room_id="dm:alice", is_private=True, answered_inline_up_to=200)
    for incoming in (short, long, private):
        handled = await forum.handle(incoming)
        assert handled.replies
    transport = Flaky(failures=0)
    await drain_outbox(forum, transport)
    with Session(forum.engine) as session:
        rows = {row.key.split(":")[2]: row for row in session.exec(select(OutboxMessage)).all()}
    assert rows["p1"].platform_message_id == "inline-answer" and rows["p1"].sent_at is not None
    assert rows["p2"].platform_message_id == "m1" and rows["p3"].platform_message_id == "m2"
    assert len(transport.sent) == 2
