"""Run the real python-telegram-bot Application against the Bot API emulator."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    TypeHandler,
)

from tests.support.telegram_emulator import TelegramEmulator

pytestmark = pytest.mark.asyncio

TOKEN = "123456:TEST-token"
BOT_USERNAME = "forum_test_bot"
REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emulator:
        yield emulator


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    words = " ".join(context.args or [])
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes", callback_data="vote:yes"),
                InlineKeyboardButton("No", callback_data="vote:no"),
            ]
        ]
    )
    await update.effective_message.reply_text(f"echo: {words}", reply_markup=keyboard)


async def _on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"got {query.data}")
    await query.edit_message_text(f"chosen {query.data}")


def _build(base_url: str, base_file_url: str, rate_limiter: AIORateLimiter | None = None) -> Application:
    builder = ApplicationBuilder().token(TOKEN).base_url(base_url).base_file_url(base_file_url)
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app = builder.build()
    app.add_handler(CommandHandler("echo", _echo))
    app.add_handler(CallbackQueryHandler(_on_button))
    return app


def _app(emu: TelegramEmulator, rate_limiter: AIORateLimiter | None = None) -> Application:
    return _build(emu.base_url, emu.base_file_url, rate_limiter)


@asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    """Start polling like production code does, and stop cleanly."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, poll_interval=0)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def test_command_reaches_handler_and_reply_is_recorded(emu: TelegramEmulator) -> None:
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    chat = emu.private_chat(alice)
    async with running(_app(emu)) as app:
        assert app.bot.username == BOT_USERNAME
        update_id = emu.send_text(chat, alice, "/echo hello world")
        [reply] = await emu.wait_for_messages(1, chat_id=chat.id, timeout=3)
        await emu.wait_until_consumed(timeout=3)
    assert update_id == 1
    assert reply.method == "sendMessage"
    assert reply.text == "echo: hello world"
    assert reply.chat_id == 1001
    assert reply.reply_to_message_id is None  # PTB's reply_text only quotes in groups
    assert reply.message_id == 2  # ids are per chat: the user's command was 1
    assert reply.button_data == ["vote:yes", "vote:no"]
    stored = emu.message(chat, reply.message_id)
    assert stored is not None and stored["from"]["username"] == BOT_USERNAME
    assert emu.pending_updates() == 0
    assert emu.failed == []


async def test_command_with_bot_username_in_group(emu: TelegramEmulator) -> None:
    bob = emu.user(1002, "Bob")
    group = emu.group(-100200, "Forum group", supergroup=True)
    async with running(_app(emu)):
        emu.send_text(group, bob, f"/echo@{BOT_USERNAME} in group")
        emu.send_text(group, bob, "/echo@some_other_bot ignored")
        [reply] = await emu.wait_for_messages(1, chat_id=group.id, timeout=3)
        await emu.wait_until_consumed(timeout=3)
    assert reply.text == "echo: in group"
    assert reply.reply_to_message_id == 1  # in groups reply_text quotes the command message
    assert len(emu.messages_in(group.id)) == 1  # the command for another bot was ignored


async def test_command_entities_are_utf16() -> None:
    emulator = TelegramEmulator(token=TOKEN)
    user = emulator.user(5, "Zoé")
    chat = emulator.private_chat(user)
    emulator.send_text(chat, user, "😀 /echo@x hi")
    entry = emulator._bot(None).queue[0]
    assert entry.update["message"]["entities"] == [{"type": "bot_command", "offset": 3, "length": 7}]


async def test_callback_press_is_answered_and_message_edited(emu: TelegramEmulator) -> None:
    carol = emu.user(1003, "Carol")
    chat = emu.private_chat(carol)
    async with running(_app(emu)):
        emu.send_text(chat, carol, "/echo vote")
        [question] = await emu.wait_for_messages(1, chat_id=chat.id, timeout=3)
        with pytest.raises(ValueError):
            emu.press_button(chat, carol, question.message_id, "vote:maybe")
        query_id = emu.press_button(chat, carol, question.message_id, "vote:no")
        await emu.wait_for(lambda: any(r.method == "editMessageText" for r in emu.sent), timeout=3)
    [answer] = emu.callback_answers
    assert answer.callback_query_id == query_id
    assert answer.text == "got vote:no"
    assert answer.data == "vote:no"
    edit = emu.sent[-1]
    assert edit.text == "chosen vote:no" and edit.message_id == question.message_id
    stored = emu.message(chat, question.message_id)
    assert stored is not None
    assert stored["text"] == "chosen vote:no"
    assert "reply_markup" not in stored  # editing text without reply_markup drops the keyboard


