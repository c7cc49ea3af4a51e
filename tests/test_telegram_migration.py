"""A Telegram group upgraded to a supergroup: its chat id changes, the room (purpose, group, language, what is
queued for it) follows, whichever signal comes first; nothing is lost, nothing is sent twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, col, select

from bot.i18n import Raw
from bot.notify import Outbox
from bot.storage.db import unit_of_work
from bot.storage.tables import AuditEvent, OutboxMessage, Room
from tests.support.telegram_bot import BOT_USERNAME, TelegramBot
from tests.support.telegram_emulator import Chat, TelegramEmulator, User

pytestmark = [pytest.mark.asyncio, pytest.mark.sqlite_only]

# S1 on January 30, 2024 at 10:00 Paris time: reminders 7 days, 1 day and 1 hour before
REMIND_7D, REMIND_1D, REMIND_1H = (datetime(2024, 1, 23, 9, 30, tzinfo=UTC), datetime(2024, 1, 29, 9, 30, tzinfo=UTC),
                                   datetime(2024, 1, 30, 8, 30, tzinfo=UTC))
REMINDER = ("Reminder: meeting S1 (working group open-data) in {}, on January 30, 2024, 10:00\u202fAM.\n"
            "Place: CESE\nNo agenda yet.")
NOTICE = (f"@frank, I cannot write to you in private yet: open https://t.me/{BOT_USERNAME} and press Start; "
          "I will then send you what I have for you.")
INTRO = "Bonjour\u202f! Je suis le bot du forum."  # the room's language: the default, fr


async def set_up(tg: TelegramBot, emu: TelegramEmulator) -> tuple[Chat, User, User]:
    """A working group's room (in English) with a meeting planned; frank applied from it."""
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    frank = emu.user(1006, "Frank", username="frank", language_code="en")
    group = emu.group(-900, "Open data")
    await tg.say(group, alice, "/group add open-data Open data")
    await tg.say(group, alice, "/room group open-data")
    await tg.say(group, alice, "/lang room en")
    [planned] = await tg.say(group, alice, "/meeting plan open-data 2024-01-30 10:00 CESE")
    assert planned.text.startswith("Meeting S1 (working group open-data, January 30, 2024, 10:00\u202fAM) planned.")
    await tg.say(group, frank, "/apply I would like to join")  # frank has no private chat with the bot
    await advance(tg, REMIND_7D)
    assert emu.messages_in(group)[-1].text == REMINDER.format("7 days")
    return group, alice, frank


async def advance(tg: TelegramBot, when: datetime) -> None:
    """Simulated time: what falls due is queued, then delivered (as the scheduler's wake-up does)."""
    tg.advance_to(when)
    await tg.transport.drain()


def rooms(tg: TelegramBot) -> list[Room]:
    with Session(tg.forum.engine) as session:
        return list(session.exec(select(Room).where(col(Room.is_private).is_(False))).all())


def moves(tg: TelegramBot) -> list[AuditEvent]:
    with Session(tg.forum.engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == "room.move")).all())


def pending(tg: TelegramBot) -> list[OutboxMessage]:
    with Session(tg.forum.engine) as session:
        return list(session.exec(select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))).all())


async def after_the_move(tg: TelegramBot, emu: TelegramEmulator, group: Chat, supergroup: Chat, alice: User) -> None:
    """The room works in the supergroup: answers with its purpose, reminders, notices; once each."""
    [room] = rooms(tg)
    assert (room.platform_room_id, room.purpose, room.language) == (str(supergroup.id), "group", "en")
    in_group = len(emu.messages_in(group))
    [answer] = await tg.say(supergroup, alice, "/propose Publish the budget data")
    assert answer.text.startswith("Proposal P1 recorded: Publish the budget data\nIt belongs to the working group "
                                  "open-data.")
    sent = await tg.say(supergroup, alice, "/accept A1")
    assert [(r.chat_id, r.text) for r in sent] == [(supergroup.id, "Application A1 accepted."),
                                                   (supergroup.id, NOTICE)]  # where frank wrote: the room moved
    await advance(tg, REMIND_1D)
    await advance(tg, REMIND_1H)
    texts = [r.text for r in emu.messages_in(supergroup)]
    assert texts.count(REMINDER.format("1 day")) == 1 and texts.count(REMINDER.format("1 hour")) == 1
    assert REMINDER.format("7 days") not in texts  # it was shown in the group, before
    assert len(emu.messages_in(group)) == in_group  # nothing more was sent to the old id
    assert {m.kind for m in pending(tg)} == {"application_outcome"}  # frank's, until he opens a private chat
    assert len(moves(tg)) == 1


