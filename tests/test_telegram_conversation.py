"""The forum over Telegram: the real python-telegram-bot against the project's Bot API emulator."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.config import Config
from bot.storage.tables import Application, OutboxMessage, Person, Room
from tests.support.telegram_bot import BOT_USERNAME, TelegramBot
from tests.support.telegram_emulator import TelegramEmulator

pytestmark = [pytest.mark.asyncio, pytest.mark.sqlite_only]


async def test_structure_conversation_in_groups_and_private(tg: TelegramBot, emu: TelegramEmulator) -> None:
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    bob = emu.user(1002, "Bob", username="bob", language_code="fr")
    frank = emu.user(1006, "Frank", username="frank", language_code="en")
    secretariat = emu.group(-100, "Secrétariat")
    open_data = emu.group(-200, "Open data")
    alice_dm, frank_dm = emu.private_chat(alice), emu.private_chat(frank)

    # language_code "en" seeds English although the forum's default language is French
    [hello] = await tg.say(alice_dm, alice, "/start")
    assert hello.text.startswith("Hello! I am the forum's bot.")
    assert hello.parse_mode == "HTML" and hello.reply_to_message_id is None  # no quoting in private

    [done] = await tg.say(secretariat, alice, "/room secretariat")
    assert done.text == "This room is now the secretariat's room: it receives the automatic alerts."
    assert done.reply_to_message_id is not None  # a reply quotes the command in a group
    [added] = await tg.say(secretariat, alice, "/group add open-data Open data and transparency")
    assert "open-data" in added.text
    [room] = await tg.say(open_data, alice, f"/room@{BOT_USERNAME} group open-data")
    assert room.text == "This room is now the room of the working group open-data."
    [granted] = await tg.say(open_data, alice, "/role @bob cochair")
    assert "@bob" in granted.text

    # /help in French for bob (language_code fr), in English for alice, with Telegram-safe names
    [aide] = await tg.say(open_data, bob, "/aide")
    assert aide.text.startswith("Ce que vous pouvez faire ici")
    assert "/aide" in aide.text and "/langue" in aide.text
    [help_en] = await tg.say(open_data, alice, "/help")
    assert help_en.text.startswith("What you can do here:") and "/lang" in help_en.text

    # /apply in private, with markup that must stay literal; the secretariat room gets the application
    sent = await tg.say(frank_dm, frank, "/apply I lead <b>Open</b> & co")
    replies = {r.chat_id: r for r in sent}
    assert replies[frank.id].text.startswith("Thank you. Your application is A1")
    notice = replies[secretariat.id]
    assert notice.text == "Nouvelle candidature A1 de @frank\u202f: I lead &lt;b&gt;Open&lt;/b&gt; &amp; co"  # in fr
    assert emu.message(secretariat, notice.message_id)["text"].endswith("I lead <b>Open</b> & co")

    sent = await tg.say(secretariat, alice, "/accept A1 open-data")
    by_chat = {r.chat_id: r.text for r in sent}
    assert by_chat[secretariat.id] == "Application A1 accepted."
    assert by_chat[frank_dm.id] == (
        "Welcome! Your application A1 was accepted: you are now a member of open-data.")

    with Session(tg.forum.engine) as session:
        application = session.exec(select(Application)).one()
        assert application.status == "accepted"
        frank_person = session.exec(select(Person).where(Person.display_name == "Frank")).one()
        assert frank_person.locale_hint == "en" and frank_person.locale is None
        rooms = {r.platform_room_id: r for r in session.exec(select(Room)).all()}
        assert rooms["-100"].purpose == "secretariat" and rooms["-100"].title == "Secrétariat"
        assert rooms[str(frank.id)].is_private
        assert all(m.sent_at is not None for m in session.exec(select(OutboxMessage)).all())


async def test_commands_for_another_bot_are_ignored(tg: TelegramBot, emu: TelegramEmulator) -> None:
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    group = emu.group(-300, "Plenary")
    assert await tg.say(group, alice, "/help@other_bot") == []
    assert await tg.say(group, alice, "just chatting") == []
    [answer] = await tg.say(group, alice, "/HELP@Forum_Test_Bot")
    assert answer.text.startswith("What you can do here:")


async def test_french_aliases_with_telegram_spelling(tg: TelegramBot, emu: TelegramEmulator) -> None:
    bob = emu.user(1002, "Bob", username="bob", language_code="fr")
    chat = emu.private_chat(bob)
    [answer] = await tg.say(chat, bob, "/demarrer")
    assert answer.text.startswith("Bonjour")
    [moi] = await tg.say(chat, bob, "/moi")
    assert moi.text


async def test_run_telegram_wiring(config: Config, emu: TelegramEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """`forum-bot run`'s entry point: menus set, polling, answers delivered, scheduler work drained, clean stop."""
    import asyncio

    from bot.app import Forum
    from bot.clock import SimulatedClock
    from bot.domain.rooms import room_for
    from bot.i18n import Raw
    from bot.notify import Outbox
    from bot.runtime.scheduler import DueScheduler
    from bot.storage.db import unit_of_work
    from bot.transports.telegram import run_telegram
    from tests.support.telegram_bot import START, telegram_config
    from tests.support.waiting import until

    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    forum = Forum(telegram_config(config, emu), SimulatedClock(START), migrate=False)
    scheduler = DueScheduler(forum)
    stop = asyncio.Event()
    task = asyncio.create_task(run_telegram(forum, scheduler, stop))
    try:
        await until(lambda: bool(emu.commands("all_private_chats", "fr")), what="the menus")
        alice = emu.user(1001, "Alice", username="alice", language_code="en")
        chat = emu.private_chat(alice)
        emu.send_text(chat, alice, "/start")
        [hello] = await emu.wait_for_messages(1, chat_id=chat.id)
        assert hello.text.startswith("Hello!")
        with unit_of_work(forum.engine) as session:  # as a due job would queue it
            room = room_for(session, forum.clock.now(), "telegram", str(chat.id), "", True, None)
            Outbox(session, forum.config, forum.clock.now()).to_room(room, Raw("reminder"), kind="test", key="r")
        assert len(scheduler.listeners) == 1
        await scheduler.listeners[0]()
        assert [r.text for r in emu.messages_in(chat)] == [hello.text, "reminder"]
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        forum.engine.dispose()
