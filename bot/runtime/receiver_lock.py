"""One receiver per network: `forum-bot run` processes sharing a PostgreSQL database take turns receiving.

Two processes must not receive for the same network at once: Telegram answers a second long-polling reader of a
bot's updates with 409 Conflict, and two Matrix clients syncing one device with two crypto stores corrupt its
end-to-end encryption sessions. So a process receives for a network only while it holds that network's lock: a
session-level PostgreSQL advisory lock (`pg_try_advisory_lock`), taken on a connection of its own and held for as
long as that connection lives. The key is derived from the network and the bot's identity on it (the Telegram
bot's id, the Matrix account), so two bots sharing a database do not wait for each other.

- A process that finds the lock taken stands by ("standing by for telegram") and tries again every
  `[leadership] retry_seconds`; meanwhile it runs the scheduler like every process, and what it can send
  without receiving, it sends (see bot/runtime/process.py).
- The receiver makes sure every `check_seconds` that its connection still holds the lock. PostgreSQL releases the
  lock when the connection ends: the process exited or crashed (at once), or it is unreachable (after the server's
  TCP keepalive gives up, set below to about half a minute). A receiver whose check fails, or is not answered
  within two intervals, stops receiving (it is given one more interval to stop by itself, then cancelled) and
  stands by again; it lets the others try first.
- A process that takes the lock waits `TAKEOVER_CHECKS` intervals before it receives ("receiving for telegram"):
  the time a previous receiver whose connection was cut while it lived needs to notice and stop (1 + 2 + 1, and
  one to spare). So two processes never receive for one network at once, and a standby takes over within
  `retry_seconds` + 5 × `check_seconds` (8 seconds by default) of the receiver's end, without an operator.

On SQLite there is nothing to decide: a file serves one process (bot/storage/lock.py), which receives at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from bot.config import LeadershipConfig

log = logging.getLogger("forumbot.runtime.receiver_lock")

TAKEOVER_CHECKS = 5  # a new receiver waits this many check intervals before receiving (see the module's text)
CHECK_TIMEOUT = 2    # check intervals: a check not answered by then counts as a lost lock
ATTEMPT_TIMEOUT = 15.0  # seconds: an attempt to take the lock not answered by then failed (connect_timeout is 10)
STANDBY_GRACE = 5.0  # seconds a standby's work is given to finish (e.g. a message being sent) before receiving

# The lock's connection: libpq notices a dead server within seconds, the server a dead client within about half a
# minute (PostgreSQL's own TCP keepalive settings, which every session may set for itself).
CONNECT_ARGS = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
                "keepalives_count": 3, "tcp_user_timeout": 15_000}
SERVER_KEEPALIVE = ("SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5",
                    "SET tcp_keepalives_count = 3", "SET tcp_user_timeout = 30000")

Receive = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
"""Receive (and send) for one network until the event is set; cancelled if it does not stop in time."""


def receiver_key(network: str, identity: str) -> int:
    """The advisory lock's key (a signed 64-bit integer) for one bot's identity on one network."""
    digest = hashlib.sha256(f"forumbot.receiver\0{network}\0{identity}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass
class _Held:
    connection: Connection
    pid: int
    busy: bool = False


class ReceiverLock:
    """A session-level advisory lock on a dedicated connection (never the pool's: it lives as long as the lock).

    The methods block on the network: call them in a thread. A check that never comes back is given up by
    `abandon()`; the thread still running it closes the connection when it returns."""

    def __init__(self, url: str | URL, key: int) -> None:
        self.key = key
        self.engine: Engine = create_engine(url, poolclass=NullPool, connect_args=CONNECT_ARGS)
        self.attempts = 0  # tries to take the lock (tests wait on them)
        self.checks = 0  # checks that it is still held
        self._mutex = threading.Lock()
        self._held: _Held | None = None

    @property
    def backend_pid(self) -> int | None:
        """The PostgreSQL backend holding the lock for this process, if it does."""
        held = self._held
        return held.pid if held is not None else None

    def try_acquire(self) -> bool:
        """Take the lock if no other session holds it; False if one does (raises if the database is unreachable)."""
        self.abandon()
        self.attempts += 1
        connection = self.engine.connect()
        try:
            for statement in SERVER_KEEPALIVE:
                connection.exec_driver_sql(statement)
            connection.commit()
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
            connection.commit()
            pid = int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
            connection.commit()
        except BaseException:
            _close(connection)
            raise
        if not got:
            _close(connection)
            return False
        with self._mutex:  # an attempt given up on (too slow) may return after a newer one: keep the newest
            old, self._held = self._held, _Held(connection, pid)
            busy = old is not None and old.busy
        if old is not None and not busy:
            _close(old.connection)
        return True

    def still_held(self) -> bool:
        """True while this process's connection is alive and holds the lock."""
        self.checks += 1
        with self._mutex:
            held = self._held
            if held is None:
                return False
            held.busy = True
        try:
            high, low = (self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF
            found = held.connection.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted "
                "AND classid = CAST(:high AS bigint)::oid AND objid = CAST(:low AS bigint)::oid AND objsubid = 1"),
                {"high": high, "low": low}).scalar()
            held.connection.commit()
            return bool(found)
        except Exception as exc:
            log.debug("lock check failed: %s", exc)
            return False
        finally:
            with self._mutex:
                held.busy = False
                given_up = self._held is not held
            if given_up:
                _close(held.connection)

    def abandon(self) -> None:
        """Let go of the lock: close its connection now, or, if a check is still using it, when the check returns."""
        with self._mutex:
            held, self._held = self._held, None
            busy = held is not None and held.busy
        if held is not None and not busy:
            _close(held.connection)

    def dispose(self) -> None:
        self.abandon()
        self.engine.dispose()


