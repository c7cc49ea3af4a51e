"""`forum-bot run`: the real clock, the scheduler, and every configured network side by side."""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from dataclasses import replace
from importlib import resources

from bot.app import Forum
from bot.clock import RealClock, SimulatedClock
from bot.config import Config
from bot.transports.console import run_interactive, run_script

log = logging.getLogger("forumbot")


def demo_script() -> str:
    return resources.files("bot.demo").joinpath("demo.txt").read_text(encoding="utf-8")


async def run_console(config: Config, with_demo: bool = True) -> int:
    """No network configured: play the demo, then (at a terminal) open the console on the configured database."""
    if not with_demo:
        return await run_interactive(Forum(config, SimulatedClock(RealClock().now())))
    print("No chat network is configured (see config.example.toml): here is the console demo.\n")
    with tempfile.TemporaryDirectory() as tmp:
        demo = Forum(replace(config, database_url=f"sqlite:///{tmp}/demo.sqlite3"), SimulatedClock())
        await run_script(demo, demo_script(), echo=True)
        demo.engine.dispose()
    if not sys.stdin.isatty():
        return 0
    print(f"\nNow your own forum, stored in {config.database_url}.")
    return await run_interactive(Forum(config, SimulatedClock(RealClock().now())))


async def run(config: Config, demo: bool = True) -> int:
    """Run until interrupted; with no network configured, the interactive console (after the demo, if `demo`)."""
    if not (config.telegram.enabled or config.matrix.enabled):
        return await run_console(config, demo)
    from bot.scheduling.runner import DueScheduler  # APScheduler: not needed by the console

    forum = Forum(config, RealClock())
    scheduler = DueScheduler(forum)
    tasks: list[asyncio.Task[None]] = []
    if config.telegram.enabled:
        from bot.transports.telegram import run_telegram

        tasks.append(asyncio.create_task(run_telegram(forum, scheduler)))
    if config.matrix.enabled:
        from bot.transports.matrix import run_matrix

        tasks.append(asyncio.create_task(run_matrix(forum, scheduler)))
    scheduler.start()
    try:
        await asyncio.gather(*tasks)
    finally:
        scheduler.shutdown()
    return 0
