"""Pytest fixtures for the Telegram tests: the Bot API emulator and the forum's bot running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.config import Config
from tests.support.telegram_bot import BOT_USERNAME, TOKEN, TelegramBot, telegram_bot
from tests.support.telegram_emulator import TelegramEmulator


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emulator:
        yield emulator


@pytest_asyncio.fixture
async def tg(config: Config, emu: TelegramEmulator, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TelegramBot]:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB reads RetryAfter.retry_after on a 429; no deprecation warning
    async with telegram_bot(config, emu) as bot:
        yield bot
