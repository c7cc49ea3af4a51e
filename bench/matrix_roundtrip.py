"""Matrix round trip: time from a member's `!status` to the bot's reply through a real Synapse on 127.0.0.1, versus
a bare nio client that echoes, same homeserver, same run.

A throwaway Synapse (`tests/support/synapse.py`, SQLite, rate limits raised) serves three accounts: the forum's
bot (its own Matrix transport, `bot.transports.matrix.MatrixTransport`, on a SQLite file with the demo's
commitments imported), a bare nio echo client (answers every text with an `m.notice` of the same body), and a
member (a real nio client) who invites each into an unencrypted room of its own. The member then alternates: one
`!status` to the bot, one `!status` to the echo client, each timed from before `room_send` until the member's sync
shows the answer. The figure is median and p95 of both, and the ratio of the medians (bot / echo); target ≤ 1.3.

    PYTHONPATH=. python bench/matrix_roundtrip.py [--messages 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from nio import AsyncClient, InviteMemberEvent, LoginResponse, MatrixRoom, RoomMessageText

from bench._common import machine, median, percentile
from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.domain.tracking.importing import import_commitments, read_plan
from bot.storage.db import unit_of_work
from bot.transports.matrix import MatrixTransport
from tests.matrix_support import PASSWORD, Member, bot_config, unique, until
from tests.support.synapse import SynapseServer

START = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


class Echo:
    """A bare nio client: joins when invited, answers each text with the same body."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.task: asyncio.Task[None] | None = None

    @classmethod
    async def create(cls, server: SynapseServer) -> Echo:
        user_id, _ = server.register_user(unique("echo"), PASSWORD)
        client = AsyncClient(server.base_url, user_id)
        assert isinstance(await client.login(PASSWORD, device_name="echo"), LoginResponse)
        echo = cls(client)
        client.add_event_callback(echo.on_text, RoomMessageText)  # type: ignore[arg-type]
        client.add_event_callback(echo.on_invite, InviteMemberEvent)  # type: ignore[arg-type]
        await client.sync(timeout=0, full_state=True)
        echo.task = asyncio.create_task(client.sync_forever(timeout=2000))
        return echo

    async def on_text(self, room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender != self.client.user_id:
            await self.client.room_send(room.room_id, "m.room.message", {"msgtype": "m.notice", "body": event.body})

    async def on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key == self.client.user_id and event.membership == "invite":
            asyncio.get_running_loop().create_task(self.client.join(room.room_id))

    async def close(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task
        await self.client.close()


async def round_trip(member: Member, room_id: str, sender: str, text: str) -> float:
    mark = member.mark()
    started = time.perf_counter()
    await member.say(room_id, text)
    await member.expect(sender, "", room_id=room_id, after=mark)
    return time.perf_counter() - started


async def joined(member: Member, room_id: str, user_id: str) -> None:
    await until(lambda: user_id in member.client.rooms[room_id].users, f"{user_id} in the room", timeout=60)


async def main_async(args: argparse.Namespace) -> int:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp, SynapseServer() as server:
        config = bot_config(replace(Config(), database_url=f"sqlite:///{tmp}/matrix.sqlite3"), server,
                            Path(tmp) / "bot-store")
        forum = Forum(config, SimulatedClock(START))
        plan = read_plan(Path(str(resources.files("bot.demo").joinpath("fr-2023-2025-FR0112.toml"))))
        with unit_of_work(forum.engine) as session:
            import_commitments(session, config, START, plan, source="bench")
        transport = MatrixTransport(forum)
        await transport.start()
        echo = await Echo.create(server)
        member = await Member.create(server, "member", Path(tmp) / "member-store")
        try:
            bot_id, echo_id = config.matrix.user_id, str(echo.client.user_id)
            bot_room = await member.create_room([bot_id], name="forum")
            echo_room = await member.create_room([echo_id], name="echo")
            await joined(member, bot_room, bot_id)
            await joined(member, echo_room, echo_id)
            for _ in range(3):  # warm-up: first messages, the bot's welcome, caches
                await round_trip(member, bot_room, bot_id, "!status")
                await round_trip(member, echo_room, echo_id, "!status")
            bots, echoes = [], []
            for _ in range(args.messages):
                bots.append(await round_trip(member, bot_room, bot_id, "!status"))
                echoes.append(await round_trip(member, echo_room, echo_id, "!status"))
        finally:
            await member.close()
            await echo.close()
            await transport.stop()
            forum.engine.dispose()
    ratio = median(bots) / median(echoes)
    print(f"matrix round trip, {args.messages} × `!status` to the bot and to a nio echo client, alternated, "
          "same Synapse")
    print(f"  bot:  median {median(bots) * 1000:.0f} ms, p95 {percentile(bots, 95) * 1000:.0f} ms")
    print(f"  echo: median {median(echoes) * 1000:.0f} ms, p95 {percentile(echoes, 95) * 1000:.0f} ms")
    print(f"  ratio (bot / echo, medians): {ratio:.2f}  target ≤ 1.3: {'met' if ratio <= 1.3 else 'MISSED'}")
    print(f"  {machine()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100)
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
