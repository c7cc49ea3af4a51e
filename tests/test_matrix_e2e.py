"""End-to-end encrypted rooms: the bot reads and answers, keeps its keys across a restart, and says so when it
cannot read a message."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from nio import MegolmEvent
from sqlmodel import Session, select

from bot.config import Config
from bot.storage.state import get_state
from bot.storage.tables import OutboxMessage
from tests.matrix_support import Member, bot_config, start_bot, until
from tests.support.synapse import SynapseServer

pytestmark = pytest.mark.sqlite_only


async def test_encrypted_room_before_and_after_a_restart(synapse: SynapseServer, config: Config,
                                                         tmp_path: Path) -> None:
    alice = await Member.create(synapse, "alice", tmp_path / "alice")
    bot = await start_bot(bot_config(config, synapse, tmp_path / "bot"))
    try:
        room = await alice.create_room([bot.user_id], encrypted=True, name="private group")
        intro = await alice.expect(bot.user_id, "bot du forum", room)
        assert intro.event.source["type"] == "m.room.message"  # decrypted by alice's client
        assert alice.client.rooms[room].encrypted
        device = bot.transport.client.device_id

        mark = alice.mark()
        await alice.say(room, "!whoami")
        await alice.expect(bot.user_id, "rôle", room, after=mark)

        await bot.transport.stop()
        mark = alice.mark()
        await bot.restart()
        assert bot.transport.client.device_id == device  # same device, same keys
        await alice.say(room, "!lang en")
        await alice.expect(bot.user_id, "English", room, after=mark)
        mark = alice.mark()
        await alice.say(room, "!whoami")
        await alice.expect(bot.user_id, "role", room, after=mark)
        stored = get_state(bot.forum.engine, f"matrix:{bot.user_id}:device_id")
        assert stored == device
        assert not [s for s in alice.seen[mark:] if isinstance(s.event, MegolmEvent)]
    finally:
        await bot.transport.stop()
        await alice.close()


async def test_an_unreadable_message_is_answered_in_plain_words_once(synapse: SynapseServer, config: Config,
                                                                     tmp_path: Path) -> None:
    alice = await Member.create(synapse, "alice", tmp_path / "alice")
    bot = await start_bot(bot_config(config, synapse, tmp_path / "bot"))
    try:
        room = await alice.create_room([bot.user_id], encrypted=True, name="lost keys")
        await alice.expect(bot.user_id, "bot du forum", room)
        matrix_room = bot.transport.client.rooms[room]
        for n in range(3):  # encrypted with a session the bot never received
            event = MegolmEvent.from_dict({
                "type": "m.room.encrypted", "event_id": f"$unreadable{n}", "sender": alice.user_id,
                "origin_server_ts": int(time.time() * 1000), "room_id": room,
                "content": {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEnACgAkLmt",
                            "device_id": "NOPE", "sender_key": "a" * 43, "session_id": "b" * 43}})
            assert isinstance(event, MegolmEvent)
            await bot.transport.handle_event(matrix_room, event)
        await bot.transport.wake()
        notice = await alice.expect(bot.user_id, "pas la clé", room)
        assert notice.content["msgtype"] == "m.notice"
        await bot.transport.idle()
        with Session(bot.forum.engine) as session:
            rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "unreadable")).all()
        assert len(rows) == 1  # once per room, not once per message
    finally:
        await bot.transport.stop()
        await alice.close()


async def test_trust_none_gives_room_keys_only_to_listed_devices(synapse: SynapseServer, config: Config,
                                                                tmp_path: Path) -> None:
    alice = await Member.create(synapse, "alice", tmp_path / "alice")
    bob = await Member.create(synapse, "bob", tmp_path / "bob")
    base = bot_config(config, synapse, tmp_path / "bot")
    listed = (f"{alice.user_id} {alice.client.device_id}",)
    bot = await start_bot(replace(base, matrix=replace(base.matrix, trust="none", trusted_devices=listed)))
    try:
        room = await alice.create_room([bot.user_id, bob.user_id], encrypted=True, name="listed devices")
        await alice.expect(bot.user_id, "bot du forum", room)  # alice's device is listed: she reads it
        await until(lambda: bob.user_id in alice.client.rooms[room].users
                    and not alice.client.rooms[room].users[bob.user_id].invited, "bob in the room")
        mark_alice, mark_bob = alice.mark(), bob.mark()
        await alice.say(room, "!whoami")
        await alice.expect(bot.user_id, "rôle", room, after=mark_alice)
        # bob's device is not listed: the answer reaches him, but without the key to read it
        unreadable = await until(lambda: [s for s in bob.seen[mark_bob:] if s.event.sender == bot.user_id
                                          and isinstance(s.event, MegolmEvent)], "the bot's answer at bob's")
        assert unreadable
        assert not [s for s in bob.seen[mark_bob:] if s.event.sender == bot.user_id
                    and not isinstance(s.event, MegolmEvent)]
        device = bot.transport.client.device_store[bob.user_id][bob.client.device_id]
        assert device.blacklisted and not device.verified
    finally:
        await bot.transport.stop()
        await alice.close()
        await bob.close()
