"""Matrix robustness against a real Synapse: restarts, 429s, unwanted invites, duplicates, reactions."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest
from nio import RoomGetStateEventResponse, RoomMessageText
from sqlmodel import Session, col, select

from bot.config import Config
from bot.messages import Extras, Reactions
from bot.notify import Outbox
from bot.storage.db import unit_of_work
from bot.storage.tables import OutboxMessage, Room
from tests.matrix_support import Bot, Member, bot_config, start_bot, until
from tests.support.synapse import SynapseServer

pytestmark = pytest.mark.sqlite_only


def replies_to(bot: Bot, event_id: str) -> list[OutboxMessage]:
    with Session(bot.forum.engine) as session:
        return list(session.exec(select(OutboxMessage).where(
            col(OutboxMessage.key).startswith(f"reply:matrix:{event_id}:"))).all())


def queue_to_room(bot: Bot, room_id: str, text: str, key: str, extras: Extras | None = None) -> None:
    from bot.i18n import Raw

    with unit_of_work(bot.forum.engine) as session:
        room = session.exec(select(Room).where(Room.platform_room_id == room_id)).one()
        Outbox(session, bot.config, bot.forum.clock.now()).to_room(room, Raw(text), kind="test", key=key,
                                                                   extras=extras)


async def test_restart_handles_what_was_missed_once_and_never_replays(synapse: SynapseServer, config: Config,
                                                                      tmp_path: Path) -> None:
    alice = await Member.create(synapse, "alice", tmp_path / "alice")
    bot = await start_bot(bot_config(config, synapse, tmp_path / "bot"))
    try:
        room = await alice.create_room([], name="history")
        before_join = await alice.say(room, "!whoami")  # history from before the bot was there
        await alice.client.room_invite(room, bot.user_id)
        await alice.expect(bot.user_id, "bot du forum", room)
        answered = await alice.say(room, "!whoami")
        await alice.expect(bot.user_id, "rôle", room)
        await bot.transport.idle()
        assert bot.transport.stats.dropped_old >= 1  # the pre-join history came with the join, and was dropped

        await bot.transport.stop()
        missed = await alice.say(room, "!lang en")  # while the bot is away
        mark = alice.mark()
        await bot.restart()
        await alice.expect(bot.user_id, "English", room, after=mark)
        await bot.transport.idle()

        assert replies_to(bot, before_join) == []
        assert len(replies_to(bot, answered)) == 1
        assert len(replies_to(bot, missed)) == 1
        # nothing old was answered a second time in the room
        whoami_answers = [s for s in alice.notices(bot.user_id, room)
                          if s.content.get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
                          == answered]
        assert len(whoami_answers) == 1
    finally:
        await bot.transport.stop()
        await alice.close()


async def test_rate_limited_sends_stay_in_the_outbox_and_go_later(synapse_tight: SynapseServer, config: Config,
                                                                  tmp_path: Path) -> None:
    alice = await Member.create(synapse_tight, "alice", tmp_path / "alice")
    bot = await start_bot(bot_config(config, synapse_tight, tmp_path / "bot"), max_limit_exceeded=0,
                          retry_every=0.3)
    assert bot.transport.client.config.max_limit_exceeded == 0
    try:
        room = await alice.create_room([bot.user_id], name="tight")
        await alice.expect(bot.user_id, "bot du forum", room)
        for n in range(5):
            queue_to_room(bot, room, f"burst {n}", key=f"burst:{n}")
        await bot.transport.wake()

        def failed() -> list[OutboxMessage]:
            with Session(bot.forum.engine) as session:
                return list(session.exec(select(OutboxMessage).where(
                    col(OutboxMessage.last_error).contains("M_LIMIT_EXCEEDED"))).all())

        limited = await until(failed, "a 429 from the homeserver")
        assert limited[0].sent_at is None or limited[0].attempts >= 2

        def pending() -> int:
            with Session(bot.forum.engine) as session:
                return len(session.exec(select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))).all())

        # the back-off is in the forum's (simulated) time: move it on until everything went out, in a bounded number
        # of rounds (each at least 0.5 s of real time, whatever the machine's load: 120 rounds leave the homeserver's
        # limit a minute to refill, for 5 messages)
        for _ in range(120):
            if not pending():
                break
            bot.forum.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
            await bot.transport.wake()
            await bot.transport.idle()
            await asyncio.sleep(0.5)  # the homeserver's own (real-time) rate limit refills meanwhile
        assert pending() == 0, "the rate-limited messages never went out"
        for n in range(5):
            await alice.expect(bot.user_id, f"burst {n}", room)
        bodies = [s.body for s in alice.notices(bot.user_id, room) if s.body.startswith("burst")]
        assert sorted(bodies) == [f"burst {n}" for n in range(5)]  # each once
    finally:
        await bot.transport.stop()
        await alice.close()


async def test_invites_from_unknown_users_are_declined(synapse: SynapseServer, config: Config,
                                                       tmp_path: Path) -> None:
    alice = await Member.create(synapse, "alice", tmp_path / "alice")
    mallory = await Member.create(synapse, "mallory", tmp_path / "mallory")
    bot = await start_bot(bot_config(config, synapse, tmp_path / "bot", allowed=(alice.user_id,)))
    try:
        unwanted = await mallory.create_room([bot.user_id], name="spam")
        wanted = await alice.create_room([bot.user_id], name="work")
        await alice.expect(bot.user_id, "bot du forum", wanted)

        async def membership() -> str:
            response = await mallory.client.room_get_state_event(unwanted, "m.room.member", bot.user_id)
            assert isinstance(response, RoomGetStateEventResponse), response
            return str(response.content.get("membership"))

        deadline = time.monotonic() + 30
        while await membership() != "leave":
            assert time.monotonic() < deadline, "the invite was not declined"
            await asyncio.sleep(0.1)
        assert not [s for s in mallory.seen if s.event.sender == bot.user_id]
    finally:
        await bot.transport.stop()
        await alice.close()
        await mallory.close()


async def test_an_event_seen_twice_is_handled_once(synapse: SynapseServer, config: Config, tmp_path: Path) -> None:
    alice = await Member.create(synapse, "alice", tmp_path / "alice")
    bot = await start_bot(bot_config(config, synapse, tmp_path / "bot"))
    try:
        room = await alice.create_room([bot.user_id], name="dupes")
        await alice.expect(bot.user_id, "bot du forum", room)
        real = await alice.say(room, "!whoami")
        await alice.expect(bot.user_id, "rôle", room)
        await bot.transport.idle()
        matrix_room = bot.transport.client.rooms[room]
        event = RoomMessageText.from_dict({
            "type": "m.room.message", "event_id": real, "sender": alice.user_id,
            "origin_server_ts": int(time.time() * 1000), "content": {"msgtype": "m.text", "body": "!whoami"}})
        again = await bot.transport.handle_event(matrix_room, event)
        assert again is not None and again.duplicate
        fresh = RoomMessageText.from_dict({**event.source, "event_id": "$fed-twice"})
        first = await bot.transport.handle_event(matrix_room, fresh)
        second = await bot.transport.handle_event(matrix_room, fresh)
        assert first is not None and not first.duplicate and second is not None and second.duplicate
        assert len(replies_to(bot, real)) == 1 and len(replies_to(bot, "$fed-twice")) == 1
    finally:
        await bot.transport.stop()
        await alice.close()


async def test_a_reaction_is_a_command_and_removing_it_undoes_it(synapse: SynapseServer, config: Config,
                                                                 tmp_path: Path) -> None:
    alice = await Member.create(synapse, "alice", tmp_path / "alice")
    bot = await start_bot(bot_config(config, synapse, tmp_path / "bot"))
    try:
        room = await alice.create_room([bot.user_id], name="reactions")
        await alice.expect(bot.user_id, "bot du forum", room)
        queue_to_room(bot, room, "React 👍 to know who you are", key="react-test",
                      extras=Extras(reactions=Reactions({"👍": "/whoami"}, "/help")))
        await bot.transport.wake()
        announce = await alice.expect(bot.user_id, "React", room)
        target = announce.event.event_id
        mark = alice.mark()
        reaction = await alice.react(room, target, "👍")
        await alice.expect(bot.user_id, "rôle", room, after=mark)
        mark = alice.mark()
        await alice.client.room_redact(room, reaction)
        await alice.expect(bot.user_id, "/moi", room, after=mark)  # the unreact command: /help, in French
        await bot.transport.idle()
        assert len(replies_to(bot, reaction)) == 1
    finally:
        await bot.transport.stop()
        await alice.close()


async def test_a_429_is_waited_out_a_bounded_number_of_times(synapse_tight: SynapseServer, config: Config,
                                                             tmp_path: Path) -> None:
    alice = await Member.create(synapse_tight, "alice", tmp_path / "alice")
    bot = await start_bot(bot_config(config, synapse_tight, tmp_path / "bot"))  # the defaults
    assert bot.transport.client.config.max_limit_exceeded == 3
    try:
        room = await alice.create_room([bot.user_id], name="tight-default")
        await alice.expect(bot.user_id, "bot du forum", room)
        for n in range(4):
            queue_to_room(bot, room, f"wave {n}", key=f"wave:{n}")
        started = time.monotonic()
        await bot.transport.wake()
        for n in range(4):
            await alice.expect(bot.user_id, f"wave {n}", room)
        waited = time.monotonic() - started
        # a lower bound, the behaviour itself (a loaded machine only makes it longer): 4 messages through a limit of
        # 0.5 per second cannot all go out in a second without the bot waiting for the homeserver's retry_after_ms
        assert waited > 1.0
        with Session(bot.forum.engine) as session:
            rows = session.exec(select(OutboxMessage).where(col(OutboxMessage.key).startswith("wave:"))).all()
        assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
        print(f"4 messages through a 0.5/s limit in {waited:.1f} s")
    finally:
        await bot.transport.stop()
        await alice.close()
