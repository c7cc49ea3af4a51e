"""The web site: a page renders in a time independent of the register's size, and `/` keeps up with many readers.

1. Render time: the same SQLite register filled with `--small` and with `--large` decisions (core `insert()` in
   batches); the home page `/en/`, the register's first page `/en/decisions/` and a decision's page are rendered
   with `Site.get` (no HTTP), the median of `--rounds` renders each. Figure: ratio large / small, target ≤ 2.
2. Throughput: the served site (aiohttp, as `forum-bot web` runs it) on the large register, `--concurrency`
   readers fetching `/en/` for `--seconds`, against the same readers fetching the static stylesheet from the same
   server in the same run. Figure: requests per second of each, and their ratio.

    PYTHONPATH=. python bench/web.py [--small 1000] [--large 100000] [--rounds 20] [--seconds 3] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import Engine, insert

from bench._common import machine, median
from bot.clock import SimulatedClock
from bot.config import Config
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.storage.tables import Decision
from bot.web.server import start
from bot.web.site import Site

NOW = datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
PAGES = ("/en/", "/en/decisions/", "/fr/decisions/D1/")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fill(path: Path, count: int) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    first = NOW - timedelta(minutes=count)
    outcomes = ("adopted", "rejected", "no_quorum")
    with engine.begin() as db:
        for start_at in range(0, count, 5000):
            db.execute(insert(Decision), [
                {"title": f"Decision {n} on the action plan", "outcome": outcomes[n % 3], "body": "plenary",
                 "decided_at": first + timedelta(minutes=n), "votes_for": 10, "votes_against": 3, "abstentions": 1,
                 "cast": 14, "electorate": 20, "tie": False}
                for n in range(start_at, min(count, start_at + 5000))])
    return engine


def render_times(site: Site, rounds: int) -> dict[str, float]:
    found = {}
    for path in PAGES:
        assert site.get(path).status == 200, path
        times = []
        for _ in range(rounds):
            began = time.perf_counter()
            site.get(path)
            times.append(time.perf_counter() - began)
        found[path] = median(times)
    return found


async def requests_per_second(base: str, path: str, seconds: float, concurrency: int) -> float:
    done = 0
    stop = time.perf_counter() + seconds

    async def reader(client: aiohttp.ClientSession) -> None:
        nonlocal done
        while time.perf_counter() < stop:
            async with client.get(base + path) as response:
                await response.read()
                assert response.status == 200
                done += 1

    began = time.perf_counter()
    async with aiohttp.ClientSession() as client:
        await asyncio.gather(*(reader(client) for _ in range(concurrency)))
    return done / (time.perf_counter() - began)


async def throughput(site: Site, seconds: float, concurrency: int) -> tuple[float, float]:
    port = free_port()
    runner = await start(site, "127.0.0.1", port)
    try:
        base = f"http://127.0.0.1:{port}"
        static = await requests_per_second(base, "/static/site.css", seconds, concurrency)
        home = await requests_per_second(base, "/en/", seconds, concurrency)
        return home, static
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        sites = {}
        for size in (args.small, args.large):
            engine = fill(Path(tmp) / f"web-{size}.sqlite3", size)
            sites[size] = Site(engine, replace(Config(), database_url=str(engine.url)), SimulatedClock(NOW))
        small, large = (render_times(sites[s], args.rounds) for s in (args.small, args.large))
        for path in PAGES:
            print(f"{path}: {small[path] * 1000:.2f} ms with {args.small:,} decisions, "
                  f"{large[path] * 1000:.2f} ms with {args.large:,}: ratio {large[path] / small[path]:.2f}")
        worst = max(large[p] / small[p] for p in PAGES)
        print(f"render ratio (largest / smallest register, worst page): {worst:.2f} (target <= 2)")
        home, static = asyncio.run(throughput(sites[args.large], args.seconds, args.concurrency))
        print(f"/en/: {home:.0f} requests/s; /static/site.css: {static:.0f} requests/s "
              f"({args.concurrency} readers); ratio (page / static file): {home / static:.2f}")


if __name__ == "__main__":
    main()
