"""The Telegram transport: python-telegram-bot 22 updates in, outbox messages out.

No forum logic lives here: an update becomes one `Incoming` (a message, or a button press carrying the
button's command), the core answers through the outbox, and this module renders outbox messages the
Telegram way (HTML with everything escaped, 4,096-character chunks, inline keyboards, documents).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import html
import logging
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    Chat,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.app import Forum
from bot.bot_rooms import bot_joined, bot_left, button_refused, cannot_write_privately, room_moved, wrote_in
from bot.config import Config
from bot.i18n import fold
from bot.messages import Button, Extras, Handled, Incoming, Outgoing
from bot.storage.state import get_state, set_state
from bot.storage.tables import Account, Room
from bot.transports.base import DeliveryError, Transport, WorkNotifier, drain_outbox

log = logging.getLogger("forumbot.telegram")

NETWORK = "telegram"
MAX_MESSAGE = 4096  # Telegram counts UTF-16 code units
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
PERIODIC_DRAIN_SECONDS = 30.0
_COMMAND_NAME = re.compile(r"[^a-z0-9_]")
_PAYLOAD_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_GONE = ("chat not found", "user not found", "bot can't initiate", "bot was blocked", "user is deactivated")


# ---------------------------------------------------------------------------------------------- pure helpers

def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _hard_split(line: str, limit: int) -> list[str]:
    """A line longer than `limit`: cut at the last space that fits, else at the limit."""
    pieces: list[str] = []
    while utf16_len(line) > limit:
        cut, size = 0, 0
        for index, ch in enumerate(line):
            size += utf16_len(ch)
            if size > limit:
                cut = index
                break
        space = line.rfind(" ", 0, cut)
        if space > cut // 2:
            pieces.append(line[:space])
            line = line[space + 1:]
        else:
            pieces.append(line[:cut])
            line = line[cut:]
    pieces.append(line)
    return pieces


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut a message into chunks of at most `limit` UTF-16 units, on line boundaries where possible."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _hard_split(line, limit):
            added = utf16_len(piece) + (1 if current else 0)
            if current and size + added > limit:
                chunks.append("\n".join(current))
                current, size = [piece], utf16_len(piece)
            else:
                current.append(piece)
                size += added
    if current:
        chunks.append("\n".join(current))
    return [chunk for chunk in chunks if chunk.strip()]


def command_name(name: str) -> str:
    """A command name as Telegram accepts it: lowercase ASCII, digits and `_`, 1-32 characters."""
    return _COMMAND_NAME.sub("", fold(name).replace("-", "_").replace(" ", "_"))[:32]


def start_payload(command: str) -> str:
    """`/vote V3 yes` → `vote_V3`: the deep-link payload for `/start` (the core's start handlers)."""
    words = unicodedata.normalize("NFKD", command.strip().lstrip("/!")).split()
    return _PAYLOAD_CHARS.sub("", "_".join(words[:2]))[:64]


def shorten(text: str, limit: int = MAX_CALLBACK_ANSWER) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class ButtonSigner:
    """Callback data `c:<command without slash>:<mac>`, or `k:<id>:<mac>` with the command stored by id.

    The key is derived from the bot token, so data forged by a client, or made for another bot, is refused.
    """

    def __init__(self, forum: Forum, token: str) -> None:
        self.forum = forum
        self.key = hashlib.sha256(b"forum-bot/telegram-callback\0" + token.encode()).digest()

    def _mac(self, body: str) -> str:
        digest = hmac.new(self.key, body.encode(), hashlib.sha256).digest()[:8]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign(self, command: str) -> str:
        body = "c:" + command.lstrip("/")
        data = f"{body}:{self._mac(body)}"
        if len(data.encode()) <= MAX_CALLBACK_DATA:
            return data
        ident = hashlib.sha256(command.encode()).hexdigest()[:16]
        set_state(self.forum.engine, f"telegram:button:{ident}", command)
        body = "k:" + ident
        return f"{body}:{self._mac(body)}"

    def verify(self, data: str | None) -> str | None:
        """The command behind valid callback data, else None."""
        if not data:
            return None
        body, _, mac = data.rpartition(":")
        if not body or not hmac.compare_digest(mac, self._mac(body)):
            return None
        kind, _, rest = body.partition(":")
        if kind == "c" and rest:
            return "/" + rest
        if kind == "k" and rest:
            return get_state(self.forum.engine, f"telegram:button:{rest}")
        return None


# ---------------------------------------------------------------------------------------------- the transport

@dataclass
class _Unreachable:
    person_id: int
    chat_id: str | None  # the group they last wrote in, if this process saw it (else the database knows)
    key: str


class TelegramTransport(Transport):
    """Routes PTB updates to the forum and delivers the outbox with the application's bot."""

    network = NETWORK

    def __init__(self, forum: Forum, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.forum = forum
        self.app = app
        self.signer = ButtonSigner(forum, app.bot.token)
        self._drain_lock = asyncio.Lock()
        # user id → the group they last wrote in, and whether the database has it (see `_remember_group`)
        self._last_group: OrderedDict[str, tuple[str, bool]] = OrderedDict()
        self._unreachable: list[_Unreachable] = []
        self._gone_rooms: list[str] = []
        self._moved: dict[str, str] = {}  # a group's old chat id → its supergroup's (see `_chat_moved`)
        self._moves: list[tuple[str, str, str]] = []  # moves learnt while sending, for the database after a drain
        self.handled = 0  # updates given to the core
        self.processed = 0  # updates finished, their answers delivered (tests wait on it)
        self._handed_over = 0  # updates finished, their answers queued for delivery
        self._drain_wanted = asyncio.Event()
        self._drainer: asyncio.Task[None] | None = None

    # ----------------------------------------------------------------------------------------- wiring

    def install(self) -> None:
        self.app.add_handler(TypeHandler(Update, self.on_update))
        self.app.add_error_handler(self.on_error)

    @property
    def username(self) -> str:
        return self.app.bot.username or ""

    async def set_commands(self) -> None:
        """The command menus: English by default, French for French clients; private and group scopes."""
        for locale in ("en", "fr"):
            for private in (True, False):
                seen: set[str] = set()
                commands = []
                for name, description in self.forum.command_menu(locale, private):
                    tg_name = command_name(name)
                    if tg_name and tg_name not in seen:
                        seen.add(tg_name)
                        commands.append(BotCommand(tg_name, shorten(description, 256) or tg_name))
                scope = BotCommandScopeAllPrivateChats() if private else BotCommandScopeAllGroupChats()
                await self.app.bot.set_my_commands(commands[:100], scope=scope,
                                                   language_code=None if locale == "en" else locale)

    # ----------------------------------------------------------------------------------------- updates in

    async def on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update):
            return
        try:
            if update.callback_query is not None:
                await self._on_press(update, update.callback_query)
            elif update.my_chat_member is not None:
                self._on_membership(update, update.my_chat_member)
            elif update.message is not None:
                await self._on_message(update, update.message)
            else:
                return
        except Exception:  # one update's failure never stops the others
            log.exception("telegram update %s failed", update.update_id)
        self._deliver_soon()
        await asyncio.sleep(0)  # PTB takes the next update without yielding: let the delivery make progress

    def _deliver_soon(self) -> None:
        """Have the answers delivered in the background, so the next update is handled while they are sent.

        The outbox is committed before this is called: delivery order and retries stay the outbox's business.
        `processed` counts the updates whose answers were delivered (or left for retry) since.
        """
        self._handed_over += 1
        self._drain_wanted.set()
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain_while_wanted(), name="telegram-drain")

    async def _drain_while_wanted(self) -> None:
        while self._drain_wanted.is_set():
            self._drain_wanted.clear()
            covered = self._handed_over
            try:
                await self.drain()
            except Exception:
                log.exception("telegram outbox pass failed")
            self.processed = max(self.processed, covered)

    async def flush(self) -> None:
        """Wait for the background delivery to finish (before the application stops)."""
        while self._drainer is not None and not self._drainer.done():
            await asyncio.shield(self._drainer)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram error on update %s: %r", getattr(update, "update_id", "?"), context.error)

    def _addressed_elsewhere(self, text: str) -> bool:
        """`/cmd@other_bot`: a command meant for another bot in the group."""
        if not text.startswith("/"):
            return False
        head = text.split(maxsplit=1)[0]
        _, at, target = head.partition("@")
        return bool(at) and target.lower() != self.username.lower()

    async def _on_message(self, update: Update, message: Message) -> Handled | None:
        user, chat, text = message.from_user, message.chat, message.text
        if message.migrate_to_chat_id is not None:  # in the group, now read-only: its supergroup's id
            await self._on_migration(str(chat.id), str(message.migrate_to_chat_id), "")
            return None
        if message.migrate_from_chat_id is not None:  # the supergroup's first message: the group's id
            await self._on_migration(str(message.migrate_from_chat_id), str(chat.id), chat.title or "")
            return None
        if user is None or user.is_bot or text is None or self._addressed_elsewhere(text):
            return None
        # A message is identified by its chat and message id, which Telegram never reuses; update ids are not
        # enough: after a week without updates Telegram picks the next one at random, so an old one may return.
        return await self._handle(user, chat, f"m{chat.id}.{message.message_id}", text, str(message.message_id))

    async def _handle(self, user: User, chat: Chat, event_id: str, text: str, message_id: str | None,
                      answered_inline_up_to: int | None = None) -> Handled:
        """One message or button press, as the core's Incoming."""
        private = chat.type == ChatType.PRIVATE
        handled = await self.forum.handle(Incoming(
            network=NETWORK, event_id=event_id, room_id=str(chat.id), room_title="" if private else (chat.title or ""),
            is_private=private, user_id=str(user.id), handle=user.username, display_name=user.full_name,
            locale_hint=user.language_code, message_id=message_id, text=text,
            answered_inline_up_to=answered_inline_up_to))
        self.handled += 1
        if not private:
            try:
                self._remember_group(str(user.id), str(chat.id))
            except Exception:  # only a notice's destination: never the message's handling
                log.exception("could not remember where %s wrote", user.id)
        return handled

    async def _on_press(self, update: Update, query: CallbackQuery) -> None:
        user = query.from_user
        message = query.message
        command = self.signer.verify(query.data)
        if command is None or message is None:
            await self._answer(query, button_refused(self.forum, NETWORK, str(user.id), user.language_code), True)
            return
        chat = message.chat
        private = chat.type == ChatType.PRIVATE
        event_id = f"cb{query.id}"
        # In a group, the pop-up answering the press is the reply (the room is not spammed with it too): the core
        # records short answers as delivered in the press's own transaction.
        handled = await self._handle(user, chat, event_id, command, None,
                                     answered_inline_up_to=None if private else MAX_CALLBACK_ANSWER)
        answer = "\n".join(handled.replies)
        if handled.duplicate:
            with contextlib.suppress(Exception):
                await query.answer()
            return
        await self._answer(query, shorten(answer), handled.outcome not in ("ok", "hook", "ignored"))

    async def _answer(self, query: CallbackQuery, text: str, alert: bool) -> None:
        try:
            await query.answer(text or None, show_alert=alert and bool(text))
        except Exception as exc:  # a stale query cannot be answered any more; nothing to keep
            log.info("callback %s not answered: %s", query.id, exc)

    def _on_membership(self, update: Update, change: ChatMemberUpdated) -> None:
        chat = change.chat
        if chat.type == ChatType.PRIVATE:
            return
        was = change.old_chat_member.status in ("member", "administrator", "creator", "restricted")
        now = change.new_chat_member.status in ("member", "administrator", "creator", "restricted")
        if now and not was:
            # An upgrade to a supergroup also "adds" the bot to the supergroup: a room known there is not greeted.
            bot_joined(self.forum, NETWORK, str(chat.id), chat.title or "", f"u{update.update_id}",
                       known_quietly=True)
        elif was and not now:
            bot_left(self.forum, NETWORK, str(chat.id))

    async def _on_migration(self, old_chat_id: str, new_chat_id: str, title: str) -> None:
        """A group upgraded to a supergroup (either of its two service messages, in any order, maybe again)."""
        self._moved[old_chat_id] = new_chat_id
        async with self._drain_lock:  # no delivery holds the room's messages while they are moved
            room_moved(self.forum, NETWORK, old_chat_id, new_chat_id, title)

    def _chat_moved(self, old_chat_id: str, new_chat_id: str) -> None:
        """A send learnt that a group became a supergroup: what follows goes there; the room follows after the
        drain (its messages are being sent: they are not moved under the delivery's feet)."""
        self._moved[old_chat_id] = new_chat_id
        self._moves.append((old_chat_id, new_chat_id, ""))

    def _remember_group(self, user_id: str, chat_id: str) -> None:
        """Where to tell someone that they must open a private chat first, should a private message fail.

        Kept here and, once per change, in the database (`wrote_in`), which a restart does not forget."""
        known = self._last_group.get(user_id)
        saved = known == (chat_id, True) or wrote_in(self.forum, NETWORK, user_id, chat_id)
        self._last_group[user_id] = (chat_id, saved)
        self._last_group.move_to_end(user_id)
        while len(self._last_group) > 10_000:
            self._last_group.popitem(last=False)

    # ----------------------------------------------------------------------------------------- outbox out

    async def drain(self) -> int:
        """Deliver what is due; never two drains at once. Returns how many messages were sent."""
        async with self._drain_lock:
            sent = 0
            for _ in range(3):  # a failure may queue a notice (e.g. "open a private chat with me"): send it too
                sent += await drain_outbox(self.forum, self)
                if not self._after_drain():
                    break
            return sent

    async def wake(self) -> None:
        """The scheduler did some work: deliver what it queued."""
        await self.drain()

    def _after_drain(self) -> bool:
        queued = False
        moves, self._moves = self._moves, []
        for old_chat_id, new_chat_id, title in moves:
            try:
                room_moved(self.forum, NETWORK, old_chat_id, new_chat_id, title)
            except Exception:  # e.g. a database hiccup: sends already go to the new id; tried again next drain
                log.exception("room %s could not follow its chat to %s", old_chat_id, new_chat_id)
                self._moves.append((old_chat_id, new_chat_id, title))
        for room_id in self._gone_rooms:
            bot_left(self.forum, NETWORK, room_id)
        self._gone_rooms.clear()
        for item in self._unreachable:
            link = f"https://t.me/{self.username}"
            queued |= cannot_write_privately(self.forum, NETWORK, item.person_id, item.chat_id, link, item.key)
        self._unreachable.clear()
        return queued

    async def periodic_drain(self, every: float = PERIODIC_DRAIN_SECONDS) -> None:
        """Retry failed sends whose back-off has passed."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.drain()
            except Exception:
                log.exception("periodic drain failed")

    def keyboard(self, rows: Sequence[Sequence[Button]], private: bool) -> InlineKeyboardMarkup | None:
        if not rows:
            return None
        markup = []
        for row in rows:
            buttons = []
            for button in row:
                label, command = button.label, button.command
                if button.private and not private:
                    url = f"https://t.me/{self.username}?start={start_payload(command)}"
                    buttons.append(InlineKeyboardButton(label, url=url))
                else:
                    buttons.append(InlineKeyboardButton(label, callback_data=self.signer.sign(command)))
            if buttons:
                markup.append(buttons)
        return InlineKeyboardMarkup(markup) if markup else None

    async def deliver(self, message: Outgoing, room: Room | None, account: Account | None) -> str | None:
        if room is not None:
            chat_id, private = room.platform_room_id, room.is_private
        elif account is not None and account.platform_user_id:
            chat_id, private = account.platform_user_id, True
        else:
            raise DeliveryError("nowhere to deliver")
        moved_to = self._moved.get(chat_id)
        if moved_to is not None and room is not None and (chat_id, moved_to, "") not in self._moves:
            # a room still known by a group's old id (e.g. made again by a message written there before the
            # upgrade, handled after): it joins the moved room after the drain
            self._moves.append((chat_id, moved_to, ""))
        try:
            return await self._send(int(moved_to or chat_id), private, message.text, message.extras,
                                    quote=moved_to is None)
        except Forbidden as exc:
            self._undeliverable(message, chat_id, room, str(exc))
            raise
        except BadRequest as exc:
            if any(reason in str(exc).lower() for reason in _GONE):
                self._undeliverable(message, chat_id, room, str(exc))
            raise

    def _undeliverable(self, message: Outgoing, chat_id: str, room: Room | None, reason: str) -> None:
        if room is not None and not room.is_private:
            if "kicked" in reason or "not a member" in reason:
                self._gone_rooms.append(room.platform_room_id)
            return
        known = self._last_group.get(chat_id)  # a private chat's id is the person's user id
        origin = self._moved.get(known[0], known[0]) if known else None
        if message.person_id is not None:
            self._unreachable.append(_Unreachable(message.person_id, origin, message.key))

    async def _following(self, chat_id: int, call: Callable[[int, bool], Awaitable[Message]]) -> tuple[Message, int]:
        """One API call to a chat, `call(chat_id, moved)`; a group upgraded to a supergroup since gets it at its
        new id (`moved`: a message of the old chat cannot be quoted there). Returns the message and the chat id
        to use for the rest of the message, so that a message cut in chunks is neither lost nor sent twice."""
        try:
            return await call(chat_id, False), chat_id
        except ChatMigrated as exc:
            new_chat_id = int(exc.new_chat_id)
            log.info("telegram chat %s became %s", chat_id, new_chat_id)
            self._chat_moved(str(chat_id), str(new_chat_id))
            return await call(new_chat_id, True), new_chat_id

    async def _send(self, chat_id: int, private: bool, text: str, extras: Extras,
                    quote: bool = True) -> str | None:
        """Send a message; `quote=False`: not as a reply (the message it answers is in a chat the group left)."""
        bot = self.app.bot
        markup = self.keyboard(extras.buttons, private)
        reply_to = extras.reply_to
        reply = (ReplyParameters(int(reply_to), allow_sending_without_reply=True)
                 if quote and reply_to and not private and str(reply_to).isdigit() else None)
        attachment = extras.attachment
        chunks = split_text(text)
        caption: str | None = None
        if attachment and chunks and len(chunks) == 1 and utf16_len(chunks[0]) <= MAX_CAPTION:
            caption, chunks = chunks[0], []
        last_id: int | None = None
        for index, chunk in enumerate(chunks):
            final = index == len(chunks) - 1 and not attachment

            async def send_chunk(to: int, moved: bool, chunk: str = chunk, final: bool = final,
                                 replying: ReplyParameters | None = reply if index == 0 else None) -> Message:
                return await bot.send_message(to, html.escape(chunk, quote=False), parse_mode=ParseMode.HTML,
                                              reply_markup=markup if final else None,
                                              reply_parameters=None if moved else replying)

            sent, chat_id = await self._following(chat_id, send_chunk)
            last_id = sent.message_id
        if attachment:
            data, name = attachment.content.encode(), attachment.name or "file"

            async def send_file(to: int, moved: bool) -> Message:
                return await bot.send_document(to, InputFile(data, filename=name),
                                               caption=html.escape(caption, quote=False) if caption else None,
                                               parse_mode=ParseMode.HTML if caption else None, reply_markup=markup,
                                               reply_parameters=None if moved or chunks else reply)

            sent, chat_id = await self._following(chat_id, send_file)
            last_id = sent.message_id
        return str(last_id) if last_id is not None else None


# ---------------------------------------------------------------------------------------------- running it

def build_application(config: Config, rate_limiter: AIORateLimiter | None = None) -> Application[Any, Any, Any,
                                                                                                   Any, Any, Any]:
    """A PTB application from the configuration; 429s are retried (a message is delayed, not lost)."""
    tg = config.telegram
    builder = ApplicationBuilder().token(tg.token).rate_limiter(rate_limiter or AIORateLimiter(max_retries=3))
    if tg.base_url:
        builder = builder.base_url(tg.base_url)
    if tg.base_file_url:
        builder = builder.base_file_url(tg.base_file_url)
    return builder.build()


def webhook_secret(token: str) -> str:
    return hashlib.sha256(b"forum-bot/telegram-webhook\0" + token.encode()).hexdigest()[:48]


async def start_updates(app: Application[Any, Any, Any, Any, Any, Any], config: Config) -> None:
    """Long polling, or a webhook when the configuration gives a public URL."""
    tg = config.telegram
    assert app.updater is not None
    if tg.webhook_url:
        await app.updater.start_webhook(listen=tg.webhook_listen, port=tg.webhook_port,
                                        url_path=urlparse(tg.webhook_url).path.strip("/"),
                                        webhook_url=tg.webhook_url, secret_token=webhook_secret(tg.token),
                                        allowed_updates=Update.ALL_TYPES)
    else:
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)


async def run_telegram(forum: Forum, scheduler: WorkNotifier, stop: asyncio.Event | None = None) -> None:
    """Run the bot on Telegram until cancelled (or until `stop` is set)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # httpx logs URLs, which hold the token
    app = build_application(forum.config)
    transport = TelegramTransport(forum, app)
    transport.install()
    scheduler.on_work_done(transport.wake)
    async with app:
        await transport.set_commands()
        await app.start()
        await start_updates(app, forum.config)
        periodic = asyncio.create_task(transport.periodic_drain())
        log.info("telegram: running as @%s", transport.username)
        try:
            await transport.drain()
            await (stop or asyncio.Event()).wait()
        finally:
            periodic.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await periodic
            assert app.updater is not None
            if app.updater.running:
                await app.updater.stop()
            await app.stop()
            await transport.flush()  # answers already queued go out before the connection closes
