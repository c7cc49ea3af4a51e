"""Telegram delivery under stress: flood control, server errors, replays, forged buttons, long messages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select
from telegram import BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats

from bot.config import Config
from bot.domain.people import grant, resolve
from bot.domain.rooms import room_for
from bot.i18n import Raw
from bot.messages import Button, Extras
from bot.notify import Outbox
from bot.storage.db import unit_of_work
from bot.storage.tables import Application, OutboxMessage, Room
from tests.support.telegram_bot import BOT_USERNAME, TelegramBot, running_bot, telegram_forum
from tests.support.telegram_emulator import Chat, TelegramEmulator

pytestmark = [pytest.mark.asyncio, pytest.mark.sqlite_only]


def outbox(tg: TelegramBot) -> list[OutboxMessage]:
    with Session(tg.forum.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())  # type: ignore[arg-type]


def queue_to_chat(tg: TelegramBot, chat: Chat, text: str, key: str, extras: Extras | None = None) -> None:
    """A message from the core to a Telegram chat, as a feature would queue it."""
    with unit_of_work(tg.forum.engine) as session:
        now = tg.clock.now()
        room = room_for(session, now, "telegram", str(chat.id), chat.title or "", chat.type == "private", None)
        Outbox(session, tg.forum.config, now).to_room(room, Raw(text), kind="test", key=key, extras=extras)


async def test_429_delays_the_message_instead_of_losing_it(tg: TelegramBot, emu: TelegramEmulator) -> None:
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    chat = emu.private_chat(alice)
    emu.fail_next("sendMessage", 429, retry_after=1)
    [hello] = await tg.say(chat, alice, "/start")
    assert hello.text.startswith("Hello!")
    assert [(f.method, f.status) for f in emu.failed] == [("sendMessage", 429)]
    [row] = outbox(tg)
    assert row.sent_at is not None and row.attempts == 1 and row.platform_message_id == str(hello.message_id)


async def test_500_keeps_the_message_and_a_later_drain_sends_it_once(tg: TelegramBot, emu: TelegramEmulator) -> None:
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    chat = emu.private_chat(alice)
    emu.fail_next("sendMessage", 500)
    assert await tg.say(chat, alice, "/start") == []
    [row] = outbox(tg)
    assert row.sent_at is None and row.attempts == 1 and "Internal Server Error" in (row.last_error or "")
    assert row.next_attempt_at == tg.clock.now() + timedelta(seconds=5)
    assert await tg.transport.drain() == 0  # not due yet: back-off
    tg.advance_to(tg.clock.now() + timedelta(seconds=6))
    assert await tg.transport.drain() == 1
    assert await tg.transport.drain() == 0
    [hello] = emu.messages_in(chat)
    assert hello.text.startswith("Hello!")
    [row] = outbox(tg)
    assert row.sent_at is not None and row.attempts == 2


async def test_a_replayed_update_is_handled_once(tg: TelegramBot, emu: TelegramEmulator) -> None:
    frank = emu.user(1006, "Frank", username="frank", language_code="en")
    chat = emu.private_chat(frank)
    [thanks] = await tg.say(chat, frank, "/apply I would like to join")
    assert thanks.text.startswith("Thank you. Your application is A1")
    update_id = tg.last_update_id
    original = emu.message(chat, thanks.message_id - 1)
    assert original is not None and original["text"] == "/apply I would like to join"
    await tg.push({"update_id": update_id, "message": original})  # after a restart, the same update again
    assert tg.transport.handled == 2
    assert len(emu.messages_in(chat)) == 1
    with Session(tg.forum.engine) as session:
        assert len(session.exec(select(Application)).all()) == 1


async def test_an_error_in_one_update_does_not_stop_the_others(tg: TelegramBot, emu: TelegramEmulator,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    chat = emu.private_chat(alice)
    real = tg.forum.handle
    calls = 0

    async def flaky(incoming: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        return await real(incoming)

    monkeypatch.setattr(tg.forum, "handle", flaky)
    assert await tg.say(chat, alice, "/start") == []
    [hello] = await tg.say(chat, alice, "/start")
    assert hello.text.startswith("Hello!")


async def test_buttons_signed_pressed_and_forged(tg: TelegramBot, emu: TelegramEmulator) -> None:
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    bob = emu.user(1002, "Bob", username="bob", language_code="fr")
    group = emu.group(-500, "Plenary")
    long_command = "/help " + "x" * 60
    queue_to_chat(tg, group, "Choose", "buttons", Extras(buttons=(
        (Button("English", "/lang en"), Button("Long", long_command)),
        (Button("Ballot", "/vote V3 yes", private=True),))))
    await tg.transport.drain()
    [message] = emu.messages_in(group)
    rows = message.reply_markup["inline_keyboard"]
    english, long = rows[0][0]["callback_data"], rows[0][1]["callback_data"]
    assert english.startswith("c:lang en:") and long.startswith("k:")
    assert all(len(data.encode()) <= 64 for data in (english, long))
    assert rows[1][0] == {"text": "Ballot", "url": f"https://t.me/{BOT_USERNAME}?start=vote_V3"}

    # a press is the button's command, from the presser; in a group the pop-up is the answer
    answer, sent = await tg.press(group, bob, message.message_id, english)
    assert answer == "I will answer you in English." and sent == []
    answer, sent = await tg.press(group, bob, message.message_id, long)
    assert answer is not None and answer.startswith("I do not know the command /") and sent == []

    # forged or stale data is refused, in the presser's language, and reaches no handler
    handled = tg.transport.handled
    forged = english[:-3] + "AAA"
    answer, sent = await tg.press(group, alice, message.message_id, forged, check=False)
    assert answer == "This button is not valid (any more). Send the command instead; /help lists them."
    answer, _ = await tg.press(group, alice, message.message_id, "c:role @alice admin:xxxxxxxxxxx", check=False)
    assert answer is not None and answer.startswith("This button is not valid")
    assert tg.transport.handled == handled and sent == []
    [refusal] = [a for a in emu.callback_answers if a.data == forged]
    assert refusal.show_alert


async def test_a_long_reply_is_split_on_line_boundaries(tg: TelegramBot, emu: TelegramEmulator) -> None:
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    group = emu.group(-600, "Plenary")
    with unit_of_work(tg.forum.engine) as session:
        for n in range(150):
            person = resolve(session, "telegram", f"@participant_with_a_long_name_{n:03}", tg.clock.now())
            assert person is not None
            grant(session, person, "member", None, tg.clock.now(), None, None)
    sent = await tg.say(group, alice, "/members")
    assert len(sent) == 2
    first, second = sent
    assert 4000 < len(first.text) <= 4096 and len(first.text) + len(second.text) > 5000
    assert first.text.startswith("Members of the forum:")
    assert first.text.endswith("member") and second.text.startswith("• @participant")
    assert first.reply_to_message_id is not None and second.reply_to_message_id is None
    lines = (first.text + "\n" + second.text).split("\n")
    assert len([line for line in lines if line.startswith("• @participant_with_a_long_name_")]) == 150


async def test_command_menus_in_english_and_french(tg: TelegramBot, emu: TelegramEmulator) -> None:
    bot = tg.transport.app.bot
    french = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="fr")
    names = [c.command for c in french]
    assert names[:3] == ["aide", "langue", "moi"]
    assert {"candidater", "membres", "salon", "groupe"} <= set(names)
    assert dict((c.command, c.description) for c in french)["aide"] == "ce que je sais faire ici, selon votre rôle"
    english = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in english][:3] == ["help", "lang", "whoami"]
    assert "start" not in [c.command for c in english]
    groups = await bot.get_my_commands(scope=BotCommandScopeAllGroupChats(), language_code="fr")
    assert "aide" in [c.command for c in groups]
    for commands in (french, english, groups):
        assert all(re.fullmatch(r"[a-z0-9_]{1,32}", c.command) for c in commands)


async def test_bot_added_introduces_itself_and_removed_stops_sending(tg: TelegramBot, emu: TelegramEmulator) -> None:
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    group = emu.group(-700, "Working group", bot_member=False)
    before = tg.transport.processed
    emu.add_bot_to_group(group, alice)
    await tg.settle(before + 2)
    [intro] = emu.messages_in(group)
    assert intro.text.startswith("Bonjour\u202f! Je suis le bot du forum.")  # the room's language: the default, fr
    before = tg.transport.processed
    emu.remove_bot_from_group(group, alice)
    await tg.settle(before + 2)
    with Session(tg.forum.engine) as session:
        room = session.exec(select(Room).where(Room.platform_room_id == str(group.id))).one()
        assert not room.active
    queue_to_chat_inactive = len(outbox(tg))
    with unit_of_work(tg.forum.engine) as session:
        room = session.exec(select(Room).where(Room.platform_room_id == str(group.id))).one()
        assert not Outbox(session, tg.forum.config, tg.clock.now()).to_room(room, Raw("x"), kind="test", key="x")
    assert len(outbox(tg)) == queue_to_chat_inactive
    assert await tg.transport.drain() == 0
    assert len(emu.messages_in(group)) == 1


async def test_someone_who_never_started_the_bot_is_told_how(tg: TelegramBot, emu: TelegramEmulator) -> None:
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    frank = emu.user(1006, "Frank", username="frank", language_code="en")
    secretariat = emu.group(-100, "Secretariat")
    await tg.say(secretariat, alice, "/room secretariat")
    await tg.say(secretariat, frank, "/apply I would like to join")  # frank has no private chat with the bot
    sent = await tg.say(secretariat, alice, "/accept A1")
    texts = [r.text for r in sent]
    assert texts[0] == "Application A1 accepted."
    assert texts[1] == (f"@frank, I cannot write to you in private yet: open https://t.me/{BOT_USERNAME} and "
                        "press Start; I will then send you what I have for you.")
    [pending] = [m for m in outbox(tg) if m.sent_at is None]
    assert pending.kind == "application_outcome"
    frank_dm = emu.private_chat(frank)
    await tg.say(frank_dm, frank, "/start")
    tg.advance_to(tg.clock.now() + timedelta(seconds=6))
    await tg.transport.drain()
    assert [r.text for r in emu.messages_in(frank_dm)][-1] == (
        "Welcome! Your application A1 was accepted: you are now a member of the forum.")
    assert len(emu.messages_in(secretariat)) == 5  # + the new application; the notice was posted once


async def test_the_open_a_private_chat_notice_survives_a_restart(config: Config, emu: TelegramEmulator,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    frank = emu.user(1006, "Frank", username="frank", language_code="en")
    secretariat, open_data = emu.group(-100, "Secretariat"), emu.group(-200, "Open data")
    forum = telegram_forum(config, emu)
    try:
        async with running_bot(forum, emu) as tg:
            await tg.say(secretariat, alice, "/room secretariat")
            await tg.say(secretariat, frank, "/apply I would like to join")  # frank has no private chat with the bot
            await tg.say(open_data, frank, "/help")  # where he wrote last
        async with running_bot(forum, emu) as tg:  # a new transport: what the last one remembered is gone
            sent = await tg.say(secretariat, alice, "/accept A1")
        assert [(r.chat_id, r.text) for r in sent] == [
            (secretariat.id, "Application A1 accepted."),
            (open_data.id, f"@frank, I cannot write to you in private yet: open https://t.me/{BOT_USERNAME} and "
                           "press Start; I will then send you what I have for you.")]
    finally:
        forum.engine.dispose()
