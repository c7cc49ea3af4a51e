"""In-process emulator of the Telegram Bot API, for tests and benchmarks.

Library use (same event loop as the test)::

    async with TelegramEmulator(token="123:ABC", bot_username="forum_test_bot") as emu:
        app = (ApplicationBuilder().token("123:ABC")
               .base_url(emu.base_url).base_file_url(emu.base_file_url).build())
        alice = emu.user(1001, "Alice", language_code="fr")
        chat = emu.private_chat(alice)
        emu.send_text(chat, alice, "/start")
        [reply] = await emu.wait_for_messages(1, chat_id=chat.id)

Bot API endpoints: ``POST|GET {base_url}{token}/{method}`` with a JSON, url-encoded or
multipart body (python-telegram-bot always sends url-encoded form data, or multipart when
files are uploaded; nested values such as ``reply_markup`` arrive as JSON strings).
Files: ``GET {base_file_url}{token}/{file_path}``.  Every answer is
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N, "description": ...}``.

Update queue semantics (getUpdates): updates are kept in FIFO order until confirmed.
Like Telegram, an update is confirmed by a getUpdates call whose ``offset`` is greater
than its ``update_id`` (confirmation stops at the first unconfirmed update of the queue).
An update queued with an ``update_id`` below an offset already used (a duplicate pushed
with :meth:`TelegramEmulator.push_raw_update`) is a *replay*: it is still delivered, and
confirmed once delivered by an offset above its id or above the last id of its batch.
A negative offset keeps only the last ``-offset`` updates.  Like Telegram,
``allowed_updates`` is remembered per bot and filters updates when they are *queued*;
by default ``chat_member``, ``message_reaction`` and ``message_reaction_count``
updates are not queued.  A second concurrent getUpdates ends the first one with 409.

Standalone mode (for benchmarks in another process)::

    python -m tests.support.telegram_emulator --port 0 --token 123:ABC \
        [--bot-username forum_test_bot] [--token 456:DEF --bot-username other_bot]

prints one JSON line ``{"base_url", "base_file_url", "control_url", "tokens"}`` on stdout
and serves until SIGINT/SIGTERM or ``POST /_control/shutdown``.  Control API (JSON;
``token`` defaults to the first bot everywhere):

* ``POST /_control/updates`` ``{"updates": [{"chat_id", "user_id", "text", "first_name"?,
  "username"?, "language_code"?, "chat_type"?, "title"?, "reply_to"?}], "token"?}`` ->
  ``{"update_ids": [...]}``.  Users and chats are created on first use (negative
  ``chat_id`` = group with the bot as member, otherwise the user's private chat).
* ``POST /_control/raw_updates`` ``{"updates": [update dicts], "token"?}`` -> ``{"update_ids"}``
* ``POST /_control/press`` ``{"chat_id", "user_id", "message_id", "data", "token"?}`` ->
  ``{"callback_query_id"}``
* ``POST /_control/fail`` ``{"method", "status"?, "retry_after"?, "times"?, "description"?}``
* ``POST /_control/migrate`` ``{"chat_id", "user_id", "new_chat_id"?, "updates"?, "token"?}`` ->
  ``{"new_chat_id"}``: the group becomes a supergroup (see ``TelegramEmulator.migrate_to_supergroup``);
  the old id then answers every call with 400 and ``parameters.migrate_to_chat_id``
* ``GET /_control/sent?since=N&chat_id=C`` -> ``{"total", "next", "sent": [records]}``
  (records as :class:`SentRecord` without document bytes; ``document_size`` instead)
* ``GET /_control/failed?since=N``, ``GET /_control/callback_answers?since=N`` (same shape)
* ``GET /_control/commands?scope=<type or JSON>&language_code=xx&token=T`` -> ``{"commands"}``
* ``GET /_control/wait?messages=N&chat_id=C&timeout=S`` -> ``{"ok": bool, "messages": n}``
  (long-polls until at least N new messages were sent, in total or to ``chat_id``)
* ``GET /_control/stats`` -> counters (updates queued/delivered/pending, sent, failed,
  calls per method)
* ``POST /_control/shutdown``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import hashlib
import html
import itertools
import json
import re
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import BodyPartReader, web

JSONDict = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MIGRATION_UPDATES = ("migrate_to", "migrate_from", "my_chat_member")
MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"
# Telegram's sender of messages sent "on behalf of" a group, e.g. the supergroup's migrate_from_chat_id message
GROUP_ANONYMOUS_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a specified old content and reply markup of the message"
)
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?")
_BOT_COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
        "tg-time",
    }
)
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)>")
_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});")


class TelegramAPIError(Exception):
    """An error answered to the bot as ``{"ok": false, ...}``."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        """The Bot API error body."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(description: str) -> TelegramAPIError:
    return TelegramAPIError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class User:
    """A Telegram user (or bot)."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    last_name: str | None = None
    is_bot: bool = False

    def to_dict(self) -> JSONDict:
        """Bot API ``User`` object."""
        data: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(frozen=True)
class Chat:
    """A Telegram chat: ``private``, ``group`` or ``supergroup``."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    def to_dict(self) -> JSONDict:
        """Bot API ``Chat`` object."""
        data: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class SentRecord:
    """Something the bot successfully did to a message (send, edit, delete)."""

    seq: int
    token: str
    method: str
    chat_id: int
    message_id: int
    text: str | None = None
    parse_mode: str | None = None
    reply_markup: JSONDict | None = None
    reply_to_message_id: int | None = None
    caption: str | None = None
    file_name: str | None = None
    document: bytes | None = None
    mime_type: str | None = None
    params: JSONDict = field(default_factory=dict)
    date: int = 0

    @property
    def button_data(self) -> list[str]:
        """All callback_data values of the inline keyboard, row by row."""
        return _callback_data_of(self.reply_markup)

    def to_json(self) -> JSONDict:
        """JSON-safe dict (document bytes replaced by ``document_size``)."""
        data = dataclasses.asdict(self)
        document = data.pop("document")
        data["document_size"] = None if document is None else len(document)
        return data


@dataclass
class FailedCall:
    """A Bot API call answered with an error (injected or from validation)."""

    seq: int
    token: str
    method: str
    status: int
    description: str
    params: JSONDict
    injected: bool

    def to_json(self) -> JSONDict:
        """JSON-safe dict."""
        return dataclasses.asdict(self)


@dataclass
class CallbackAnswer:
    """One answerCallbackQuery call."""

    seq: int
    token: str
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    data: str | None
    chat_id: int | None
    message_id: int | None

    def to_json(self) -> JSONDict:
        """JSON-safe dict."""
        return dataclasses.asdict(self)


@dataclass
class ApiCall:
    """Any Bot API call except getUpdates, as received (after parsing)."""

    token: str
    method: str
    params: JSONDict


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    remaining: int