def _close(connection: Connection) -> None:
    with contextlib.suppress(Exception):
        connection.close()


async def _in_thread(call: Callable[[], Any], timeout: float) -> Any:
    """`call()` in a thread; TimeoutError if it does not return in time (the thread is left to finish alone).

    An answer that came while the event loop was busy (longer than `timeout`) counts: it is looked at before the
    timeout is."""
    future = asyncio.get_running_loop().run_in_executor(None, call)
    future.add_done_callback(_retrieved)
    await asyncio.wait({future}, timeout=timeout)
    if not future.done():
        raise TimeoutError
    return future.result()


def _retrieved(future: asyncio.Future[Any]) -> None:
    """A call given up on may still fail: its error was already dealt with as a timeout."""
    if not future.cancelled():
        future.exception()


class Turns:
    """Receives for one network while this process holds its lock; stands by otherwise."""

    def __init__(self, network: str, lock: ReceiverLock, settings: LeadershipConfig) -> None:
        self.network, self.lock = network, lock
        self.retry, self.check = settings.retry_seconds, settings.check_seconds
        self.receiving = False
        self._unreachable = False  # the last attempt could not reach the database (logged once)

    async def run(self, receive: Receive, standby: Receive | None = None) -> None:
        """Until cancelled, or until `receive` ends by itself (an error in it is raised here)."""
        delay = 0.0
        try:
            while True:
                await self._wait_for_turn(standby, delay)
                if not await self._receive(receive):
                    return
                delay = self.retry  # the lock was lost: give the other processes the first chance
        finally:
            await asyncio.shield(asyncio.to_thread(self.lock.dispose))

    async def _try(self) -> bool:
        try:
            got = bool(await _in_thread(self.lock.try_acquire, ATTEMPT_TIMEOUT))
        except Exception as exc:  # the database is unreachable: stand by and try again
            level = logging.DEBUG if self._unreachable else logging.WARNING
            log.log(level, "cannot take the receiver lock for %s: %s", self.network, f"{type(exc).__name__}: {exc}",
                    extra={"network": self.network})
            self._unreachable = True
            self.lock.abandon()
            return False
        self._unreachable = False
        return got

    async def _wait_for_turn(self, standby: Receive | None, delay: float) -> None:
        """Try every `retry` seconds (after `delay`) until this process holds the lock, running `standby` meanwhile."""
        stop_standby = asyncio.Event()
        standby_task: asyncio.Task[None] | None = None
        standing_by = False
        try:
            while delay or not await self._try():
                if not standing_by:
                    standing_by = True
                    log.info("standing by for %s", self.network, extra={"network": self.network})
                    standby_task = self._start(standby, stop_standby)
                await asyncio.sleep(delay or self.retry)
                delay = 0.0
            # a previous receiver whose connection was cut may not have noticed yet: give it the time to stop
            await asyncio.sleep(TAKEOVER_CHECKS * self.check)
        finally:
            if standby_task is not None:
                await _stop(standby_task, stop_standby, STANDBY_GRACE, f"{self.network} standby")

    def _start(self, standby: Receive | None, stop: asyncio.Event) -> asyncio.Task[None] | None:
        if standby is None:
            return None
        return asyncio.create_task(_quietly(standby(stop), f"{self.network} standby"),
                                   name=f"{self.network}-standby")

    async def _receive(self, receive: Receive) -> bool:
        """Receive while the lock is held; True when it was lost (then receiving has stopped)."""
        stop = asyncio.Event()
        if not await self._still_held():
            log.warning("lost the receiver lock for %s before receiving", self.network,
                        extra={"network": self.network})
            return True
        log.info("receiving for %s", self.network, extra={"network": self.network})
        self.receiving = True
        task = asyncio.create_task(receive(stop), name=f"{self.network}-receive")
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=self.check)
                if done:
                    task.result()  # an error of the transport stops the process, as without leadership
                    return False
                if not await self._still_held():
                    log.warning("lost the receiver lock for %s (its database connection is gone): "
                                "stopping receiving", self.network, extra={"network": self.network})
                    self.lock.abandon()
                    await _stop(task, stop, self.check, self.network)
                    return True
        finally:
            self.receiving = False
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _still_held(self) -> bool:
        try:
            return bool(await _in_thread(self.lock.still_held, CHECK_TIMEOUT * self.check))
        except TimeoutError:
            return False


async def _stop(task: asyncio.Task[None], stop: asyncio.Event, grace: float, what: str) -> None:
    """Ask `task` to stop, wait `grace` seconds, then cancel it."""
    stop.set()
    done, _ = await asyncio.wait({task}, timeout=grace)
    if not done:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        try:
            await task
        except Exception:
            log.exception("%s failed while stopping", what)


async def _quietly(work: Awaitable[None], what: str) -> None:
    """A standby's work is a bonus: its failure is logged, never the process's end."""
    try:
        await work
    except Exception:
        log.exception("%s failed", what)


async def until_stopped(work: Callable[[], Coroutine[Any, Any, None]], stop: asyncio.Event) -> None:
    """Adapt a coroutine that runs until cancelled (run_matrix) to `Receive`: cancelled once `stop` is set."""
    task = asyncio.create_task(work())
    waiter = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if not task.cancelled():
        task.result()  # it ended by itself: its error, if any, is raised
