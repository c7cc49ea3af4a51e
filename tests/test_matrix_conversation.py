"""A conversation on Matrix with the core's commands: room setup, roles, /help in both languages, applications."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.config import Config
from bot.storage.tables import Application, OutboxMessage, Room
from tests.matrix_support import Member, bot_config, start_bot, until
from tests.support.synapse import SynapseServer

pytestmark = pytest.mark.sqlite_only


async def test_conversation_in_a_room_and_a_direct_room(synapse: SynapseServer, config: Config,
                                                        tmp_path: Path) -> None:
    alice = await Member.create(synapse, "alice", tmp_path / "alice")
    bob = await Member.create(synapse, "bob", tmp_path / "bob")
    bot = await start_bot(bot_config(config, synapse, tmp_path / "bot", admins=(alice.user_id,)))
    try:
        room = await alice.create_room([bot.user_id, bob.user_id], name="Secrétariat")
        intro = await alice.expect(bot.user_id, "bot du forum", room)  # the default language: fr
        assert intro.content["msgtype"] == "m.notice"
        assert "formatted_body" in intro.content and intro.content["format"] == "org.matrix.custom.html"
        await until(lambda: bob.user_id in alice.client.rooms[room].users
                    and not alice.client.rooms[room].users[bob.user_id].invited, "bob in the room")

        mark = alice.mark()
        started = time.perf_counter()
        asked = await alice.say(room, "!lang en")
        answer = await alice.expect(bot.user_id, "English", room, after=mark)
        round_trip = time.perf_counter() - started
        assert answer.content["m.relates_to"]["m.in_reply_to"]["event_id"] == asked
        trips = []
        for _ in range(5):
            mark = alice.mark()
            started = time.perf_counter()
            await alice.say(room, "!whoami")
            await alice.expect(bot.user_id, "You are", room, after=mark)
            trips.append(time.perf_counter() - started)
        print(f"command round trip: first {round_trip * 1000:.0f} ms, "
              f"median of 5 {sorted(trips)[2] * 1000:.0f} ms")

        mark = alice.mark()
        await alice.say(room, "!lang room en")
        await alice.expect(bot.user_id, "This room now speaks English", room, after=mark)
        mark = alice.mark()
        await alice.say(room, "!room secretariat")
        await alice.expect(bot.user_id, "secretariat's room", room, after=mark)
        mark = alice.mark()
        await alice.say(room, "/help")  # `/` works too when the client lets it through
        help_en = await alice.expect(bot.user_id, "/whoami", room, after=mark)
        assert "<br>" in help_en.content["formatted_body"]

        mark = bob.mark()
        await bob.say(room, "!langue fr")
        await bob.expect(bot.user_id, "français", room, after=mark)
        mark = bob.mark()
        await bob.say(room, "!aide")
        await bob.expect(bot.user_id, "/moi", room, after=mark)

        mark = bob.mark()
        await bob.say(room, "!candidater Je dirige une association <b>open data</b> & co")
        await bob.expect(bot.user_id, "A1", room, after=mark)
        new = await alice.expect(bot.user_id, "New application A1", room)
        assert "&lt;b&gt;" in new.content["formatted_body"] and "&amp; co" in new.content["formatted_body"]
        assert "<b>" not in new.content["formatted_body"]
        assert f'href="https://matrix.to/#/{bob.user_id}"' in new.content["formatted_body"]

        mark = alice.mark()
        await alice.say(room, f"!role {bob.user_id} observer")
        await alice.expect(bot.user_id, "observer", room, after=mark)
        mark_bob = bob.mark()
        await alice.say(room, "!accept A1")
        await alice.expect(bot.user_id, "accepted", room, after=mark)
        welcome = await bob.expect(bot.user_id, "Bienvenue", after=mark_bob)
        dm = welcome.room_id
        assert dm != room
        assert bot.user_id in bob.client.rooms[dm].users and len(bob.client.rooms[dm].users) == 2

        # the person answers in the direct room: it is their private chat, in their language
        mark = bob.mark()
        await bob.say(dm, "!moi")
        await bob.expect(bot.user_id, "membre", dm, after=mark)

        with Session(bot.forum.engine) as session:
            application = session.exec(select(Application)).one()
            assert application.status == "accepted"
            rooms = {r.platform_room_id: r for r in session.exec(select(Room).where(Room.network == "matrix"))}
            assert rooms[dm].is_private and rooms[room].purpose == "secretariat"
            unsent = session.exec(select(OutboxMessage).where(OutboxMessage.sent_at == None)).all()  # noqa: E711
            assert unsent == []
    finally:
        await bot.transport.stop()
        await alice.close()
        await bob.close()


async def test_run_matrix_is_what_forum_bot_run_starts(synapse: SynapseServer, config: Config,
                                                       tmp_path: Path) -> None:
    import asyncio
    import contextlib

    from bot.app import Forum
    from bot.clock import SimulatedClock
    from bot.transports.matrix import run_matrix
    from tests.support import FORUM_EPOCH

    class Scheduler:
        def __init__(self) -> None:
            self.listeners: list[object] = []

        def on_work_done(self, listener: object) -> None:
            self.listeners.append(listener)

    alice = await Member.create(synapse, "alice", tmp_path / "alice")
    cfg = bot_config(config, synapse, tmp_path / "bot")
    forum = Forum(cfg, SimulatedClock(FORUM_EPOCH), migrate=False)
    scheduler = Scheduler()
    task = asyncio.create_task(run_matrix(forum, scheduler))
    try:
        room = await alice.create_room([cfg.matrix.user_id], name="run")
        await alice.expect(cfg.matrix.user_id, "bot du forum", room)
        assert len(scheduler.listeners) == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await alice.close()