async def test_the_service_messages_move_the_room(tg: TelegramBot, emu: TelegramEmulator) -> None:
    group, alice, _ = await set_up(tg, emu)
    before = tg.transport.processed
    supergroup = emu.migrate_to_supergroup(group, alice)  # migrate_to, migrate_from, then the bot "added"
    await tg.settle(before + 3)
    assert emu.messages_in(supergroup) == []  # not greeted as a new room
    await after_the_move(tg, emu, group, supergroup, alice)
    assert [f for f in emu.failed if f.params.get("chat_id") == str(group.id)] == []  # known before sending
    [move] = moves(tg)
    assert move.details == {"network": "telegram", "from": str(group.id), "to": str(supergroup.id),
                            "merged_room": None}

    # the same notices again: nothing changes
    mark = len(emu.new_messages())
    before = tg.transport.processed
    emu.migration_updates(group, alice)
    await tg.settle(before + 3)
    await tg.push({"message": {"message_id": 99, "from": alice.to_dict(), "chat": group.to_dict(), "date": 0,
                               "migrate_to_chat_id": supergroup.id}})
    assert emu.new_messages()[mark:] == [] and len(moves(tg)) == 1 and len(rooms(tg)) == 1


async def test_a_send_to_the_old_id_follows_the_group(tg: TelegramBot, emu: TelegramEmulator) -> None:
    group, alice, _ = await set_up(tg, emu)
    supergroup = emu.migrate_to_supergroup(group, alice, updates=())  # the bot has not heard of it yet
    await advance(tg, REMIND_1D)
    [refused] = [f for f in emu.failed if f.params.get("chat_id") == str(group.id)]
    assert (refused.method, refused.status) == ("sendMessage", 400)
    assert [r.text for r in emu.messages_in(supergroup)] == [REMINDER.format("1 day")]
    [room] = rooms(tg)
    assert room.platform_room_id == str(supergroup.id)
    with Session(tg.forum.engine) as session:
        reminder = session.exec(select(OutboxMessage).where(OutboxMessage.text == REMINDER.format("1 day"))).one()
        assert reminder.attempts == 1 and reminder.last_error is None and reminder.sent_at is not None

    # a command written in the group before the upgrade, handled after: its answer follows, without quoting it;
    # the room the core made again for the old id joins the moved one
    sent = await tg.say(group, alice, "/help")
    assert [(r.chat_id, r.text.split(":")[0], r.reply_to_message_id) for r in sent] == [
        (supergroup.id, "What you can do here", None)]
    [room] = rooms(tg)
    assert (room.platform_room_id, room.purpose) == (str(supergroup.id), "group")
    assert [m.details["merged_room"] is not None for m in moves(tg) if m.details] == [False, True]

    # the service messages arrive late: nothing more is sent, the room is not moved again
    mark = len(emu.new_messages())
    before = tg.transport.processed
    emu.migration_updates(group, alice)
    await tg.settle(before + 3)
    assert emu.new_messages()[mark:] == [] and len(moves(tg)) == 2 and len(rooms(tg)) == 1
    failures = len(emu.failed)
    await advance(tg, REMIND_1H)
    assert emu.messages_in(supergroup)[-1].text == REMINDER.format("1 hour") and len(emu.failed) == failures


async def test_a_supergroup_seen_first_is_merged_into_the_room(tg: TelegramBot, emu: TelegramEmulator) -> None:
    group, alice, _ = await set_up(tg, emu)
    before = tg.transport.processed
    supergroup = emu.migrate_to_supergroup(group, alice, updates=["my_chat_member"])  # the "join" comes first
    await tg.settle(before + 1)
    [intro] = emu.messages_in(supergroup)  # a room the bot did not know: it introduced itself
    assert intro.text.startswith(INTRO)
    assert len(rooms(tg)) == 2
    before = tg.transport.processed
    emu.migration_updates(group, alice, ["migrate_from", "migrate_to"])
    await tg.settle(before + 2)
    [move] = moves(tg)
    assert move.details is not None and move.details["merged_room"] is not None
    await after_the_move(tg, emu, group, supergroup, alice)
    assert [r.text for r in emu.messages_in(supergroup)].count(intro.text) == 1


async def test_a_long_message_follows_the_group_once(tg: TelegramBot, emu: TelegramEmulator) -> None:
    alice = emu.user(1001, "Alice", username="alice", language_code="en")
    group = emu.group(-950, "Plenary")
    await tg.say(group, alice, "/room plenary")
    supergroup = emu.migrate_to_supergroup(group, alice, updates=())
    text = "\n".join(f"line {n:03} " + "x" * 60 for n in range(100))  # two messages on Telegram
    with unit_of_work(tg.forum.engine) as session:
        room = session.exec(select(Room).where(Room.platform_room_id == str(group.id))).one()
        assert Outbox(session, tg.forum.config, tg.clock.now()).to_room(room, Raw(text), kind="test", key="long")
    failures = len(emu.failed)
    assert await tg.transport.drain() == 1
    assert len(emu.failed) == failures + 1  # the first part only: the rest went straight to the supergroup
    parts = emu.messages_in(supergroup)
    assert len(parts) == 2 and "\n".join(p.text or "" for p in parts) == text