@dataclass
class _QueuedUpdate:
    update: JSONDict
    update_id: int
    replay: bool = False
    delivered: bool = False
    batch_last_id: int = -1

    def confirmed_by(self, offset: int) -> bool:
        """Telegram rule (id < offset), except replays which must be delivered first."""
        if self.delivered and self.batch_last_id < offset:
            return True
        return self.update_id < offset and (self.delivered or not self.replay)


class _Signal:
    """Wakes every waiter on each :meth:`notify` (an Event replaced after being set)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake all current waiters."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float | None) -> None:
        """Wait for the next notify, at most ``timeout`` seconds (no error on timeout)."""
        event = self._event
        if timeout is not None and timeout <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


@dataclass
class _UploadedFile:
    file_id: str
    file_unique_id: str
    file_name: str | None
    data: bytes | None
    mime_type: str | None

    @property
    def file_path(self) -> str:
        return f"documents/{self.file_unique_id}/{self.file_name or 'file'}"


class _BotState:
    """Per-token state: identity, update queue, commands, webhook."""

    def __init__(self, token: str, username: str, first_name: str) -> None:
        try:
            bot_id = int(token.split(":", 1)[0])
        except ValueError as exc:
            raise ValueError(f"token must look like '123:ABC', got {token!r}") from exc
        self.token = token
        self.user = User(id=bot_id, first_name=first_name, username=username, is_bot=True)
        self.queue: deque[_QueuedUpdate] = deque()
        self.next_update_id = 1
        self.max_offset = 0
        self.allowed_updates: list[str] | None = None
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.texts: dict[tuple[str, str], str] = {}
        self.updates_signal = _Signal()
        self.poll_generation = 0
        self.queued = 0
        self.delivered = 0
        self.confirmed = 0

    def get_me(self) -> JSONDict:
        data = self.user.to_dict()
        data.update(
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return data


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _command_entities(text: str) -> list[JSONDict]:
    entities = []
    for match in _COMMAND_RE.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": _utf16_len(text[: match.start()]),
                "length": _utf16_len(match.group(0)),
            }
        )
    return entities


def _callback_data_of(markup: JSONDict | None) -> list[str]:
    if not markup:
        return []
    return [
        button["callback_data"]
        for row in markup.get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    ]


def html_to_plain(text: str) -> str:
    """Validate Telegram HTML and return the plain text, like Telegram's parser."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            offset = len(text[:pos].encode())
            match = _TAG_RE.match(text, pos)
            if match is None:
                raise _bad_request(f"can't parse entities: Unexpected character < at byte offset {offset}")
            closing, name = match.group(1) == "/", match.group(2).lower()
            if name not in _HTML_TAGS:
                kind = "end" if closing else "start"
                raise _bad_request(
                    f'can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {offset}'
                )
            if closing:
                if not stack or stack[-1] != name:
                    expected = f'"</{stack[-1]}>"' if stack else "no tag"
                    raise _bad_request(
                        f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                        f'expected {expected}, found "</{name}>"'
                    )
                stack.pop()
            else:
                stack.append(name)
            pos = match.end()
        elif char == "&":
            match = _ENTITY_RE.match(text, pos)
            if match is None:
                out.append("&")
                pos += 1
            else:
                out.append(html.unescape(match.group(0)))
                pos = match.end()
        else:
            out.append(char)
            pos += 1
    if stack:
        raise _bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return "".join(out)


