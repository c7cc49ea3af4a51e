"""Waiting in tests for something running (a bot, a homeserver, a process) to reach a state, with a deadline.

Never for a schedule: the forum's time is simulated and moved on by the test.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


async def until(predicate: Callable[[], Any], what: str, timeout: float = 20.0, every: float = 0.005) -> Any:
    """Poll `predicate` every `every` seconds until it returns something true, and return that; fail with
    TimeoutError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(every)
