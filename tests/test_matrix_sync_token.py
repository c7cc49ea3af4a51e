"""When the Matrix transport stores its sync token: after the events it covers were handled, never before, and
not only when the worker is idle (a token never saved under sustained traffic would make a restart resume from a
stale point, and the homeserver would skip what the gap holds). No homeserver needed: syncs are handed in."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config, MatrixConfig
from bot.transports import matrix as matrix_module
from bot.transports.matrix import MatrixTransport
from tests.support import FORUM_EPOCH

pytestmark = pytest.mark.sqlite_only


def sync(token: str) -> SimpleNamespace:
    return SimpleNamespace(next_batch=token, rooms=SimpleNamespace(leave={}))


async def run_queue(transport: MatrixTransport) -> list[str]:
    """Run what is queued, in order; the sync token stored after each piece of work."""
    stored = []
    while not transport.queue.empty():
        work = transport.queue.get_nowait()
        assert work is not None
        await work()
        stored.append(transport._get("next_batch") or "")
    return stored


async def test_a_busy_worker_still_saves_the_token_behind_the_events_it_covers(
        config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    matrix = MatrixConfig(homeserver="http://127.0.0.1:9", user_id="@bot:localhost", password="x",
                          store_path=str(tmp_path / "store"))
    forum = Forum(replace(config, matrix=matrix), SimulatedClock(FORUM_EPOCH), migrate=False)
    transport = MatrixTransport(forum)
    now = [1000.0]
    monkeypatch.setattr(matrix_module.time, "monotonic", lambda: now[0])
    handled: list[str] = []

    async def event(name: str) -> None:
        handled.append(name)

    transport.enqueue(lambda: event("a"))
    await transport._on_sync(sync("t1"))        # first sync: a marker goes behind event a
    transport.enqueue(lambda: event("b"))
    now[0] += 1
    await transport._on_sync(sync("t2"))        # a second later: no new marker yet
    transport.enqueue(lambda: event("c"))
    now[0] += 11
    await transport._on_sync(sync("t3"))        # eleven seconds later, the queue still busy: a marker for t3
    stored = await run_queue(transport)
    assert handled == ["a", "b", "c"]
    # t1 is stored only after a was handled, t3 only after c; t2 is never stored on its own
    assert stored == ["", "t1", "t1", "t1", "t3"]
    await transport.client.close()
