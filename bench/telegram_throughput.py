"""Telegram throughput: N `/update` commands through the real python-telegram-bot stack, against the project's Bot
API emulator running in another process, versus a bare PTB application that only echoes each command.

The emulator runs standalone (`python -m tests.support.telegram_emulator`); its control API queues the updates and
reports what was sent. Each round, for each contender in turn (the echo app, then the bot), N updates from ten
members (each in their private chat) are queued at once, and the clock stops when N answers have been sent. The bot
is the forum's own Telegram transport (`build_application` + `TelegramTransport`, long polling) on a SQLite file in
WAL mode, with pacing off as in the tests (the emulator does not rate-limit; production paces at Telegram's limits).
Each `/update` writes a status update on FR0112 and answers. The ratio is bot rate / echo rate, median of rounds;
the target is ≥ 0.8.

    PYTHONPATH=. python bench/telegram_throughput.py [--updates 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench._common import machine, median
from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.domain.tracking.importing import import_commitments, read_plan
from bot.storage.db import unit_of_work
from bot.transports.telegram import TelegramTransport, build_application

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123:ABC"
ADMIN = 1000
MEMBERS = [2001 + i for i in range(10)]
START = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


class Emulator:
    """The standalone emulator process and its control API."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.telegram_emulator", "--port", "0",
                                      "--token", TOKEN, "--bot-username", "forum_bench_bot"],
                                     cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        info = json.loads(self.proc.stdout.readline())
        self.base_url, self.base_file_url, self.control = info["base_url"], info["base_file_url"], info["control_url"]
        self.http = httpx.AsyncClient(timeout=60)

    async def push(self, updates: list[dict[str, Any]]) -> None:
        answer = await self.http.post(f"{self.control}/updates", json={"updates": updates})
        answer.raise_for_status()

    async def sent_total(self) -> int:
        answer = await self.http.get(f"{self.control}/sent", params={"since": 10**9})
        answer.raise_for_status()
        return int(answer.json()["total"])

    async def wait_sent(self, target: int, timeout: float = 600) -> None:
        deadline = time.perf_counter() + timeout
        while await self.sent_total() < target:
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out waiting for {target} messages sent")
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        await self.http.aclose()
        self.proc.terminate()
        self.proc.wait(10)


def message(user: int, text: str) -> dict[str, Any]:
    return {"chat_id": user, "user_id": user, "text": text, "first_name": f"U{user}", "username": f"u{user}",
            "language_code": "en"}


async def say(emu: Emulator, user: int, text: str) -> None:
    """One command, answered before the next."""
    before = await emu.sent_total()
    await emu.push([message(user, text)])
    await emu.wait_sent(before + 1, timeout=60)


async def blast(emu: Emulator, n: int, round_no: int, command: str) -> float:
    """Queue n commands at once; seconds until n answers were sent."""
    updates = [message(MEMBERS[i % len(MEMBERS)], f"{command} round {round_no}, update {i}") for i in range(n)]
    before = await emu.sent_total()
    started = time.perf_counter()
    await emu.push(updates)
    await emu.wait_sent(before + n)
    return time.perf_counter() - started


async def polling(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=1, poll_interval=0, allowed_updates=Update.ALL_TYPES)


async def stop(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def echo_round(emu: Emulator, n: int, round_no: int) -> float:
    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(update.message.text or "")

    app = ApplicationBuilder().token(TOKEN).base_url(emu.base_url).base_file_url(emu.base_file_url).build()
    app.add_handler(MessageHandler(filters.COMMAND, echo))
    await polling(app)
    try:
        return await blast(emu, n, round_no, "/echo")
    finally:
        await stop(app)


async def bot_round(emu: Emulator, forum: Forum, n: int, round_no: int, setup: bool) -> float:
    app = build_application(forum.config, AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3))
    transport = TelegramTransport(forum, app)
    transport.install()
    await polling(app)
    try:
        if setup:
            for user in MEMBERS:
                await say(emu, ADMIN, f"/role @u{user} secretariat")
                await say(emu, user, "/lang en")
        return await blast(emu, n, round_no, "/update M1 40%")
    finally:
        await stop(app)


async def main_async(args: argparse.Namespace) -> int:
    logging.disable(logging.WARNING)
    emu = Emulator()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = replace(Config(), database_url=f"sqlite:///{tmp}/telegram.sqlite3",
                             telegram=replace(Config().telegram, token=TOKEN, base_url=emu.base_url,
                                              base_file_url=emu.base_file_url),
                             admins={"telegram": (str(ADMIN),)})
            forum = Forum(config, SimulatedClock(START))
            plan = read_plan(Path(str(resources.files("bot.demo").joinpath("fr-2023-2025-FR0112.toml"))))
            with unit_of_work(forum.engine) as session:
                import_commitments(session, config, START, plan, source="bench")
            bots, echoes, ratios = [], [], []
            for r in range(1, args.rounds + 1):
                echo = args.updates / await echo_round(emu, args.updates, r)
                rate = args.updates / await bot_round(emu, forum, args.updates, r, setup=r == 1)
                echoes.append(echo)
                bots.append(rate)
                ratios.append(rate / echo)
                print(f"round {r}: bot {rate:7.0f} /update per s · echo {echo:7.0f} per s · ratio {rate / echo:.2f}")
            with forum.engine.connect() as conn:
                (updates,) = conn.exec_driver_sql("SELECT count(*) FROM status_update").one()
            forum.engine.dispose()
            if updates != args.updates * args.rounds:
                raise SystemExit(f"{updates} status updates recorded, expected {args.updates * args.rounds}")
    finally:
        await emu.close()
    ratio = median(ratios)
    print(f"telegram throughput, {args.updates} commands × {args.rounds} rounds, every update recorded once")
    print(f"  bot:  {median(bots):.0f} /update per s (write + answer through PTB and the emulator)")
    print(f"  echo: {median(echoes):.0f} commands per s (bare PTB application)")
    print(f"  ratio (bot / echo, median of rounds): {ratio:.2f}  target ≥ 0.8: {'met' if ratio >= 0.8 else 'MISSED'}")
    print(f"  {machine()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