class _Params:
    """Bot API parameters as received (JSON values or form strings)."""

    def __init__(self, values: JSONDict, files: dict[str, tuple[str | None, bytes, str | None]]):
        self.values = values
        self.files = files

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def get_str(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None:
            if required:
                raise _bad_request(f"{name} is empty" if name == "text" else f"parameter {name} is required")
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise _bad_request(f"parameter {name} is required")
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise _bad_request(f"invalid {name} specified") from exc

    def get_float(self, name: str, default: float) -> float:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise _bad_request(f"invalid {name} specified") from exc

    def get_bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError as exc:
                raise _bad_request(f"can't parse {name} JSON object") from exc
        return value

    def normalized(self) -> JSONDict:
        """Values with JSON strings decoded where possible (for records)."""
        out: JSONDict = {}
        for key, value in self.values.items():
            if isinstance(value, str) and value[:1] in ("{", "["):
                try:
                    out[key] = json.loads(value)
                    continue
                except ValueError:
                    pass
            out[key] = value
        for key, (file_name, data, _mime) in self.files.items():
            out[key] = {"file_name": file_name, "size": len(data)}
        return out


Handler = Callable[[_BotState, _Params], Awaitable[Any]]


def _scope_key(scope: Any) -> str:
    if scope is None:
        scope = {"type": "default"}
    elif isinstance(scope, str):
        scope = json.loads(scope) if scope.startswith("{") else {"type": scope}
    elif hasattr(scope, "to_dict"):
        scope = scope.to_dict()
    if not isinstance(scope, dict) or "type" not in scope:
        raise _bad_request("can't parse BotCommandScope JSON object")
    scope = dict(scope)
    for key in ("chat_id", "user_id"):
        if key in scope:
            with contextlib.suppress(TypeError, ValueError):
                scope[key] = int(scope[key])
    return json.dumps(scope, sort_keys=True)


class TelegramEmulator:
    """A fake Telegram Bot API server for one or more bot tokens."""

    def __init__(
        self,
        token: str = "123:ABC",
        bot_username: str = "forum_test_bot",
        *,
        bot_first_name: str = "Forum Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.host = host
        self.port = port
        self._bots: dict[str, _BotState] = {}
        self._default_token = token
        self.add_bot(token, bot_username, bot_first_name)
        self.sent: list[SentRecord] = []
        self.failed: list[FailedCall] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.calls: list[ApiCall] = []
        self.call_counts: Counter[str] = Counter()
        self.message_counts: Counter[int | None] = Counter()  # new messages per chat, None = all
        self._users: dict[int, User] = {}
        self._chats: dict[int, Chat] = {}
        self._members: dict[tuple[int, int], str] = {}
        self._blocked: set[tuple[int, int]] = set()
        self._migrated: dict[int, int] = {}  # a group upgraded to a supergroup → the supergroup's id
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._next_message_id: dict[int, int] = {}
        self._callback_queries: dict[str, JSONDict] = {}
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._files: dict[str, _UploadedFile] = {}
        self._faults: dict[tuple[str, str], deque[_Fault]] = {}
        self._seq = itertools.count()
        self._changed = _Signal()
        self._stopping = False
        self._stopped = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "senddocument": self._send_document,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "getchatadministrators": self._get_chat_administrators,
            "leavechat": self._leave_chat,
            "sendchataction": self._true,
            "getfile": self._get_file,
            "close": self._true,
            "logout": self._true,
        }
        for name in ("Name", "Description", "ShortDescription"):
            self._handlers[f"setmy{name.lower()}"] = self._make_text_setter(name)
            self._handlers[f"getmy{name.lower()}"] = self._make_text_getter(name)

    # ------------------------------------------------------------------ lifecycle

    def add_bot(self, token: str, username: str, first_name: str | None = None) -> User:
        """Serve another bot token; returns the bot's ``User``."""
        bot = _BotState(token, username, first_name or username)
        self._bots[token] = bot
        return bot.user

    def bot_user(self, token: str | None = None) -> User:
        """The ``User`` of a bot (default: the first token)."""
        return self._bot(token).user

    @property
    def token(self) -> str:
        """The first (default) bot token."""
        return self._default_token

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url(...)``."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def control_url(self) -> str:
        """Root of the HTTP control API."""
        return f"http://{self.host}:{self.port}/_control"

    def build_app(self) -> web.Application:
        """The aiohttp application (Bot API + file download + control API)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        _ControlAPI(self).register(app)
        return app

    async def start(self) -> Self:
        """Start listening; ``self.port`` is set to the real port."""
        self._stopping = False
        self._runner = web.AppRunner(
            self.build_app(), handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Wake pending long polls and stop the server."""
        self._stopping = True
        for bot in self._bots.values():
            bot.updates_signal.notify()
        self._changed.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._stopped.set()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def wait_stopped(self) -> None:
        """Wait until :meth:`stop` was called (used by the standalone mode)."""
        await self._stopped.wait()

    # ------------------------------------------------------------------ world building

    def user(
        self,
        id: int,
        first_name: str,
        username: str | None = None,
        language_code: str | None = None,
        *,
        last_name: str | None = None,
    ) -> User:
        """Create (or replace) a user."""
        user = User(id, first_name, username, language_code, last_name)
        self._users[id] = user
        return user

    def private_chat(self, user: User | int) -> Chat:
        """The private chat between ``user`` and the bot(s)."""
        user = self._user(user)
        chat = Chat(
            user.id, "private", username=user.username, first_name=user.first_name, last_name=user.last_name
        )
        self._chats[chat.id] = chat
        self._members[(chat.id, user.id)] = "member"
        return chat

    def group(
        self,
        id: int,
        title: str,
        *,
        supergroup: bool = False,
        username: str | None = None,
        bot_member: bool = True,
    ) -> Chat:
        """Create a group (negative id); all bots are members unless ``bot_member=False``."""
        if id >= 0:
            raise ValueError("group ids are negative (e.g. -100123 for supergroups)")
        chat = Chat(id, "supergroup" if supergroup else "group", title=title, username=username)
        self._chats[id] = chat
        for bot in self._bots.values():
            self._members[(id, bot.user.id)] = "member" if bot_member else "left"
        return chat

    def set_member_status(self, chat: Chat | int, user: User | int, status: str) -> None:
        """Set a member status: creator, administrator, member, left or kicked."""
        if status not in ("creator", "administrator", "member", "left", "kicked"):
            raise ValueError(f"unsupported status {status!r}")
        self._members[(self._chat(chat).id, self._user_id(user))] = status

    def block_bot(self, user: User | int, *, blocked: bool = True, token: str | None = None) -> None:
        """Make sends to the user's private chat fail with 403 (blocked by user)."""
        key = (self._bot(token).user.id, self._user_id(user))
        if blocked:
            self._blocked.add(key)
        else:
            self._blocked.discard(key)

    # ------------------------------------------------------------------ updates

    def push_raw_update(self, update: JSONDict, *, token: str | None = None, force: bool = False) -> int:
        """Queue an update dict as is (``update_id`` assigned if missing); returns its id.

        The same ``update_id`` may be pushed several times: each copy is delivered.
        Updates of a type excluded by ``allowed_updates`` are dropped unless ``force``.
        """
        bot = self._bot(token)
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = bot.next_update_id
        update_id = int(update["update_id"])
        bot.next_update_id = max(bot.next_update_id, update_id + 1)
        kind = next((key for key in update if key != "update_id"), "")
        allowed = bot.allowed_updates
        if not force and (
            (allowed is None and kind in DEFAULT_EXCLUDED_UPDATES)
            or (allowed is not None and kind not in allowed)
        ):
            return update_id
        bot.queue.append(_QueuedUpdate(update, update_id, replay=update_id < bot.max_offset))
        bot.queued += 1
        bot.updates_signal.notify()
        self._changed.notify()
        return update_id

    def send_text(
        self,
        chat: Chat | int,
        user: User | int,
        text: str,
        *,
        reply_to: int | None = None,
        token: str | None = None,
    ) -> int:
        """Queue a text message from ``user`` in ``chat``; returns the update_id."""
        message = self._new_user_message(chat, user, reply_to=reply_to)
        message["text"] = text
        entities = _command_entities(text)
        if entities:
            message["entities"] = entities
        self._store(message)
        return self.push_raw_update({"message": message}, token=token)

    def press_button(
        self,
        chat: Chat | int,
        user: User | int,
        message_id: int,
        data: str,
        *,
        token: str | None = None,
        check: bool = True,
    ) -> str:
        """Queue a callback_query for an inline button of a bot message; returns its id.

        With ``check`` (default), ``data`` must be the callback_data of a button of that message.
        """
        chat_obj = self._chat(chat)
        message = self._messages.get((chat_obj.id, message_id))
        if message is None:
            raise ValueError(f"no message {message_id} in chat {chat_obj.id}")
        buttons = _callback_data_of(message.get("reply_markup"))
        if check and data not in buttons:
            raise ValueError(f"message {message_id} has no button {data!r} (buttons: {buttons})")
        query_id = str(next(self._callback_ids))
        bot = self._bot(token)
        self._callback_queries[query_id] = {
            "token": bot.token,
            "answered": False,
            "data": data,
            "chat_id": chat_obj.id,
            "message_id": message_id,
        }
        query = {
            "id": query_id,
            "from": self._user(user).to_dict(),
            "message": json.loads(json.dumps(message)),
            "chat_instance": str(int(hashlib.sha1(str(chat_obj.id).encode()).hexdigest()[:12], 16)),
            "data": data,
        }
        self.push_raw_update({"callback_query": query}, token=token)
        return query_id

    def add_bot_to_group(
        self, group: Chat | int, by_user: User | int, *, token: str | None = None
    ) -> list[int]:
        """Queue my_chat_member (left -> member) and the new_chat_members service message."""
        bot = self._bot(token)
        chat = self._chat(group)
        old = self._members.get((chat.id, bot.user.id), "left")
        self._members[(chat.id, bot.user.id)] = "member"
        ids = [self._queue_my_chat_member(bot, chat, by_user, old, "member")]
        message = self._new_user_message(chat, by_user)
        message["new_chat_members"] = [bot.user.to_dict()]
        message["new_chat_member"] = bot.user.to_dict()
        message["new_chat_participant"] = bot.user.to_dict()
        self._store(message)
        ids.append(self.push_raw_update({"message": message}, token=token))
        return ids

    def remove_bot_from_group(
        self, group: Chat | int, by_user: User | int, *, token: str | None = None
    ) -> list[int]:
        """Queue my_chat_member (-> left in groups, kicked in supergroups) + service message."""
        bot = self._bot(token)
        chat = self._chat(group)
        new = "kicked" if chat.type == "supergroup" else "left"
        old = self._members.get((chat.id, bot.user.id), "member")
        self._members[(chat.id, bot.user.id)] = new
        ids = [self._queue_my_chat_member(bot, chat, by_user, old, new)]
        message = self._new_user_message(chat, by_user)
        message["left_chat_member"] = bot.user.to_dict()
        message["left_chat_participant"] = bot.user.to_dict()
        self._store(message)
        ids.append(self.push_raw_update({"message": message}, token=token))
        return ids

    def migrate_to_supergroup(
        self,
        group: Chat | int,
        by_user: User | int,
        new_id: int | None = None,
        *,
        updates: Iterable[str] = MIGRATION_UPDATES,
        token: str | None = None,
    ) -> Chat:
        """Upgrade a group to a supergroup with a new id (default ``-100<id>``); returns the supergroup.

        Members (the bots included) keep their status there. From now on, any call naming the old chat
        answers 400 with ``parameters.migrate_to_chat_id``, as Telegram does (python-telegram-bot raises
        ``ChatMigrated``). ``updates`` says which of Telegram's updates are queued, in that order (see
        :meth:`migration_updates`); Telegram's own order is not documented.
        """
        old = self._chat(group)
        if old.type != "group" or old.id in self._migrated:
            raise ValueError(f"chat {old.id} is not a group that can be upgraded")
        new_id = new_id if new_id is not None else int(f"-100{abs(old.id)}")
        if new_id in self._chats:
            raise ValueError(f"chat {new_id} exists already")
        chat = Chat(new_id, "supergroup", title=old.title, username=old.username)
        self._chats[new_id] = chat
        for (chat_id, user_id), status in list(self._members.items()):
            if chat_id == old.id:
                self._members[(new_id, user_id)] = status
        self._migrated[old.id] = new_id
        self.migration_updates(old, by_user, updates, token=token)
        return chat

    def migration_updates(
        self,
        group: Chat | int,
        by_user: User | int,
        updates: Iterable[str] = MIGRATION_UPDATES,
        *,
        token: str | None = None,
    ) -> list[int]:
        """Queue the updates of an upgrade done by :meth:`migrate_to_supergroup` (again, or late).

        ``migrate_to``: a service message in the old group, from ``by_user``, with ``migrate_to_chat_id``;
        ``migrate_from``: the supergroup's first message, from GroupAnonymousBot on behalf of the chat, with
        ``migrate_from_chat_id``; ``my_chat_member``: the bot "added" to the supergroup (left -> its status).
        Each call makes new messages with new update ids, as a second upgrade notice would be.
        """
        bot = self._bot(token)
        old = self._chat(group)
        new = self._chats[self._migrated[old.id]]
        ids = []
        for kind in updates:
            if kind == "migrate_to":
                message = self._new_user_message(old, by_user)
                message["migrate_to_chat_id"] = new.id
            elif kind == "migrate_from":
                message = {
                    "message_id": self._next_id(new.id),
                    "from": dict(GROUP_ANONYMOUS_BOT),
                    "sender_chat": new.to_dict(),
                    "chat": new.to_dict(),
                    "date": int(time.time()),
                    "migrate_from_chat_id": old.id,
                }
            elif kind == "my_chat_member":
                status = self._members.get((new.id, bot.user.id), "member")
                ids.append(self._queue_my_chat_member(bot, new, by_user, "left", status))
                continue
            else:
                raise ValueError(f"unknown migration update {kind!r} (expected one of {MIGRATION_UPDATES})")
            self._store(message)
            ids.append(self.push_raw_update({"message": message}, token=bot.token))
        return ids

    def pending_updates(self, token: str | None = None) -> int:
        """Number of queued updates not yet confirmed by the bot."""
        return len(self._bot(token).queue)

    async def wait_until_consumed(self, timeout: float = 5.0, token: str | None = None) -> None:
        """Wait until the bot confirmed every queued update (via getUpdates offset)."""
        await self.wait_for(lambda: not self._bot(token).queue, timeout, what="all updates to be confirmed")

    # ------------------------------------------------------------------ inspection

    def messages_in(self, chat_id: int | Chat, *, token: str | None = None) -> list[SentRecord]:
        """New messages (sendMessage/sendDocument) the bot(s) sent to a chat."""
        cid = chat_id.id if isinstance(chat_id, Chat) else chat_id
        return [
            r
            for r in self.sent
            if r.method in ("sendMessage", "sendDocument")
            and r.chat_id == cid
            and (token is None or r.token == token)
        ]

    def new_messages(self) -> list[SentRecord]:
        """All new messages (sendMessage/sendDocument) in order."""
        return [r for r in self.sent if r.method in ("sendMessage", "sendDocument")]

    def message(self, chat_id: int | Chat, message_id: int) -> JSONDict | None:
        """Current state of a stored message (as a Bot API Message dict)."""
        cid = chat_id.id if isinstance(chat_id, Chat) else chat_id
        return self._messages.get((cid, message_id))

    def commands(
        self, scope: Any = None, language_code: str | None = None, *, token: str | None = None
    ) -> list[JSONDict]:
        """Commands stored for exactly this scope (dict, type string or PTB scope) + language."""
        bot = self._bot(token)
        return list(bot.commands.get((_scope_key(scope), language_code or ""), []))

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
    ) -> None:
        """Wait until ``predicate()`` is true, re-checked after every emulator event."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}; sent={self.sent!r} "
                    f"failed={self.failed!r}"
                )
            await self._changed.wait(remaining)

    async def wait_for_messages(
        self, n: int, chat_id: int | Chat | None = None, timeout: float = 5.0
    ) -> list[SentRecord]:
        """Wait until at least ``n`` new messages were sent (to ``chat_id`` if given)."""

        key = chat_id.id if isinstance(chat_id, Chat) else chat_id
        await self.wait_for(lambda: self.message_counts[key] >= n, timeout, what=f"{n} messages")
        return self.new_messages() if key is None else self.messages_in(key)

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        description: str | None = None,
        *,
        token: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (429 flood control by default)."""
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                500: "Internal Server Error",
                502: "Bad Gateway",
                400: "Bad Request: injected error",
                403: "Forbidden: bot was blocked by the user",
                409: "Conflict: terminated by other getUpdates request; make sure that only "
                "one bot instance is running",
            }.get(status, f"Error {status}")
        fault = _Fault(status, description, retry_after if status == 429 else None, times)
        key = (self._bot(token).token, method.lower())
        self._faults.setdefault(key, deque()).append(fault)

    # ------------------------------------------------------------------ internals

    def _bot(self, token: str | None) -> _BotState:
        return self._bots[token or self._default_token]

    def _user(self, user: User | int) -> User:
        if isinstance(user, User):
            self._users.setdefault(user.id, user)
            return user
        for bot in self._bots.values():
            if bot.user.id == user:
                return bot.user
        return self._users[user]

    @staticmethod
    def _user_id(user: User | int) -> int:
        return user.id if isinstance(user, User) else user

    def _chat(self, chat: Chat | int) -> Chat:
        if isinstance(chat, Chat):
            self._chats.setdefault(chat.id, chat)
            return chat
        return self._chats[chat]

    def _next_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _new_user_message(
        self, chat: Chat | int, user: User | int, *, reply_to: int | None = None
    ) -> JSONDict:
        chat_obj = self._chat(chat)
        message: JSONDict = {
            "message_id": self._next_id(chat_obj.id),
            "from": self._user(user).to_dict(),
            "chat": chat_obj.to_dict(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            replied = self._messages.get((chat_obj.id, reply_to))
            if replied is None:
                raise ValueError(f"no message {reply_to} in chat {chat_obj.id}")
            message["reply_to_message"] = self._shallow(replied)
        return message

    @staticmethod
    def _shallow(message: JSONDict) -> JSONDict:
        return {k: v for k, v in message.items() if k != "reply_to_message"}

    def _store(self, message: JSONDict) -> None:
        self._messages[(message["chat"]["id"], message["message_id"])] = message

    def _queue_my_chat_member(
        self, bot: _BotState, chat: Chat, by_user: User | int, old: str, new: str
    ) -> int:
        update = {
            "my_chat_member": {
                "chat": chat.to_dict(),
                "from": self._user(by_user).to_dict(),
                "date": int(time.time()),
                "old_chat_member": self._member_dict(bot.user, old),
                "new_chat_member": self._member_dict(bot.user, new),
            }
        }
        return self.push_raw_update(update, token=bot.token)

    @staticmethod
    def _member_dict(user: User, status: str) -> JSONDict:
        data: JSONDict = {"user": user.to_dict(), "status": status}
        if status == "kicked":
            data["until_date"] = 0
        elif status == "creator":
            data["is_anonymous"] = False
        elif status == "administrator":
            data.update(
                {
                    key: key != "is_anonymous"
                    for key in (
                        "can_be_edited",
                        "is_anonymous",
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_promote_members",
                        "can_change_info",
                        "can_invite_users",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                        "can_pin_messages",
                    )
                }
            )
            data["can_be_edited"] = False
        return data

    def _record(self, **fields: Any) -> SentRecord:
        record = SentRecord(seq=next(self._seq), date=int(time.time()), **fields)
        self.sent.append(record)
        if record.method in ("sendMessage", "sendDocument"):
            self.message_counts[record.chat_id] += 1
            self.message_counts[None] += 1
        self._changed.notify()
        return record

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        bot = self._bots.get(token)
        if bot is None:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params = _Params({}, {})
        try:
            params = await self._parse(request)
            handler = self._handlers.get(method.lower())
            if handler is None:
                raise TelegramAPIError(404, "Not Found")
            if method.lower() != "getupdates":
                self.calls.append(ApiCall(token, method, params.normalized()))
            self.call_counts[method] += 1
            self._inject_fault(bot, method)
            result = await handler(bot, params)
        except TelegramAPIError as exc:
            if exc.status == 409 and (request.transport is None or request.transport.is_closing()):
                # an abandoned long poll ended by a newer one: nobody will read this answer
                return web.json_response(exc.payload(), status=exc.status)
            self.failed.append(
                FailedCall(
                    next(self._seq),
                    token,
                    method,
                    exc.status,
                    exc.description,
                    params.normalized(),
                    getattr(exc, "injected", False),
                )
            )
            self._changed.notify()
            return web.json_response(exc.payload(), status=exc.status)
        return web.json_response({"ok": True, "result": result})

    def _inject_fault(self, bot: _BotState, method: str) -> None:
        faults = self._faults.get((bot.token, method.lower()))
        if not faults:
            return
        fault = faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            faults.popleft()
        parameters = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
        error = TelegramAPIError(fault.status, fault.description, parameters)
        error.injected = True  # type: ignore[attr-defined]
        raise error

    @staticmethod
    async def _parse(request: web.Request) -> _Params:
        values: JSONDict = dict(request.query)
        files: dict[str, tuple[str | None, bytes, str | None]] = {}
        content_type = request.content_type
        if request.method not in ("POST", "PUT") or not request.can_read_body:
            return _Params(values, files)
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise _bad_request("can't parse JSON request body") from exc
            if not isinstance(body, dict):
                raise _bad_request("request body must be a JSON object")
            values.update(body)
        elif content_type.startswith("multipart/"):
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                data = bytes(await part.read(decode=False))
                if part.filename is not None:
                    files[part.name] = (part.filename, data, part.headers.get("Content-Type"))
                else:
                    values[part.name] = data.decode("utf-8")
        else:
            values.update(await request.post())
        return _Params(values, files)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] not in self._bots:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path and stored.data is not None:
                return web.Response(
                    body=stored.data, content_type=stored.mime_type or "application/octet-stream"
                )
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    # ------------------------------------------------------------------ methods

    async def _true(self, bot: _BotState, params: _Params) -> bool:
        return True

    async def _get_me(self, bot: _BotState, params: _Params) -> JSONDict:
        return bot.get_me()

    async def _get_updates(self, bot: _BotState, params: _Params) -> list[JSONDict]:
        if bot.webhook_url:
            raise TelegramAPIError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get_int("offset")
        limit = min(max(params.get_int("limit") or 100, 1), 100)
        timeout = max(params.get_float("timeout", 0.0), 0.0)
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            bot.allowed_updates = [str(x) for x in allowed] or None
        bot.poll_generation += 1
        generation = bot.poll_generation
        bot.updates_signal.notify()  # ends an older concurrent long poll with 409
        self._confirm(bot, offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._take(bot, limit)
            if batch or self._stopping:
                return batch
            if bot.poll_generation != generation:
                raise TelegramAPIError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that "
                    "only one bot instance is running",
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await bot.updates_signal.wait(remaining)

    def _confirm(self, bot: _BotState, offset: int | None) -> None:
        if offset is None:
            return
        queue = bot.queue
        if offset < 0:
            keep = -offset
            while len(queue) > keep:
                queue.popleft()
                bot.confirmed += 1
        else:
            bot.max_offset = max(bot.max_offset, offset)
            while queue and queue[0].confirmed_by(offset):
                queue.popleft()
                bot.confirmed += 1
        self._changed.notify()

    def _take(self, bot: _BotState, limit: int) -> list[JSONDict]:
        batch = list(itertools.islice(bot.queue, limit))
        if not batch:
            return []
        last_id = batch[-1].update_id
        for entry in batch:
            if not entry.delivered:
                bot.delivered += 1
            entry.delivered = True
            entry.batch_last_id = last_id
        return [entry.update for entry in batch]

    async def _set_webhook(self, bot: _BotState, params: _Params) -> bool:
        bot.webhook_url = params.get_str("url") or ""
        if params.get_bool("drop_pending_updates"):
            bot.queue.clear()
        return True

    async def _delete_webhook(self, bot: _BotState, params: _Params) -> bool:
        bot.webhook_url = ""
        if params.get_bool("drop_pending_updates"):
            bot.queue.clear()
            self._changed.notify()
        return True

    async def _get_webhook_info(self, bot: _BotState, params: _Params) -> JSONDict:
        return {
            "url": bot.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(bot.queue),
        }

    def _resolve_chat(self, bot: _BotState, params: _Params) -> Chat:
        raw = params.raw("chat_id")
        if raw is None or raw == "":
            raise _bad_request("chat_id is empty")
        chat: Chat | None = None
        if isinstance(raw, str) and raw.startswith("@"):
            chat = next((c for c in self._chats.values() if c.username == raw[1:]), None)
        else:
            try:
                chat = self._chats.get(int(raw))
            except (TypeError, ValueError):
                chat = None
        if chat is None:
            raise _bad_request("chat not found")
        if chat.id in self._migrated:
            raise TelegramAPIError(400, MIGRATED, {"migrate_to_chat_id": self._migrated[chat.id]})
        return chat

    def _check_can_write(self, bot: _BotState, chat: Chat) -> None:
        if chat.type == "private":
            if (bot.user.id, chat.id) in self._blocked:
                raise TelegramAPIError(403, "Forbidden: bot was blocked by the user")
            return
        status = self._members.get((chat.id, bot.user.id), "left")
        kind = "supergroup" if chat.type == "supergroup" else "group"
        if status == "kicked":
            raise TelegramAPIError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if status == "left":
            raise TelegramAPIError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def _reply_markup(self, params: _Params) -> JSONDict | None:
        markup = params.get_json("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not button.get("text"):
                        raise _bad_request(
                            "BUTTON_TEXT_INVALID"
                            if isinstance(button, dict)
                            else "can't parse inline keyboard button"
                        )
                    actions = set(button) - {"text", "style", "icon_custom_emoji_id"}
                    if not actions:
                        raise _bad_request("text buttons are unallowed in the inline keyboard")
                    data = button.get("callback_data")
                    if data is not None and (
                        not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
                    ):
                        raise _bad_request("BUTTON_DATA_INVALID")
                    url = button.get("url")
                    if url is not None and (not isinstance(url, str) or not url.strip()):
                        raise _bad_request("BUTTON_URL_INVALID")
        return markup

    @staticmethod
    def _plain_text(text: str, parse_mode: str | None) -> str:
        if parse_mode and parse_mode.lower() == "html":
            return html_to_plain(text)
        return text

    def _reply_target(self, chat: Chat, params: _Params) -> tuple[int | None, JSONDict | None]:
        reply_parameters = params.get_json("reply_parameters")
        reply_id = params.get_int("reply_to_message_id")
        allow_missing = params.get_bool("allow_sending_without_reply")
        if isinstance(reply_parameters, dict):
            reply_id = int(reply_parameters.get("message_id", 0)) or None
            allow_missing = bool(reply_parameters.get("allow_sending_without_reply", allow_missing))
        if reply_id is None:
            return None, None
        replied = self._messages.get((chat.id, reply_id))
        if replied is None:
            if allow_missing:
                return None, None
            raise _bad_request("message to be replied not found")
        return reply_id, self._shallow(replied)

    def _bot_message(self, bot: _BotState, chat: Chat, reply: JSONDict | None) -> JSONDict:
        message: JSONDict = {
            "message_id": self._next_id(chat.id),
            "from": bot.user.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        if reply is not None:
            message["reply_to_message"] = reply
        return message

    async def _send_message(self, bot: _BotState, params: _Params) -> JSONDict:
        chat = self._resolve_chat(bot, params)
        text = params.get_str("text") or ""
        parse_mode = params.get_str("parse_mode")
        plain = self._plain_text(text, parse_mode)
        if not plain.strip():
            raise _bad_request("message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        markup = self._reply_markup(params)
        self._check_can_write(bot, chat)
        reply_id, reply = self._reply_target(chat, params)
        message = self._bot_message(bot, chat, reply)
        message["text"] = plain
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._store(message)
        self._record(
            token=bot.token,
            method="sendMessage",
            chat_id=chat.id,
            message_id=message["message_id"],
            text=text,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to_message_id=reply_id,
            params=params.normalized(),
        )
        return message

    async def _send_document(self, bot: _BotState, params: _Params) -> JSONDict:
        chat = self._resolve_chat(bot, params)
        caption = params.get_str("caption")
        parse_mode = params.get_str("parse_mode")
        if caption is not None and len(self._plain_text(caption, parse_mode)) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        markup = self._reply_markup(params)
        raw = params.raw("document")
        upload: tuple[str | None, bytes, str | None] | None = None
        if isinstance(raw, str) and raw.startswith("attach://"):
            upload = params.files.get(raw[len("attach://") :])
        elif "document" in params.files:
            upload = params.files["document"]
        data: bytes | None
        if upload is not None:
            file_name, data, mime = upload
            if not data:
                raise _bad_request("file must be non-empty")
            digest = hashlib.sha1(data).hexdigest()
            stored = _UploadedFile(
                f"BQAC{digest[:24]}{len(self._files)}", f"AgAD{digest[:12]}", file_name, data, mime
            )
            self._files[stored.file_id] = stored
        elif isinstance(raw, str) and raw:
            existing = self._files.get(raw)
            stored = existing or _UploadedFile(raw, f"AgAD{raw[-12:]}", None, None, None)
            file_name, data, mime = stored.file_name, stored.data, stored.mime_type
        else:
            raise _bad_request("there is no document in the request")
        self._check_can_write(bot, chat)
        reply_id, reply = self._reply_target(chat, params)
        message = self._bot_message(bot, chat, reply)
        document: JSONDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if file_name:
            document["file_name"] = file_name
        if mime:
            document["mime_type"] = mime
        if data is not None:
            document["file_size"] = len(data)
        message["document"] = document
        if caption:
            message["caption"] = self._plain_text(caption, parse_mode)
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._store(message)
        self._record(
            token=bot.token,
            method="sendDocument",
            chat_id=chat.id,
            message_id=message["message_id"],
            caption=caption,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to_message_id=reply_id,
            file_name=file_name,
            document=data,
            mime_type=mime,
            params=params.normalized(),
        )
        return message

    def _editable(self, bot: _BotState, params: _Params) -> tuple[Chat, JSONDict]:
        if params.raw("inline_message_id") is not None:
            raise _bad_request("inline messages are not supported by the emulator")
        chat = self._resolve_chat(bot, params)
        message_id = params.get_int("message_id", required=True)
        assert message_id is not None
        message = self._messages.get((chat.id, message_id))
        if message is None:
            raise _bad_request("message to edit not found")
        if message.get("from", {}).get("id") != bot.user.id:
            raise _bad_request("message can't be edited")
        return chat, message

    async def _edit_message_text(self, bot: _BotState, params: _Params) -> JSONDict:
        chat, message = self._editable(bot, params)
        text = params.get_str("text") or ""
        parse_mode = params.get_str("parse_mode")
        plain = self._plain_text(text, parse_mode)
        if not plain.strip():
            raise _bad_request("message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        markup = self._reply_markup(params)
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if message["text"] == plain and message.get("reply_markup") == new_markup:
            raise _bad_request(NOT_MODIFIED)
        message["text"] = plain
        self._set_markup(message, new_markup)
        message["edit_date"] = int(time.time())
        self._record(
            token=bot.token,
            method="editMessageText",
            chat_id=chat.id,
            message_id=message["message_id"],
            text=text,
            parse_mode=parse_mode,
            reply_markup=markup,
            params=params.normalized(),
        )
        return message

    async def _edit_message_reply_markup(self, bot: _BotState, params: _Params) -> JSONDict:
        chat, message = self._editable(bot, params)
        markup = self._reply_markup(params)
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if message.get("reply_markup") == new_markup:
            raise _bad_request(NOT_MODIFIED)
        self._set_markup(message, new_markup)
        message["edit_date"] = int(time.time())
        self._record(
            token=bot.token,
            method="editMessageReplyMarkup",
            chat_id=chat.id,
            message_id=message["message_id"],
            text=message.get("text"),
            reply_markup=markup,
            params=params.normalized(),
        )
        return message

    @staticmethod
    def _set_markup(message: JSONDict, markup: JSONDict | None) -> None:
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup

    async def _delete_message(self, bot: _BotState, params: _Params) -> bool:
        chat = self._resolve_chat(bot, params)
        message_id = params.get_int("message_id", required=True)
        assert message_id is not None
        message = self._messages.pop((chat.id, message_id), None)
        if message is None:
            raise _bad_request("message to delete not found")
        self._record(
            token=bot.token,
            method="deleteMessage",
            chat_id=chat.id,
            message_id=message_id,
            text=message.get("text"),
            params=params.normalized(),
        )
        return True

    async def _answer_callback_query(self, bot: _BotState, params: _Params) -> bool:
        query_id = params.get_str("callback_query_id") or ""
        query = self._callback_queries.get(query_id)
        if query is None or query["answered"] or query["token"] != bot.token:
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        query["answered"] = True
        self.callback_answers.append(
            CallbackAnswer(
                next(self._seq),
                bot.token,
                query_id,
                params.get_str("text"),
                params.get_bool("show_alert"),
                params.get_str("url"),
                params.get_int("cache_time"),
                query["data"],
                query["chat_id"],
                query["message_id"],
            )
        )
        self._changed.notify()
        return True

    def _commands_key(self, params: _Params) -> tuple[str, str]:
        scope = params.get_json("scope")
        language_code = params.get_str("language_code") or ""
        if language_code and not re.fullmatch(r"[a-z]{2}", language_code):
            raise _bad_request("invalid language code specified")
        return _scope_key(scope), language_code

    async def _set_my_commands(self, bot: _BotState, params: _Params) -> bool:
        commands = params.get_json("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("too many commands specified")
        cleaned = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad_request("can't parse BotCommand JSON object")
            name, description = str(item.get("command", "")), str(item.get("description", ""))
            if not _BOT_COMMAND_NAME_RE.match(name.lstrip("/")):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name.lstrip("/"), "description": description})
        key = self._commands_key(params)
        if cleaned:
            bot.commands[key] = cleaned
        else:
            bot.commands.pop(key, None)
        self._changed.notify()
        return True

    async def _get_my_commands(self, bot: _BotState, params: _Params) -> list[JSONDict]:
        return list(bot.commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, bot: _BotState, params: _Params) -> bool:
        bot.commands.pop(self._commands_key(params), None)
        self._changed.notify()
        return True

    def _make_text_setter(self, name: str) -> Handler:
        field_name = {"Name": "name"}.get(name, name[0].lower() + name[1:])

        async def setter(bot: _BotState, params: _Params) -> bool:
            key = (name, params.get_str("language_code") or "")
            value = params.get_str(field_name) or ""
            if value:
                bot.texts[key] = value
            else:
                bot.texts.pop(key, None)
            return True

        return setter

    def _make_text_getter(self, name: str) -> Handler:
        field_name = {"Name": "name"}.get(name, name[0].lower() + name[1:])

        async def getter(bot: _BotState, params: _Params) -> JSONDict:
            language_code = params.get_str("language_code") or ""
            value = bot.texts.get((name, language_code), bot.texts.get((name, ""), ""))
            if name == "Name" and not value:
                value = bot.user.first_name
            return {field_name: value}

        return getter

    async def _get_chat(self, bot: _BotState, params: _Params) -> JSONDict:
        chat = self._resolve_chat(bot, params)
        data = chat.to_dict()
        data.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return data

    async def _get_chat_member(self, bot: _BotState, params: _Params) -> JSONDict:
        chat = self._resolve_chat(bot, params)
        user_id = params.get_int("user_id", required=True)
        assert user_id is not None
        try:
            user = self._user(user_id)
        except KeyError as exc:
            raise _bad_request("user not found") from exc
        if chat.type == "private":
            status = "member" if user_id in (chat.id, bot.user.id) else "left"
        else:
            status = self._members.get((chat.id, user_id), "member")
        return self._member_dict(user, status)

    async def _get_chat_administrators(self, bot: _BotState, params: _Params) -> list[JSONDict]:
        chat = self._resolve_chat(bot, params)
        if chat.type == "private":
            raise _bad_request("there are no administrators in the private chat")
        return [
            self._member_dict(self._user(user_id), status)
            for (chat_id, user_id), status in self._members.items()
            if chat_id == chat.id and status in ("creator", "administrator")
        ]

    async def _leave_chat(self, bot: _BotState, params: _Params) -> bool:
        chat = self._resolve_chat(bot, params)
        if chat.type == "private":
            raise _bad_request("chat member status can't be changed in private chats")
        old = self._members.get((chat.id, bot.user.id), "left")
        if old in ("left", "kicked"):
            raise TelegramAPIError(403, "Forbidden: bot is not a member of the group chat")
        self._members[(chat.id, bot.user.id)] = "left"
        self._queue_my_chat_member(bot, chat, bot.user, old, "left")
        return True

    async def _get_file(self, bot: _BotState, params: _Params) -> JSONDict:
        file_id = params.get_str("file_id") or ""
        stored = self._files.get(file_id)
        if stored is None or stored.data is None:
            raise _bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }


class _ControlAPI:
    """HTTP control endpoints under ``/_control`` (see the module docstring)."""

    def __init__(self, emu: TelegramEmulator) -> None:
        self.emu = emu

    def register(self, app: web.Application) -> None:
        router = app.router
        router.add_get("/_control/info", self.info)
        router.add_post("/_control/updates", self.updates)
        router.add_post("/_control/raw_updates", self.raw_updates)
        router.add_post("/_control/press", self.press)
        router.add_post("/_control/fail", self.fail)
        router.add_post("/_control/migrate", self.migrate)
        router.add_get("/_control/sent", self.sent)
        router.add_get("/_control/failed", self.failed)
        router.add_get("/_control/callback_answers", self.callback_answers)
        router.add_get("/_control/commands", self.commands)
        router.add_get("/_control/wait", self.wait)
        router.add_get("/_control/stats", self.stats)
        router.add_post("/_control/shutdown", self.shutdown)

    async def info(self, request: web.Request) -> web.Response:
        emu = self.emu
        return web.json_response(
            {
                "base_url": emu.base_url,
                "base_file_url": emu.base_file_url,
                "control_url": emu.control_url,
                "tokens": list(emu._bots),
            }
        )

    @staticmethod
    async def _body(request: web.Request) -> JSONDict:
        try:
            body = await request.json()
        except ValueError as exc:
            raise web.HTTPBadRequest(text="JSON body expected") from exc
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="JSON object expected")
        return body

    def _ensure_chat(self, item: JSONDict) -> tuple[Chat, User]:
        emu = self.emu
        user_id = int(item["user_id"])
        user = emu._users.get(user_id)
        if user is None or any(k in item for k in ("first_name", "username", "language_code")):
            user = emu.user(
                user_id,
                item.get("first_name") or f"User{user_id}",
                item.get("username"),
                item.get("language_code"),
            )
        chat_id = int(item.get("chat_id", user_id))
        chat = emu._chats.get(chat_id)
        if chat is None:
            if chat_id < 0:
                chat = emu.group(
                    chat_id,
                    item.get("title") or f"Group {chat_id}",
                    supergroup=item.get("chat_type") == "supergroup",
                )
            else:
                chat = emu.private_chat(user)
        return chat, user

    async def updates(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        ids = []
        for item in body.get("updates", []):
            chat, user = self._ensure_chat(item)
            ids.append(
                self.emu.send_text(
                    chat, user, str(item["text"]), reply_to=item.get("reply_to"), token=body.get("token")
                )
            )
        return web.json_response({"update_ids": ids})

    async def raw_updates(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        ids = [
            self.emu.push_raw_update(u, token=body.get("token"), force=bool(body.get("force")))
            for u in body.get("updates", [])
        ]
        return web.json_response({"update_ids": ids})

    async def press(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        chat, user = self._ensure_chat(body)
        try:
            query_id = self.emu.press_button(
                chat, user, int(body["message_id"]), str(body["data"]), token=body.get("token")
            )
        except ValueError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from exc
        return web.json_response({"callback_query_id": query_id})

    async def fail(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self.emu.fail_next(
            str(body["method"]),
            int(body.get("status", 429)),
            body.get("retry_after", 1),
            int(body.get("times", 1)),
            body.get("description"),
            token=body.get("token"),
        )
        return web.json_response({"ok": True})

    async def migrate(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        try:
            chat = self.emu.migrate_to_supergroup(
                int(body["chat_id"]),
                int(body["user_id"]),
                int(body["new_chat_id"]) if body.get("new_chat_id") is not None else None,
                updates=body.get("updates", MIGRATION_UPDATES),
                token=body.get("token"),
            )
        except (KeyError, ValueError) as exc:
            raise web.HTTPBadRequest(text=str(exc)) from exc
        return web.json_response({"new_chat_id": chat.id})

    @staticmethod
    def _page(request: web.Request, records: list[Any]) -> web.Response:
        since = int(request.query.get("since", 0))
        chat_id = request.query.get("chat_id")
        page = records[since:]
        if chat_id is not None:
            page = [r for r in page if getattr(r, "chat_id", None) == int(chat_id)]
        return web.json_response(
            {"total": len(records), "next": len(records), "sent": [r.to_json() for r in page]}
        )

    async def sent(self, request: web.Request) -> web.Response:
        return self._page(request, self.emu.sent)

    async def failed(self, request: web.Request) -> web.Response:
        return self._page(request, self.emu.failed)

    async def callback_answers(self, request: web.Request) -> web.Response:
        return self._page(request, self.emu.callback_answers)

    async def commands(self, request: web.Request) -> web.Response:
        query = request.query
        commands = self.emu.commands(query.get("scope"), query.get("language_code"), token=query.get("token"))
        return web.json_response({"commands": commands})

    async def wait(self, request: web.Request) -> web.Response:
        query = request.query
        n = int(query.get("messages", 1))
        chat_id = int(query["chat_id"]) if "chat_id" in query else None
        timeout = float(query.get("timeout", 10))
        try:
            await self.emu.wait_for(lambda: self.emu.message_counts[chat_id] >= n, timeout)
            return web.json_response({"ok": True, "messages": self.emu.message_counts[chat_id]})
        except TimeoutError:
            return web.json_response({"ok": False, "messages": self.emu.message_counts[chat_id]})

    async def stats(self, request: web.Request) -> web.Response:
        emu = self.emu
        bots = {
            token: {
                "queued": bot.queued,
                "delivered": bot.delivered,
                "confirmed": bot.confirmed,
                "pending": len(bot.queue),
            }
            for token, bot in emu._bots.items()
        }
        return web.json_response(
            {
                "bots": bots,
                "sent": len(emu.sent),
                "messages": emu.message_counts[None],
                "failed": len(emu.failed),
                "callback_answers": len(emu.callback_answers),
                "calls": dict(emu.call_counts),
            }
        )

    async def shutdown(self, request: web.Request) -> web.Response:
        asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(self.emu.stop()))
        return web.json_response({"ok": True})


async def _serve(args: argparse.Namespace) -> None:
    tokens: list[str] = args.token or ["123:ABC"]
    names: list[str] = args.bot_username or []
    emu = TelegramEmulator(tokens[0], names[0] if names else "forum_test_bot", host=args.host, port=args.port)
    for index, token in enumerate(tokens[1:], start=1):
        emu.add_bot(token, names[index] if index < len(names) else f"bot{index}")
    await emu.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(emu.stop()))
    line = {
        "base_url": emu.base_url,
        "base_file_url": emu.base_file_url,
        "control_url": emu.control_url,
        "tokens": tokens,
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()
    await emu.wait_stopped()


def main(argv: Iterable[str] | None = None) -> None:
    """Command line entry point of the standalone mode."""
    parser = argparse.ArgumentParser(description="Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", action="append", help="bot token (repeatable)")
    parser.add_argument("--bot-username", action="append", help="username per --token")
    asyncio.run(_serve(parser.parse_args(None if argv is None else list(argv))))


if __name__ == "__main__":
    main()
