"""The committee-vote scenario over Telegram (commands, buttons, a secret ballot by deep link, the deadline),
checked against the same scenario played on the console: the same decisions, with the same tally."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.storage.tables import Decision
from bot.transports.console import run_script
from tests.support import FORUM_EPOCH
from tests.support.telegram_bot import BOT_USERNAME, START, TelegramBot, telegram_bot
from tests.support.telegram_emulator import Chat, SentRecord, TelegramEmulator, User

pytestmark = [pytest.mark.asyncio, pytest.mark.sqlite_only]

SETUP = [
    ("committee", "alice", "/room committee"),
    ("committee", "alice", "/lang room en"),
    ("committee", "alice", "/group add open-data Open data and transparency"),
    ("open-data", "alice", "/room group open-data"),
    ("open-data", "alice", "/lang room en"),
    ("committee", "alice", "/role @bob cochair"),
    ("committee", "alice", "/role @carol committee"),
    ("committee", "alice", "/role @dave committee"),
    ("committee", "alice", "/role @erin committee"),
    ("committee", "alice", "/role @frank member open-data"),
    ("committee", "alice", "/role @gina member open-data"),
    ("committee", "carol", "/propose Publish the minutes within two weeks"),
    ("committee", "bob", "/vote open P1 closes=3d quorum=50% majority=2/3"),
]
CONSOLE = "\n".join([
    "@at 2024-01-15 09:00", "@admin alice",
    *(f"[{room}] {user}: {text}" for room, user, text in SETUP),
    "[committee] carol: /vote V1 yes",  # a button on Telegram
    "[committee] dave: /vote V1 no",
    "[committee] dave: /vote V1 yes",  # a button on Telegram: the ballot changed
    "[dm] erin: /vote V1 abstain",
    "@advance 3d",
    "[open-data] frank: /propose Open the budget data of every commitment",
    "[open-data] bob: /vote open P2 secret closes=2d",
    "[dm] frank: /start vote_V2",
    "[dm] frank: /vote V2 yes",  # a button of the private ballot on Telegram
    "[dm] gina: /vote V2 no",
    "@advance 2d",
]) + "\n"


def decisions(engine: object) -> list[tuple[object, ...]]:
    with Session(engine) as session:  # type: ignore[arg-type]
        rows = session.exec(select(Decision).order_by(col(Decision.id))).all()
        return [(d.title, d.outcome, d.body, d.votes_for, d.votes_against, d.abstentions, d.cast, d.electorate,
                 d.tie, d.decided_at) for d in rows]


def with_buttons(sent: list[SentRecord]) -> SentRecord:
    [message] = [r for r in sent if r.reply_markup]
    return message


def data_for(message: SentRecord, label: str) -> str:
    for row in message.reply_markup["inline_keyboard"]:  # type: ignore[index]
        for button in row:
            if button["text"] == label:
                return str(button.get("callback_data") or button.get("url"))
    raise AssertionError(f"no button {label!r} in {message.reply_markup}")


async def test_committee_and_secret_votes_over_telegram_match_the_console(
        config: Config, emu: TelegramEmulator, migrated_template: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    console_db = tmp_path / "console.sqlite3"
    shutil.copy(migrated_template, console_db)
    console = Forum(replace(Config(), database_url=f"sqlite:///{console_db}"), SimulatedClock(FORUM_EPOCH),
                    migrate=False)
    assert await run_script(console, CONSOLE, write=lambda line: None) == 0
    expected = decisions(console.engine)
    console.engine.dispose()
    assert [row[1] for row in expected] == ["adopted", "rejected"]
    assert expected[0][3:9] == (2, 0, 1, 3, 4, False)  # committee: carol and dave yes, erin abstains, bob silent
    assert expected[1][3:9] == (1, 1, 0, 2, 2, True)  # secret, open-data: frank yes, gina no, a tie is rejected

    async with telegram_bot(config, emu, START) as tg:
        await play_on_telegram(tg, emu)
        assert decisions(tg.forum.engine) == expected


async def play_on_telegram(tg: TelegramBot, emu: TelegramEmulator) -> None:
    names = ["alice", "bob", "carol", "dave", "erin", "frank", "gina"]
    users: dict[str, User] = {n: emu.user(1001 + i, n.title(), username=n, language_code="en")
                              for i, n in enumerate(names)}
    for user in users.values():
        emu.private_chat(user)  # everyone has started the bot: private reminders reach them
    chats: dict[str, Chat] = {"committee": emu.group(-100, "Committee"), "open-data": emu.group(-200, "Open data")}
    for room, user, text in SETUP[:-1]:
        assert await tg.say(chats[room], users[user], text), text

    committee = chats["committee"]
    opened = await tg.say(committee, users["bob"], "/vote open P1 closes=3d quorum=50% majority=2/3")
    ballot = with_buttons(opened)
    assert ballot.text is not None and ballot.text.startswith("Vote V1 is open")
    answer, sent = await tg.press(committee, users["carol"], ballot.message_id, data_for(ballot, "Yes"))
    assert answer and "V1" in answer and sent == []  # the pop-up says what was recorded; the room is not spammed
    await tg.say(committee, users["dave"], "/vote V1 no")
    answer, _ = await tg.press(committee, users["dave"], ballot.message_id, data_for(ballot, "Yes"))
    assert answer and "V1" in answer
    erin_dm = emu.private_chat(users["erin"])
    assert await tg.say(erin_dm, users["erin"], "/vote V1 abstain")

    before = len(emu.messages_in(committee))
    tg.advance_to(tg.clock.now() + timedelta(days=3))
    await tg.transport.drain()
    [result] = emu.messages_in(committee)[before:]
    assert result.text is not None and "V1" in result.text

    open_data = chats["open-data"]
    await tg.say(open_data, users["frank"], "/propose Open the budget data of every commitment")
    opened = await tg.say(open_data, users["bob"], "/vote open P2 secret closes=2d")
    secret = with_buttons(opened)
    assert data_for(secret, "Yes") == f"https://t.me/{BOT_USERNAME}?start=vote_V2"  # opens the private chat

    frank_dm = emu.private_chat(users["frank"])
    private_ballot = with_buttons(await tg.say(frank_dm, users["frank"], "/start vote_V2"))  # the deep link
    answer, _ = await tg.press(frank_dm, users["frank"], private_ballot.message_id,
                               data_for(private_ballot, "Yes"))
    assert answer and "V2" in answer
    gina_dm = emu.private_chat(users["gina"])
    assert await tg.say(gina_dm, users["gina"], "/vote V2 no")

    before = len(emu.messages_in(open_data))
    tg.advance_to(tg.clock.now() + timedelta(days=2))
    await tg.transport.drain()
    [result] = emu.messages_in(open_data)[before:]
    assert "V2" in (result.text or "")
    assert not [r for r in emu.failed if not r.injected]  # every message reached its chat
