"""The Matrix transport: matrix-nio (with end-to-end encryption) in, the outbox out.

Events become `Incoming` values handed to the core; nothing here knows about forum features.

How it stays correct:
- nio awaits event callbacks inside its sync loop, so callbacks only put work on a queue; one worker task
  handles it in order (and drains the outbox), so a slow handler never stalls the sync and nothing raises there.
- The sync token is stored in the database once the events before it were handled: a restart continues from it
  (nothing replayed, nothing missed); on the very first start the backlog is skipped, and events older than the
  bot's join in a room are dropped. The core dedupes by event id, so an event seen twice is handled once.
- Errors come back from nio as response objects: every one is checked; a failed send raises so the outbox keeps
  the message and retries it later. `M_LIMIT_EXCEEDED` is retried by nio after the server's wait, a bounded
  number of times; the sync loop reconnects with back-off when the network goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    Event,
    InviteMemberEvent,
    JoinError,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    ReactionEvent,
    RedactionEvent,
    RoomCreateError,
    RoomMemberEvent,
    RoomMessageText,
    RoomSendResponse,
    SyncError,
    SyncResponse,
    UploadResponse,
    WhoamiResponse,
)
from nio.api import RoomPreset

from bot.app import Forum
from bot.bot_rooms import bot_joined, bot_left, cannot_read
from bot.config import MatrixConfig
from bot.messages import Attachment, Handled, Incoming, Outgoing
from bot.storage.state import get_state, set_state
from bot.storage.tables import Account, Room
from bot.transports.base import DeliveryError, Transport, drain_outbox

NETWORK = "matrix"
log = logging.getLogger("forumbot.matrix")

MEGOLM = "m.megolm.v1.aes-sha2"
RETRY_EVERY = 5.0          # seconds between outbox passes (failed messages come back after their back-off)
MAX_RECONNECT_WAIT = 60.0  # seconds, the longest pause between two attempts to reach the homeserver
SAVE_TOKEN_EVERY = 10.0  # seconds: the longest a busy worker goes without saving the sync token
_MXID = re.compile(r"@[a-z0-9._=\-/+]+:[a-zA-Z0-9.\-]+(?::\d+)?")

Work = Callable[[], Awaitable[object]]


class MatrixError(DeliveryError):
    """The homeserver refused a request; the outbox retries later."""


def _check(response: Any, what: str) -> Any:
    if isinstance(response, ErrorResponse):
        raise MatrixError(f"{what}: {response.status_code or ''} {response.message}".strip())
    return response


def render_html(text: str) -> str:
    """HTML for `formatted_body`: everything escaped, newlines as <br>, Matrix ids as mentions (pills)."""
    escaped = html.escape(text, quote=False)
    linked = _MXID.sub(lambda m: f'<a href="https://matrix.to/#/{m.group(0)}">{m.group(0)}</a>', escaped)
    return linked.replace("\n", "<br>")


def matrix_command(command: str) -> str:
    """Element eats unknown `/` commands: show `!vote …` to Matrix users."""
    return "!" + command[1:] if command.startswith("/") else command


def inviter_allowed(config: MatrixConfig, inviter: str) -> bool:
    """`@alice:example.org` (that user) or `:example.org` (anyone on that server)."""
    for entry in config.allowed_inviters:
        entry = entry.strip()
        if entry.startswith("@") and entry.lower() == inviter.lower():
            return True
        if entry.startswith(":") and inviter.lower().endswith(entry.lower()):
            return True
    return False


@dataclass
class _Stats:
    handled: int = 0
    dropped_old: int = 0
    undecryptable: int = 0


class MatrixTransport(Transport):
    """One bot account on one homeserver."""

    network = NETWORK

    def __init__(self, forum: Forum, *, max_limit_exceeded: int = 3, max_timeouts: int = 5,
                 sync_timeout_ms: int = 30_000, retry_every: float = RETRY_EVERY,
                 dm_wait: float = 15.0) -> None:
        self.forum = forum
        self.config = forum.config.matrix
        self.sync_timeout_ms = sync_timeout_ms
        self.retry_every = retry_every
        self.dm_wait = dm_wait
        Path(self.config.store_path).mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            self.config.homeserver, self.config.user_id, store_path=self.config.store_path,
            # store_sync_tokens off: the token lives in our database (`next_batch`, passed to the first sync), and
            # nio would write it to its own store during every sync, before handing over the sync's events.
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False,
                                     max_limit_exceeded=max_limit_exceeded, max_timeouts=max_timeouts,
                                     request_timeout=30, max_timeout_retry_wait_time=MAX_RECONNECT_WAIT))
        self.queue: asyncio.Queue[Work | None] = asyncio.Queue()
        self.tasks: list[asyncio.Task[None]] = []
        self.accepting = False           # False while the backlog of a first-ever sync arrives
        self.started_ms = 0
        self.stats = _Stats()
        self._invites_seen: set[str] = set()
        self._unreadable_rooms: set[str] = set()
        self._joined_ts: dict[str, int] = {}
        self._idle = asyncio.Event()
        self._stopping = False
        self.connected = asyncio.Event()

    # -- state ------------------------------------------------------------------------------------------------

    def _get(self, key: str) -> str | None:
        return get_state(self.forum.engine, f"matrix:{self.config.user_id}:{key}")

    def _set(self, key: str, value: str) -> None:
        set_state(self.forum.engine, f"matrix:{self.config.user_id}:{key}", value)

    def _get_json(self, key: str) -> Any:
        value = self._get(key)
        return json.loads(value) if value else None

    # -- lifecycle --------------------------------------------------------------------------------------------

    async def login(self) -> None:
        """Log in with the stored device id (so the encryption keys stay the same), by token or password."""
        device_id = self._get("device_id")
        if self.config.access_token:
            self.client.access_token = self.config.access_token
            who = await self.client.whoami()
            if not isinstance(who, WhoamiResponse):
                raise MatrixError(f"access token refused: {who}")
            device_id = who.device_id or device_id
            if not device_id:
                raise MatrixError("the access token has no device id; log in with a password once")
            self.client.restore_login(self.config.user_id, device_id, self.config.access_token)
        else:
            if device_id:
                self.client.device_id = device_id
            response = await self.client.login(self.config.password, device_name=self.config.device_name)
            if not isinstance(response, LoginResponse):
                raise MatrixError(f"login failed: {response}")
            device_id = response.device_id
        self._set("device_id", device_id)
        if self.client.should_upload_keys:
            _check(await self.client.keys_upload(), "keys upload")

    async def start(self) -> None:
        """Log in, catch up once (without handling a first-ever backlog), then sync and work in the background."""
        self.started_ms = int(time.time() * 1000)
        self.client.add_event_callback(self._on_event, (RoomMessageText, MegolmEvent, ReactionEvent,
                                                        RedactionEvent, RoomMemberEvent))
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)
        self.client.add_response_callback(self._on_sync, SyncResponse)
        self.client.add_response_callback(self._on_sync_error, SyncError)
        await self.login()
        token = self._get("next_batch")
        self._saved_token = token
        self.accepting = token is not None
        first = await self.client.sync(timeout=0, since=token, full_state=True)
        if isinstance(first, SyncError):
            raise MatrixError(f"first sync failed: {first.message}")
        await self._on_sync(first)  # sync() alone runs no response callbacks
        self.accepting = True
        self.connected.set()
        self.tasks = [asyncio.create_task(self._worker(), name="matrix-worker"),
                      asyncio.create_task(self._sync_loop(), name="matrix-sync"),
                      asyncio.create_task(self._ticker(), name="matrix-outbox")]
        self.enqueue(self._send_pending)

    async def stop(self) -> None:
        """Finish the queued work, stop syncing, and close the connection (keys stay in the store)."""
        self._stopping = True
        self.client.stop_sync_forever()
        for task in self.tasks[1:]:
            task.cancel()
        self.queue.put_nowait(None)
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.tasks = []
        with contextlib.suppress(Exception):
            self._save_sync_token()  # the worker got through the queue: every event it covers was handled
        await self.client.close()

    async def _sync_loop(self) -> None:
        attempt = 0
        while not self._stopping:
            try:
                await self.client.sync_forever(timeout=self.sync_timeout_ms, loop_sleep_time=0)
                attempt = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network loss, server gone: reconnect with back-off
                attempt += 1
                self.connected.clear()
                wait = min(0.5 * 2 ** attempt, MAX_RECONNECT_WAIT)
                log.warning("sync failed (%s: %s); reconnecting in %.1fs", type(exc).__name__, exc, wait)
                await asyncio.sleep(wait)
                continue
            if self._sync_failed and not self._stopping:
                attempt += 1
                await asyncio.sleep(min(0.5 * 2 ** attempt, MAX_RECONNECT_WAIT))
                if self._sync_failed == "M_UNKNOWN_TOKEN" and self.config.password:
                    with contextlib.suppress(Exception):
                        await self.login()
                self._sync_failed = None

    _sync_failed: str | None = None
    _unsaved_token: str | None = None  # the latest sync's token, until `_save_sync_token` stores it
    _saved_token: str | None = None
    _token_saved_at: float = 0.0  # time.monotonic() of the last save

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(self.retry_every)
            self.enqueue(self._send_pending)

    async def wake(self) -> None:
        """Scheduler listener: due work was done, deliver what it queued."""
        self.enqueue(self._send_pending)

    # -- callbacks: queue work, never raise -------------------------------------------------------------------

    def enqueue(self, work: Work) -> None:
        self._idle.clear()
        self.queue.put_nowait(work)

    async def _on_event(self, room: MatrixRoom, event: Event) -> None:
        try:
            if (isinstance(event, RoomMemberEvent) and event.state_key == self.client.user_id
                    and event.membership == "join" and event.prev_membership != "join"):
                # nio runs a whole sync's callbacks before the worker gets a turn: the history that came
                # with the join (queued just before) is judged against this moment
                self._joined_ts[room.room_id] = event.server_timestamp
            if self.accepting:
                self.enqueue(lambda: self.handle_event(room, event))
            elif isinstance(event, RoomMemberEvent):
                self.enqueue(lambda: self._remember_join(room, event))
        except Exception:
            log.exception("could not queue event")

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        try:
            if (event.state_key == self.client.user_id and event.membership == "invite"
                    and room.room_id not in self._invites_seen):
                self._invites_seen.add(room.room_id)
                self.enqueue(lambda: self._answer_invite(room.room_id, event))
        except Exception:
            log.exception("could not queue invite")

    async def _on_sync(self, response: SyncResponse) -> None:
        try:
            left = list(response.rooms.leave)
            self.connected.set()
            if left:
                self.enqueue(lambda: self._rooms_left(left))
            # Saved once the worker has handled everything queued before it (see `_worker`), not now. Under
            # sustained traffic the queue may not empty for a while: then a marker queued behind this sync's events
            # saves it, at most every SAVE_TOKEN_EVERY seconds (a restart must not resume from a stale token: the
            # homeserver would skip what a long gap holds).
            self._unsaved_token = response.next_batch or self._unsaved_token
            token = self._unsaved_token
            if token and time.monotonic() - self._token_saved_at > SAVE_TOKEN_EVERY:
                self._token_saved_at = time.monotonic()
                self.enqueue(lambda: self._save_sync_token_in_turn(token))
        except Exception:
            log.exception("could not queue sync token")

    async def _on_sync_error(self, response: SyncError) -> None:
        log.warning("sync error: %s %s", response.status_code, response.message)
        self._sync_failed = response.status_code or "error"
        self.client.stop_sync_forever()

    # -- the worker -------------------------------------------------------------------------------------------

    async def _worker(self) -> None:
        while True:
            work = await self.queue.get()
            if work is None:
                return
            try:
                await work()
            except Exception:
                log.exception("matrix work failed")
            if self.queue.empty():
                try:
                    await self._send_pending()
                    self._save_sync_token()
                except Exception:
                    log.exception("outbox pass failed")
                if self.queue.empty():
                    self._idle.set()

    async def idle(self, timeout: float = 30.0) -> None:
        """Tests: wait until every queued piece of work was done."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def _send_pending(self) -> None:
        await drain_outbox(self.forum, self)

    async def _rooms_left(self, left: list[str]) -> None:
        for room_id in left:
            bot_left(self.forum, NETWORK, room_id)

    def _save_sync_token(self, token: str | None = None) -> None:
        """Store a sync token (by default the latest), after the replies went out (it is off the reply's path).

        Called when the queue is empty, or by a marker queued behind a sync's events: every event the token covers
        has been handled (each one's processed-event row is committed with its effects), so a crash before this
        resumes from the previous token, and the events seen again are recognised and skipped.
        """
        token = token or self._unsaved_token
        self._token_saved_at = time.monotonic()
        if token and token != self._saved_token:
            self._set("next_batch", token)
            self._saved_token = token

    async def _save_sync_token_in_turn(self, token: str) -> None:
        self._save_sync_token(token)

    async def _answer_invite(self, room_id: str, event: InviteMemberEvent) -> None:
        inviter = event.sender
        if not inviter_allowed(self.config, inviter):
            log.info("declining invite to %s from %s", room_id, inviter)
            _check(await self.client.room_leave(room_id), "decline invite")
            return
        if (event.content or {}).get("is_direct"):
            self._remember_dm(inviter, room_id)
        response = await self.client.join(room_id)
        if isinstance(response, JoinError):
            self._invites_seen.discard(room_id)
            raise MatrixError(f"join {room_id}: {response.message}")

    def _remember_dm(self, user_id: str, room_id: str) -> None:
        self._set(f"dm:{user_id}", room_id)
        self._set(f"dmroom:{room_id}", user_id)

    def is_dm(self, room: MatrixRoom) -> bool:
        """The bot's direct rooms: made with `is_direct` (by it or by the person), with at most 2 members."""
        return self._get(f"dmroom:{room.room_id}") is not None and room.member_count <= 2

    async def _remember_join(self, room: MatrixRoom, event: RoomMemberEvent) -> None:
        if event.state_key == self.client.user_id and event.membership == "join":
            self._set(f"joined:{room.room_id}", str(event.server_timestamp))

    # -- events -> the core -----------------------------------------------------------------------------------

    def _too_old(self, room: MatrixRoom, event: Event) -> bool:
        joined: int | str | None = self._joined_ts.get(room.room_id) or self._get(f"joined:{room.room_id}")
        return joined is not None and event.server_timestamp < int(joined)

    async def handle_event(self, room: MatrixRoom, event: Event) -> Handled | None:
        """Turn one timeline event into what the core understands; safe to call twice with the same event."""
        if isinstance(event, RoomMemberEvent):
            await self._membership(room, event)
            return None
        if event.sender == self.client.user_id:
            return None
        if self._too_old(room, event):
            self.stats.dropped_old += 1
            return None
        if isinstance(event, RoomMessageText):
            if event.source.get("content", {}).get("msgtype") not in ("m.text", None):
                return None
            return await self._incoming(room, event, event.body.strip(), event.event_id)
        if isinstance(event, ReactionEvent):
            return await self._reaction(room, event)
        if isinstance(event, RedactionEvent):
            return await self._redaction(room, event)
        if isinstance(event, MegolmEvent):
            await self._undecryptable(room, event)
        return None

    async def _incoming(self, room: MatrixRoom, event: Event, text: str, event_id: str,
                        sender: str | None = None, message_id: str | None = None) -> Handled:
        user_id = sender or event.sender
        incoming = Incoming(
            network=NETWORK, event_id=event_id, room_id=room.room_id, user_id=user_id, handle=user_id,
            display_name=room.user_name(user_id) or user_id, room_title=room.display_name,
            is_private=self.is_dm(room), text=text,
            message_id=message_id if message_id is not None else event_id)
        self.stats.handled += 1
        return await self.forum.handle(incoming)

    async def _membership(self, room: MatrixRoom, event: RoomMemberEvent) -> None:
        if event.state_key != self.client.user_id:
            return
        if event.membership == "join" and event.prev_membership != "join":
            self._set(f"joined:{room.room_id}", str(event.server_timestamp))
            if self._get(f"dmroom:{room.room_id}") is None:
                bot_joined(self.forum, NETWORK, room.room_id, room.display_name, event.event_id)
        elif event.membership in ("leave", "ban"):
            bot_left(self.forum, NETWORK, room.room_id)

    async def _reaction(self, room: MatrixRoom, event: ReactionEvent) -> Handled | None:
        mapping = self._get_json(f"reactions:{event.reacts_to}")
        if not mapping:
            return None
        command = (mapping.get("reactions") or {}).get(event.key)
        if command is None:
            command = (mapping.get("reactions") or {}).get(event.key.replace("\ufe0f", ""))
        if command is None:
            return None
        self._set(f"reaction:{event.event_id}", json.dumps({"sender": event.sender, "target": event.reacts_to}))
        self._set(f"lastreaction:{event.reacts_to}:{event.sender}", event.event_id)
        return await self._incoming(room, event, command, event.event_id, message_id="")

    async def _redaction(self, room: MatrixRoom, event: RedactionEvent) -> Handled | None:
        reaction = self._get_json(f"reaction:{event.redacts}")
        if not reaction or reaction["sender"] != event.sender:
            return None
        if self._get(f"lastreaction:{reaction['target']}:{event.sender}") != event.redacts:
            return None  # an older reaction, replaced since by another one: the ballot stands
        mapping = self._get_json(f"reactions:{reaction['target']}") or {}
        command = mapping.get("unreact")
        if not command:
            return None
        return await self._incoming(room, event, command, event.event_id, message_id="")

    async def _undecryptable(self, room: MatrixRoom, event: MegolmEvent) -> None:
        self.stats.undecryptable += 1
        with contextlib.suppress(Exception):
            await self.client.request_room_key(event)
        if room.room_id in self._unreadable_rooms:
            return
        self._unreadable_rooms.add(room.room_id)
        cannot_read(self.forum, NETWORK, room.room_id, room.display_name, event.event_id)

    # -- the outbox -> Matrix ---------------------------------------------------------------------------------

    async def deliver(self, message: Outgoing, room: Room | None, account: Account | None) -> str | None:
        if room is not None:
            room_id = room.platform_room_id
        elif account is not None and account.platform_user_id:
            room_id = await self.direct_room(account.platform_user_id)
        else:
            raise DeliveryError("nowhere to deliver")
        extras = message.extras
        text = message.text
        buttons = [b for row in extras.buttons for b in row]
        if buttons:
            text += "\n" + "\n".join(f"▸ {b.label}: {matrix_command(b.command)}" for b in buttons)
        content: dict[str, Any] = {"msgtype": "m.notice", "body": text, "format": "org.matrix.custom.html",
                                   "formatted_body": render_html(text)}
        if extras.reply_to:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": extras.reply_to}}
        event_id = await self.send(room_id, "m.room.message", content, txn=f"outbox-{message.id}")
        if extras.reactions:
            self._set(f"reactions:{event_id}", json.dumps({"reactions": extras.reactions.commands,
                                                           "unreact": extras.reactions.unreact}))
            for key in extras.reactions.commands:
                try:  # hints people can click; the message itself was sent
                    await self.send(room_id, "m.reaction", {"m.relates_to": {
                        "rel_type": "m.annotation", "event_id": event_id, "key": key}})
                except Exception as exc:
                    log.warning("reaction hint %s not sent: %s", key, exc)
        if extras.attachment:
            await self._send_file(room_id, extras.attachment)
        return event_id

    async def send(self, room_id: str, event_type: str, content: dict[str, Any], txn: str | None = None) -> str:
        """Send one event (encrypted where the room is); raises so the outbox retries."""
        await self._wait_for_room(room_id)
        room = self.client.rooms.get(room_id)
        if room is not None and room.encrypted and self.client.olm is not None:
            await self._know_devices(room)
            self._trust_members(room)
        response = await self.client.room_send(room_id, event_type, content, tx_id=txn,
                                               ignore_unverified_devices=True)
        if not isinstance(response, RoomSendResponse):
            raise MatrixError(f"send to {room_id}: {getattr(response, 'status_code', '')} "
                              f"{getattr(response, 'message', response)}")
        return str(response.event_id)

    async def _send_file(self, room_id: str, file: Attachment) -> None:
        data = file.content.encode()
        room = self.client.rooms.get(room_id)
        encrypt = bool(room and room.encrypted)
        upload, keys = await self.client.upload(io.BytesIO(data), content_type=file.mime,
                                                filename=file.name, encrypt=encrypt, filesize=len(data))
        if not isinstance(upload, UploadResponse):
            raise MatrixError(f"upload: {upload}")
        content: dict[str, Any] = {"msgtype": "m.file", "body": file.name,
                                   "info": {"mimetype": file.mime, "size": len(data)}}
        if encrypt and keys:
            content["file"] = {**keys, "url": upload.content_uri}
        else:
            content["url"] = upload.content_uri
        await self.send(room_id, "m.room.message", content)

    async def _know_devices(self, room: MatrixRoom) -> None:
        """Members (invited ones too) whose devices are unknown get a key query, so they receive the room key."""
        assert self.client.olm is not None
        missing = {user for user in room.users if not list(self.client.device_store.active_user_devices(user))}
        if missing:
            self.client.olm.users_for_key_query.update(missing)
        if self.client.should_query_keys:
            _check(await self.client.keys_query(), "keys query")

    def _trust_members(self, room: MatrixRoom) -> None:
        """Decide, before sharing a room key, which members' devices get it.

        "tofu": a device seen for the first time is trusted (unless blacklisted). "none": only the devices listed in
        `trusted_devices` are; every other one is blacklisted, so it gets no key and cannot read the bot's messages
        (sending with `ignore_unverified_devices` would otherwise give it the key all the same).
        """
        if self.client.olm is None:
            return
        listed = set(self.config.trusted_devices)
        for user_id in room.users:
            for device in self.client.device_store.active_user_devices(user_id):
                if self.config.trust == "tofu":
                    if not device.verified and not device.blacklisted:
                        self.client.verify_device(device)
                elif f"{user_id} {device.id}" in listed:
                    if device.blacklisted:
                        self.client.unblacklist_device(device)
                    if not device.verified:
                        self.client.verify_device(device)
                else:
                    if device.verified:
                        self.client.unverify_device(device)
                    if not device.blacklisted:
                        self.client.blacklist_device(device)

    async def _wait_for_room(self, room_id: str, member: str | None = None) -> None:
        """A room just made (or joined) is known to nio only after a sync: wait for it, bounded.

        With `member`, wait until that person (joined or invited) is in nio's member list too: Synapse makes a room
        and then invites, and a sync can fall between the two; a room key shared then would miss their devices.
        """
        deadline = time.monotonic() + self.dm_wait
        while room_id not in self.client.rooms or (member and member not in self.client.rooms[room_id].users):
            left = deadline - time.monotonic()
            if left <= 0:
                raise MatrixError(f"room {room_id} not synced yet" + (f" with {member}" if member else ""))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.client.synced.wait(), min(left, 1.0))

    async def direct_room(self, user_id: str) -> str:
        """The direct room with this person: the one remembered if still usable, else a new one (`is_direct`)."""
        known = self._get(f"dm:{user_id}")
        if known:
            room = self.client.rooms.get(known)
            if room is None or user_id in room.users:
                return known
        response = await self.client.room_create(
            is_direct=True, invite=[user_id], preset=RoomPreset.trusted_private_chat,
            initial_state=[{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}])
        if isinstance(response, RoomCreateError):
            raise MatrixError(f"direct room with {user_id}: {response.message}")
        room_id = str(response.room_id)
        self._remember_dm(user_id, room_id)
        await self._wait_for_room(room_id, member=user_id)
        return room_id


async def run_matrix(forum: Forum, scheduler: Any) -> None:
    """`forum-bot run`: the Matrix side, until cancelled; a homeserver down at start is retried with back-off."""
    logging.getLogger("nio").setLevel(logging.WARNING)
    attempt = 0
    while True:
        transport = MatrixTransport(forum)
        try:
            await transport.start()
            break
        except Exception as exc:
            attempt += 1
            wait = min(2.0 * 2 ** attempt, MAX_RECONNECT_WAIT)
            log.warning("Matrix start failed (%s: %s); again in %.0fs", type(exc).__name__, exc, wait)
            await transport.client.close()
            await asyncio.sleep(wait)
    scheduler.on_work_done(transport.wake)
    try:
        await asyncio.gather(*transport.tasks)
    finally:
        await transport.stop()
