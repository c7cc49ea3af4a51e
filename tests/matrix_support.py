"""Matrix test helpers: members with real nio clients (end-to-end capable), and the bot on a real Synapse."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    Event,
    InviteMemberEvent,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    RoomCreateResponse,
    RoomMessage,
    RoomSendResponse,
)

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config, MatrixConfig
from bot.transports.matrix import MatrixTransport
from tests.support import FORUM_EPOCH, waiting
from tests.support.synapse import SynapseServer

DEADLINE = 30.0
PASSWORD = "correct horse battery staple"


def unique(name: str) -> str:
    return f"{name}{uuid.uuid4().hex[:8]}"


async def until(predicate: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    """`waiting.until` at a homeserver's pace."""
    return await waiting.until(predicate, what, timeout, every=0.05)


@dataclass
class Seen:
    room_id: str
    event: Event

    @property
    def content(self) -> dict[str, Any]:
        return dict(self.event.source.get("content", {}))

    @property
    def body(self) -> str:
        return str(getattr(self.event, "body", "") or self.content.get("body", ""))


@dataclass
class Member:
    """A person using a real nio client; joins the rooms they are invited to; records what they see."""

    server: SynapseServer
    user_id: str
    client: AsyncClient
    seen: list[Seen] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # set whenever something is seen

    @classmethod
    async def create(cls, server: SynapseServer, name: str, store: Path) -> Member:
        user_id, _ = server.register_user(unique(name), PASSWORD)
        store.mkdir(parents=True, exist_ok=True)
        client = AsyncClient(server.base_url, user_id, store_path=str(store),
                             config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False))
        response = await client.login(PASSWORD, device_name=name)
        assert isinstance(response, LoginResponse), response
        member = cls(server, user_id, client)
        client.add_event_callback(member._on_event, (RoomMessage, MegolmEvent))  # type: ignore[arg-type]
        client.add_event_callback(member._on_invite, InviteMemberEvent)  # type: ignore[arg-type]
        await client.keys_upload()
        await client.sync(timeout=0, full_state=True)
        member.task = asyncio.create_task(client.sync_forever(timeout=2000))
        return member

    async def _on_event(self, room: MatrixRoom, event: Event) -> None:
        self.seen.append(Seen(room.room_id, event))
        self.arrived.set()

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key == self.user_id and event.membership == "invite":
            asyncio.get_running_loop().create_task(self.client.join(room.room_id))

    async def close(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task
        await self.client.close()

    async def create_room(self, invite: list[str], encrypted: bool = False, name: str = "room",
                          is_direct: bool = False) -> str:
        state = [{"type": "m.room.encryption", "state_key": "",
                  "content": {"algorithm": "m.megolm.v1.aes-sha2"}}] if encrypted else []
        response = await self.client.room_create(name=name, invite=invite, initial_state=state,
                                                 is_direct=is_direct)
        assert isinstance(response, RoomCreateResponse), response
        room_id = str(response.room_id)
        await until(lambda: room_id in self.client.rooms, "the room in the member's sync")
        return room_id

    async def say(self, room_id: str, text: str) -> str:
        await until(lambda: room_id in self.client.rooms, "the room in the member's sync")
        response = await self.client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": text},
                                               ignore_unverified_devices=True)
        assert isinstance(response, RoomSendResponse), response
        return str(response.event_id)

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        response = await self.client.room_send(room_id, "m.reaction", {"m.relates_to": {
            "rel_type": "m.annotation", "event_id": event_id, "key": key}}, ignore_unverified_devices=True)
        assert isinstance(response, RoomSendResponse), response
        return str(response.event_id)

    def notices(self, sender: str, room_id: str | None = None) -> list[Seen]:
        return [s for s in self.seen if s.event.sender == sender and (room_id is None or s.room_id == room_id)
                and s.content.get("msgtype") == "m.notice"]

    async def expect(self, sender: str, contains: str, room_id: str | None = None,
                     after: int = 0, timeout: float = DEADLINE) -> Seen:
        """The first notice from `sender` containing `contains` (among those seen after index `after`)."""
        def find() -> Seen | None:
            for seen in self.seen[after:]:
                if (seen.event.sender == sender and (room_id is None or seen.room_id == room_id)
                        and contains in seen.body):
                    return seen
            return None
        # Woken by each event as it arrives (no polling interval: the benchmark times round trips with this).
        deadline = time.monotonic() + timeout
        while (found := find()) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for a message containing {contains!r}")
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), left)
        return found

    def mark(self) -> int:
        return len(self.seen)

    async def ask(self, room_id: str, text: str, sender: str, contains: str) -> Seen:
        """Say `text` in the room and wait for `sender`'s answer containing `contains`."""
        mark = self.mark()
        await self.say(room_id, text)
        return await self.expect(sender, contains, room_id, after=mark)


@dataclass
class Bot:
    """The bot under test: a Forum on a simulated clock with its Matrix transport."""

    forum: Forum
    transport: MatrixTransport
    user_id: str
    config: Config

    async def restart(self, **kwargs: Any) -> None:
        await self.transport.stop()
        self.transport = MatrixTransport(self.forum, **kwargs)
        await self.transport.start()


def bot_config(base: Config, server: SynapseServer, store: Path, admins: tuple[str, ...] = (),
               allowed: tuple[str, ...] = (":localhost",)) -> Config:
    user_id, _ = server.register_user(unique("forumbot"), PASSWORD)
    return replace(base, admins={"matrix": admins},
                   matrix=MatrixConfig(homeserver=server.base_url, user_id=user_id, password=PASSWORD,
                                       store_path=str(store), allowed_inviters=allowed))


async def start_bot(config: Config, clock: SimulatedClock | None = None, **kwargs: Any) -> Bot:
    forum = Forum(config, clock or SimulatedClock(FORUM_EPOCH), migrate=False)
    transport = MatrixTransport(forum, **kwargs)
    await transport.start()
    return Bot(forum, transport, config.matrix.user_id, config)