async def test_commands_are_stored_per_scope_and_language(emu: TelegramEmulator) -> None:
    async with _app(emu) as app:
        await app.bot.set_my_commands([BotCommand("echo", "Echo text"), BotCommand("help", "Help")])
        await app.bot.set_my_commands([BotCommand("echo", "Répéter")], language_code="fr")
        await app.bot.set_my_commands([BotCommand("tally", "Count")], scope=BotCommandScopeAllGroupChats())
        fr_from_api = await app.bot.get_my_commands(language_code="fr")
        private = await app.bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await app.bot.set_my_commands([BotCommand("Bad-Name", "x")])
        await app.bot.delete_my_commands(scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in fr_from_api] == ["echo"]
    assert fr_from_api[0].description == "Répéter"
    assert private == ()
    assert emu.commands() == [
        {"command": "echo", "description": "Echo text"},
        {"command": "help", "description": "Help"},
    ]
    assert emu.commands(language_code="fr") == [{"command": "echo", "description": "Répéter"}]
    assert emu.commands("all_group_chats") == []  # deleted
    set_calls = [c for c in emu.calls if c.method == "setMyCommands"]
    assert set_calls[2].params["scope"] == {"type": "all_group_chats"}
    assert set_calls[1].params["language_code"] == "fr"


async def test_group_scope_commands_are_separate(emu: TelegramEmulator) -> None:
    async with _app(emu) as app:
        await app.bot.set_my_commands([BotCommand("tally", "Count")], scope=BotCommandScopeAllGroupChats())
        await app.bot.set_my_commands(
            [BotCommand("tally", "Compter")], scope=BotCommandScopeAllGroupChats(), language_code="fr"
        )
    assert emu.commands() == []
    assert emu.commands(BotCommandScopeAllGroupChats()) == [{"command": "tally", "description": "Count"}]
    assert emu.commands({"type": "all_group_chats"}, "fr") == [{"command": "tally", "description": "Compter"}]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_is_retried_by_aio_rate_limiter(emu: TelegramEmulator) -> None:
    dave = emu.user(1004, "Dave")
    chat = emu.private_chat(dave)
    retry_after = 1
    emu.fail_next("sendMessage", status=429, retry_after=retry_after)
    app = _app(emu, rate_limiter=AIORateLimiter(max_retries=3))
    async with running(app):
        started = time.monotonic()
        emu.send_text(chat, dave, "/echo after flood")
        [reply] = await emu.wait_for_messages(1, chat_id=chat.id, timeout=5)
        elapsed = time.monotonic() - started
    assert reply.text == "echo: after flood"
    # the behaviour under test is the wait itself: a lower bound (a loaded machine only makes it longer)
    assert elapsed >= retry_after  # PTB slept retry_after (+0.1 s) before retrying
    [failure] = emu.failed
    assert failure.method == "sendMessage" and failure.status == 429 and failure.injected
    assert failure.description == "Too Many Requests: retry after 1"
    assert len(emu.messages_in(chat.id)) == 1


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_without_rate_limiter_raises_retry_after(emu: TelegramEmulator) -> None:
    chat = emu.private_chat(emu.user(1010, "Erin"))
    emu.fail_next("sendMessage", status=429, retry_after=7)
    async with _app(emu) as app:
        with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
            await app.bot.send_message(chat.id, "hi")
    assert emu.sent == []


async def test_500_raises_network_error(emu: TelegramEmulator) -> None:
    chat = emu.private_chat(emu.user(1005, "Frank"))
    emu.fail_next("sendMessage", status=500)
    async with _app(emu) as app:
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await app.bot.send_message(chat.id, "lost")
        sent = await app.bot.send_message(chat.id, "delivered")
    assert sent.text == "delivered" and sent.message_id == 1
    assert [r.text for r in emu.sent] == ["delivered"]
    assert [(f.status, f.params["text"]) for f in emu.failed] == [(500, "lost")]


