"""The forum's Telegram transport, running on the real python-telegram-bot against the Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import AIORateLimiter

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.transports.telegram import TelegramTransport, build_application
from tests.support.telegram_emulator import Chat, SentRecord, TelegramEmulator, User
from tests.support.waiting import until

TOKEN = "123456:TEST-token"
BOT_USERNAME = "forum_test_bot"
START = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)


@dataclass
class TelegramBot:
    forum: Forum
    transport: TelegramTransport
    emu: TelegramEmulator
    last_update_id: int = 0

    @property
    def clock(self) -> SimulatedClock:
        assert isinstance(self.forum.clock, SimulatedClock)
        return self.forum.clock

    async def settle(self, processed: int, timeout: float = 5.0) -> None:
        await until(lambda: self.transport.processed >= processed, f"{processed} updates processed", timeout,
                    every=0.002)

    async def say(self, chat: Chat, user: User, text: str, timeout: float = 5.0) -> list[SentRecord]:
        """`user` writes `text` in `chat`; returns every message the bot sent while handling it."""
        before, mark = self.transport.processed, len(self.emu.sent)
        self.last_update_id = self.emu.send_text(chat, user, text)
        await self.settle(before + 1, timeout)
        return [r for r in self.emu.sent[mark:] if r.method in ("sendMessage", "sendDocument")]

    async def press(self, chat: Chat, user: User, message_id: int, data: str, *, check: bool = True,
                    timeout: float = 5.0) -> tuple[str | None, list[SentRecord]]:
        """`user` presses a button; returns the pop-up answer and the messages sent meanwhile."""
        before, mark, answers = self.transport.processed, len(self.emu.sent), len(self.emu.callback_answers)
        query_id = self.emu.press_button(chat, user, message_id, data, check=check)
        await self.settle(before + 1, timeout)
        answer = next((a for a in self.emu.callback_answers[answers:] if a.callback_query_id == query_id), None)
        sent = [r for r in self.emu.sent[mark:] if r.method in ("sendMessage", "sendDocument")]
        return (answer.text if answer else None), sent

    async def push(self, update: dict[str, object], count: int = 1) -> None:
        before = self.transport.processed
        self.emu.push_raw_update(update, force=True)
        await self.settle(before + count)

    def advance_to(self, when: datetime) -> int:
        return self.forum.advance_to(when)


def telegram_config(config: Config, emu: TelegramEmulator, **changes: object) -> Config:
    telegram = replace(config.telegram, token=TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url)
    return replace(config, telegram=telegram, admins={"telegram": ("@alice",)}, **changes)  # type: ignore[arg-type]


def telegram_forum(config: Config, emu: TelegramEmulator, start: datetime = START) -> Forum:
    """The forum on a simulated clock, configured for the emulator (dispose of its engine when done)."""
    return Forum(telegram_config(config, emu), SimulatedClock(start), migrate=False)


@asynccontextmanager
async def telegram_bot(config: Config, emu: TelegramEmulator, start: datetime = START) -> AsyncIterator[TelegramBot]:
    """The forum on a simulated clock, its Telegram transport polling the emulator."""
    forum = telegram_forum(config, emu, start)
    try:
        async with running_bot(forum, emu) as bot:
            yield bot
    finally:
        forum.engine.dispose()


@asynccontextmanager
async def running_bot(forum: Forum, emu: TelegramEmulator) -> AsyncIterator[TelegramBot]:
    """A Telegram transport for `forum`, polling the emulator until the block ends (a new one is a restart)."""
    # No pacing in tests (the emulator does not limit), but 429s are retried as in production.
    app = build_application(forum.config, AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3))
    transport = TelegramTransport(forum, app)
    transport.install()
    async with app:
        await transport.set_commands()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, poll_interval=0, allowed_updates=Update.ALL_TYPES)
        try:
            yield TelegramBot(forum, transport, emu)
        finally:
            await app.updater.stop()
            await app.stop()
            await transport.flush()
