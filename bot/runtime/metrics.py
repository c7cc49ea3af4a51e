"""Prometheus metrics of one process, for `/metrics` (docs/operations.md, "Metrics").

Two kinds, in one `CollectorRegistry` of the process's own (never the library's global one, so that two forums in
one test run, or in one process, never mix their counts):

- what this process did, counted as it happens: messages handled per network and outcome, command latency, failed
  delivery attempts per network and reason (listeners on `Forum`, bot/app.py);
- what the database and the process hold, read at each scrape: the outbox's backlog (so every process sharing the
  database answers the same), how late the last due pass ran, and which receiver locks this process holds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlmodel import Session

from bot.app import Forum
from bot.clock import Clock
from bot.config import Config
from bot.messages import Handled, Incoming
from bot.notify import backlog
from bot.parsing import clean_text
from bot.registry import Registry
from bot.router import split_command
from bot.runtime.receiver_lock import ReceiverLock
from bot.scheduling.due import DueRunner

log = logging.getLogger("forumbot.metrics")

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def configured_networks(config: Config) -> list[str]:
    """The networks a process of this configuration serves: their outbox series are there even when empty."""
    return [name for name, on in (("telegram", config.telegram.enabled), ("matrix", config.matrix.enabled)) if on]


class _State(Collector):
    """What is read at scrape time: the outbox (from the database), the last due pass, the receiver locks."""

    def __init__(self, engine: Engine, clock: Clock, networks: Iterable[str]) -> None:
        self.engine, self.clock = engine, clock
        self.networks = set(networks)  # and every network seen in the outbox since: its series stay, at 0
        self.due: DueRunner | None = None
        self.locks: dict[str, ReceiverLock | None] = {}

    def collect(self) -> Iterator[Metric]:
        yield from self._outbox(self.clock.now())
        yield from self._due()
        held = GaugeMetricFamily("forumbot_receiver_lock_held", "1 while this process is the one receiving for the "
                                 "network (it holds the network's receiver lock; always 1 where no lock is needed: "
                                 "SQLite, a Telegram webhook)", labels=["network"])
        for network, lock in sorted(self.locks.items()):
            held.add_metric([network], 1 if lock is None or lock.backend_pid is not None else 0)
        yield held

    def _outbox(self, now: datetime) -> Iterator[Metric]:
        depth = GaugeMetricFamily("forumbot_outbox_depth", "Outbox messages not delivered yet (parked ones aside)",
                                  labels=["network"])
        oldest = GaugeMetricFamily("forumbot_outbox_oldest_age_seconds", "How long the oldest undelivered outbox "
                                   "message (parked ones aside) has been waiting; 0 when none", labels=["network"])
        parked = GaugeMetricFamily("forumbot_outbox_parked", "Undelivered outbox messages for rooms the bot was "
                                   "removed from (retried once a day)", labels=["network"])
        readable = GaugeMetricFamily("forumbot_outbox_readable", "1 when the outbox could be read for this scrape "
                                     "(0: the database did not answer, the outbox series are missing)")
        try:
            with Session(self.engine) as session:
                found = {b.network: b for b in backlog(session)}
        except Exception as exc:  # the counters are still worth a scrape
            log.warning("metrics: cannot read the outbox: %s", f"{type(exc).__name__}: {exc}")
            readable.add_metric([], 0)
            yield readable
            return
        readable.add_metric([], 1)
        yield readable
        self.networks.update(found)
        for network in sorted(self.networks):
            b = found.get(network)
            depth.add_metric([network], b.waiting if b else 0)
            age = (now - b.oldest).total_seconds() if b and b.oldest else 0.0
            oldest.add_metric([network], max(age, 0.0))
            parked.add_metric([network], b.parked if b else 0)
        yield from (depth, oldest, parked)

    def _due(self) -> Iterator[Metric]:
        last = self.due.last_pass if self.due is not None else None
        if last is None:  # this process runs no due passes (`forum-bot web`), or none yet
            return
        yield GaugeMetricFamily("forumbot_due_lag_seconds", "How long the earliest item of the last due pass had been "
                                "due when the pass ran", value=last.lag.total_seconds())
        yield GaugeMetricFamily("forumbot_due_last_pass_timestamp_seconds", "When the last due pass ran "
                                "(Unix time)", value=last.at.timestamp())


class Metrics:
    """One process's metrics: `attach` it to the forum it runs, `render` it for a scrape."""

    def __init__(self, engine: Engine, clock: Clock, networks: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.handled = Counter("forumbot_messages_handled", "Incoming messages handled, by network and outcome "
                               "(ok, refused, denied, bad_arguments, unknown, too_long, duplicate, ignored, hook, "
                               "error)", ["network", "outcome"], registry=self.registry)
        self.latency = Histogram("forumbot_command_duration_seconds", "Time to handle a command, by top-level "
                                 "command (its English name), whatever the outcome", ["command"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.delivery_failures = Counter("forumbot_delivery_failures", "Failed delivery attempts of outbox messages, "
                                         "by network and reason (the error's class, or room_inactive)",
                                         ["network", "reason"], registry=self.registry)
        self.state = _State(engine, clock, networks)
        self.registry.register(self.state)
        self._commands: Registry | None = None

    @classmethod
    def of(cls, forum: Forum) -> Metrics:
        """The metrics of a process running `forum` (`forum-bot run`), attached to it."""
        metrics = cls(forum.engine, forum.clock, configured_networks(forum.config))
        metrics.attach(forum)
        return metrics

    def attach(self, forum: Forum) -> None:
        """Count what `forum` handles and fails to deliver, and report its due passes."""
        forum.on_handled.append(self.message_handled)
        forum.on_delivery_failed.append(self.delivery_failed)
        self.state.due = forum.due
        self._commands = forum.router.registry

    def watch_lock(self, network: str, lock: ReceiverLock | None) -> None:
        """Report whether this process holds `network`'s receiver lock (None: it needs none, it always receives)."""
        self.state.locks[network] = lock

    def message_handled(self, incoming: Incoming, handled: Handled, seconds: float) -> None:
        self.handled.labels(incoming.network, handled.outcome).inc()
        command = self._command_of(incoming.text)
        if command is not None:
            self.latency.labels(command).observe(seconds)

    def _command_of(self, text: str) -> str | None:
        """The top-level command a message named, in English (`/voter …` is `vote`); None for chat or an unknown one."""
        parts = split_command(clean_text(text))
        found = self._commands.find(parts[0]) if parts and self._commands else None
        return found.path if found else None

    def delivery_failed(self, network: str, reason: str) -> None:
        self.delivery_failures.labels(network, reason).inc()

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The metrics in the format the scraper asks for (its Accept header): the body and its content type."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type