async def test_validation_errors_like_telegram(emu: TelegramEmulator) -> None:
    chat = emu.private_chat(emu.user(1006, "Gina"))
    too_long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    async with _app(emu) as app:
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await app.bot.send_message(chat.id, "a" * 5000)
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await app.bot.send_message(chat.id, "   ")
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await app.bot.send_message(chat.id, "buttons", reply_markup=too_long_data)
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await app.bot.send_message(chat.id, "<b>bold", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await app.bot.send_message(424242, "nobody")
        ok = await app.bot.send_message(chat.id, "a" * 4096)
        html_msg = await app.bot.send_message(chat.id, "<b>x</b> &amp; y", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await app.bot.edit_message_text("a" * 4096, chat_id=chat.id, message_id=ok.message_id)
        with pytest.raises(TelegramError, match="not found in Bot API"):
            await app.bot.do_api_request("noSuchMethod")
    assert html_msg.text == "x & y"
    assert emu.sent[-1].text == "<b>x</b> &amp; y" and emu.sent[-1].parse_mode == "HTML"
    assert [f.status for f in emu.failed] == [400, 400, 400, 400, 400, 400, 404]
    assert len(emu.sent) == 2


async def test_send_document_stores_file_and_serves_it(emu: TelegramEmulator) -> None:
    chat = emu.private_chat(emu.user(1007, "Hugo"))
    payload = b"date,total\n2024-01-01,3\n"
    async with _app(emu) as app:
        message = await app.bot.send_document(chat.id, payload, filename="tally.csv", caption="Export")
        assert message.document is not None
        file = await app.bot.get_file(message.document.file_id)
        downloaded = await file.download_as_bytearray()
    [record] = emu.messages_in(chat.id)
    assert record.method == "sendDocument"
    assert record.file_name == "tally.csv"
    assert record.document == payload
    assert record.caption == "Export"
    assert message.document.file_name == "tally.csv" and message.document.file_size == len(payload)
    assert bytes(downloaded) == payload


async def test_group_membership_updates_and_leave_chat(emu: TelegramEmulator) -> None:
    ivy = emu.user(1008, "Ivy")
    group = emu.group(-300, "Club", bot_member=False)
    seen: list[str] = []

    async def on_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        seen.append(update.my_chat_member.new_chat_member.status)

    app = _app(emu)
    app.add_handler(ChatMemberHandler(on_member, ChatMemberHandler.MY_CHAT_MEMBER))
    async with running(app):
        with pytest.raises(Forbidden, match=r"(?i)not a member"):
            await app.bot.send_message(group.id, "before join")
        emu.add_bot_to_group(group, ivy)
        emu.send_text(group, ivy, "/echo joined")
        await emu.wait_for_messages(1, chat_id=group.id, timeout=3)
        member = await app.bot.get_chat_member(group.id, app.bot.id)
        chat = await app.bot.get_chat(group.id)
        assert await app.bot.leave_chat(group.id)
        await emu.wait_for(lambda: len(seen) == 2, timeout=3)
    assert member.status == "member"
    assert chat.title == "Club"
    assert seen == ["member", "left"]


async def test_group_upgraded_to_a_supergroup(emu: TelegramEmulator) -> None:
    lea = emu.user(1010, "Lea")
    group = emu.group(-4518810793, "Club")
    seen: list[tuple[str, int, int | None]] = []

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.my_chat_member is not None:
            seen.append(("member", update.my_chat_member.chat.id, None))
        elif update.message is not None and update.message.migrate_to_chat_id is not None:
            seen.append(("to", update.message.chat.id, update.message.migrate_to_chat_id))
        elif update.message is not None and update.message.migrate_from_chat_id is not None:
            assert update.message.sender_chat is not None and update.message.sender_chat.id == update.message.chat.id
            seen.append(("from", update.message.chat.id, update.message.migrate_from_chat_id))

    app = _app(emu)
    app.add_handler(TypeHandler(Update, on_update), group=-1)
    async with running(app):
        supergroup = emu.migrate_to_supergroup(group, lea)
        assert (supergroup.id, supergroup.type, supergroup.title) == (-1004518810793, "supergroup", "Club")
        await emu.wait_for(lambda: len(seen) == 3, timeout=3)
        with pytest.raises(ChatMigrated) as migrated:
            await app.bot.send_message(group.id, "to the old group")
        assert migrated.value.new_chat_id == supergroup.id
        await app.bot.send_message(supergroup.id, "to the supergroup")
        emu.migration_updates(group, lea, ["migrate_from"])  # a notice again: a new message
        await emu.wait_for(lambda: len(seen) == 4, timeout=3)
    assert seen == [("to", group.id, supergroup.id), ("from", supergroup.id, group.id),
                    ("member", supergroup.id, None), ("from", supergroup.id, group.id)]
    [failed] = emu.failed
    assert (failed.status, failed.description) == (400, "Bad Request: group chat was upgraded to a supergroup chat")
    assert [r.text for r in emu.messages_in(supergroup)] == ["to the supergroup"]
    with pytest.raises(ValueError, match="not a group"):
        emu.migrate_to_supergroup(group, lea)


async def test_control_api_migrates_a_group(emu: TelegramEmulator) -> None:
    emu.user(1011, "Max")
    group = emu.group(-42, "Board")
    async with aiohttp.ClientSession() as http:
        body = {"chat_id": group.id, "user_id": 1011, "new_chat_id": -1009, "updates": ["migrate_to"]}
        async with http.post(f"{emu.control_url}/migrate", json=body) as resp:
            assert await resp.json() == {"new_chat_id": -1009}
        async with http.post(f"{emu.control_url}/migrate", json=body) as resp:
            assert resp.status == 400  # once only
        async with http.post(f"{emu.base_url}{TOKEN}/sendMessage", json={"chat_id": -42, "text": "x"}) as resp:
            assert await resp.json() == {"ok": False, "error_code": 400, "parameters": {"migrate_to_chat_id": -1009},
                                         "description": "Bad Request: group chat was upgraded to a supergroup chat"}
    assert emu.pending_updates() == 1


async def test_duplicate_update_is_delivered_twice(emu: TelegramEmulator) -> None:
    jo = emu.user(1009, "Jo")
    chat = emu.private_chat(jo)
    async with running(_app(emu)):
        update_id = emu.send_text(chat, jo, "/echo once")
        await emu.wait_for_messages(1, chat_id=chat.id, timeout=3)
        await emu.wait_until_consumed(timeout=3)
        original = emu.message(chat, 1)
        assert original is not None
        emu.push_raw_update({"update_id": update_id, "message": original})
        await emu.wait_for_messages(2, chat_id=chat.id, timeout=3)
    assert [r.text for r in emu.messages_in(chat.id)] == ["echo: once", "echo: once"]


async def test_get_updates_long_poll_offset_and_limit(emu: TelegramEmulator) -> None:
    user = emu.user(77, "Kim")
    chat = emu.private_chat(user)
    url = f"{emu.base_url}{TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as session:
        long_poll = 60
        started = time.monotonic()
        poll = asyncio.ensure_future(session.post(url, json={"timeout": long_poll}))
        await asyncio.sleep(0.05)
        emu.send_text(chat, user, "hello")
        async with await poll as resp:
            body = await resp.json()
        # woken by the update, not at the end of its timeout (the bound is the behaviour: a poll left to time out
        # would take the whole minute, however idle the machine)
        assert time.monotonic() - started < long_poll
        assert [u["message"]["text"] for u in body["result"]] == ["hello"]
        emu.send_text(chat, user, "a")
        emu.send_text(chat, user, "b")
        async with session.post(url, data={"offset": "2", "limit": "1"}) as resp:
            body = await resp.json()
        assert [u["update_id"] for u in body["result"]] == [2]
        assert emu.pending_updates() == 2
        async with session.get(url, params={"offset": "4", "timeout": "0"}) as resp:
            assert (await resp.json())["result"] == []
        async with session.post(f"{emu.base_url}bad:token/getMe") as resp:
            assert resp.status == 401
    assert emu.pending_updates() == 0


async def test_standalone_mode_subprocess() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.telegram_emulator", "--port", "0", "--token", TOKEN,
        "--bot-username", BOT_USERNAME,
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=10)
        info = json.loads(line)
        assert info["base_url"].startswith("http://127.0.0.1:") and info["base_url"].endswith("/bot")
        control = info["control_url"]
        app = _build(info["base_url"], info["base_file_url"])
        async with running(app), aiohttp.ClientSession() as http:
            assert app.bot.username == BOT_USERNAME
            batch = [{"chat_id": 500 + i, "user_id": 500 + i, "text": f"/echo n{i}"} for i in range(20)]
            async with http.post(f"{control}/updates", json={"updates": batch}) as resp:
                assert (await resp.json())["update_ids"] == list(range(1, 21))
            async with http.get(f"{control}/wait", params={"messages": "20", "timeout": "5"}) as resp:
                assert (await resp.json()) == {"ok": True, "messages": 20}
            async with http.get(f"{control}/sent", params={"since": "0", "chat_id": "507"}) as resp:
                sent = await resp.json()
            async with http.get(f"{control}/stats") as resp:
                stats = await resp.json()
        assert [r["text"] for r in sent["sent"]] == ["echo: n7"]
        assert sent["total"] == 20
        assert stats["messages"] == 20 and stats["calls"]["sendMessage"] == 20
    finally:
        if proc.returncode is None:
            proc.terminate()
        assert await asyncio.wait_for(proc.wait(), timeout=5) == 0


async def test_json_body_and_reply_markup_edit(emu: TelegramEmulator) -> None:
    emu.private_chat(emu.user(88, "Lea"))
    keyboard = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    async with aiohttp.ClientSession() as session:
        url = f"{emu.base_url}{TOKEN}/sendMessage"
        async with session.post(url, json={"chat_id": 88, "text": "hi", "reply_markup": keyboard}) as resp:
            sent = (await resp.json())["result"]
        assert sent["reply_markup"] == keyboard and sent["from"]["is_bot"] is True
        edit_url = f"{emu.base_url}{TOKEN}/editMessageReplyMarkup"
        form = {"chat_id": "88", "message_id": str(sent["message_id"])}
        async with session.post(edit_url, data=form) as resp:
            edited = (await resp.json())["result"]
        assert "reply_markup" not in edited
        async with session.post(edit_url, data=form) as resp:
            assert resp.status == 400
            assert "message is not modified" in (await resp.json())["description"]
    assert [r.method for r in emu.sent] == ["sendMessage", "editMessageReplyMarkup"]
    assert emu.sent[0].reply_markup == keyboard
