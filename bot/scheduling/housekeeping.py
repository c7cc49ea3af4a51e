"""Housekeeping: the bot's own bookkeeping does not grow forever.

`processed_event` gets a row for every incoming event (bot/router.py claims it, so that a redelivery changes
nothing). A row older than `[housekeeping] processed_event_retention` (default 90 days) can never be needed again:
Telegram redelivers at most 24 hours of updates, and Matrix resumes from its saved sync token. Such rows are
deleted at most a day after they expire, so a pass runs at most once a day (PRUNE_SLACK): after a pass at `now`,
every row left is younger than `now - retention`, so the next one falls due after `now + PRUNE_SLACK`.

The rows go in batches of PRUNE_BATCH, each in its own short transaction on its own connection (not in the pass's
transaction), so that a huge table never holds the write lock for long: incoming events are handled between two
batches. On PostgreSQL the pass's advisory lock (bot/scheduling/due.py `claim`) still keeps it to one process.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func, tuple_
from sqlmodel import Session, col, select

from bot.config import Config
from bot.scheduling.due import JobContext, due_source
from bot.storage.tables import ProcessedEvent

log = logging.getLogger("forumbot.scheduling")

PRUNE_BATCH = 1000
PRUNE_SLACK = timedelta(days=1)


def next_prune(session: Session, config: Config, now: datetime) -> datetime | None:
    """When the oldest processed event has been expired for PRUNE_SLACK (an index lookup on `at`)."""
    oldest = session.exec(select(func.min(ProcessedEvent.at))).first()
    return oldest + config.housekeeping.processed_event_retention + PRUNE_SLACK if oldest else None


@due_source("housekeeping.processed_events", next_due=next_prune)
def prune_processed_events(job: JobContext) -> int:
    """Once due, delete every processed event at least `processed_event_retention` old, one batch per transaction.
    (Passes run for other sources too: before the oldest row is due this does nothing, hence once a day.)"""
    due = next_prune(job.session, job.config, job.now)
    if due is None or due > job.now:
        return 0
    cutoff = job.now - job.config.housekeeping.processed_event_retention
    engine = job.session.get_bind().engine
    batch = (select(col(ProcessedEvent.network), col(ProcessedEvent.event_id))
             .where(col(ProcessedEvent.at) <= cutoff).limit(PRUNE_BATCH))
    statement = delete(ProcessedEvent).where(
        tuple_(col(ProcessedEvent.network), col(ProcessedEvent.event_id)).in_(batch))
    deleted = 0
    while True:
        with engine.begin() as connection:
            count = connection.execute(statement).rowcount
        deleted += count
        if count < PRUNE_BATCH:
            break
    if deleted:
        log.info("processed events pruned", extra={"deleted": deleted, "before": cutoff.isoformat()})
    return deleted
