"""Milestones falling due: the overdue alert (once), the weekly overdue digest, and the weekly digest.

The rows are the truth. A milestone is overdue from the day after its due date, 00:00 in the forum's time zone;
the alert pass takes every milestone with `done_at IS NULL AND overdue_alerted_at IS NULL AND due < today`
(an index lookup on ix_milestone_overdue), queues one message per alert with the idempotency key
`milestone:<id>:overdue:<due>` and stamps `overdue_alerted_at`, so a restart or a bot that was down over the due
date sends each alert exactly once. Digests fall on fixed slots (an anchor plus a multiple of the configured
interval, in local time); the last slot handled is kept in `key_value`, so each slot is handled at most once and
a bot that was down for weeks sends one digest, not one per missed week.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from bot.config import Config
from bot.domain import UnitOfWork
from bot.domain.tracking import overdue
from bot.domain.tracking.updates import latest_updates
from bot.i18n import Localizable
from bot.rules.progress import local_today, overdue_from, slot_after, slot_floor
from bot.scheduling.due import JobContext, due_source
from bot.storage.state import read_value, write_value
from bot.storage.tables import Room
from bot.wording.tracking import authors, overdue_alert, overdue_notice, overdue_reminder, weekly_digest_text

OVERDUE_DIGEST_ANCHOR = datetime(2024, 1, 1, 9, 0)  # a Monday, 09:00 local time: the week's reminder
WEEKLY_DIGEST_ANCHOR = datetime(2024, 1, 5, 17, 0)  # a Friday, 17:00 local time: the week's summary
OVERDUE_DIGEST_STATE = "milestones.overdue_digest.slot"
WEEKLY_DIGEST_STATE = "milestones.weekly_digest.slot"
DIGEST_MIN_AGE = timedelta(days=1)  # an alert is not repeated in a digest the same day


def read_slot(session: Session, key: str) -> datetime | None:
    value = read_value(session, key)
    return datetime.fromisoformat(value) if value else None


def _uow(job: JobContext) -> UnitOfWork:
    return UnitOfWork(job.session, job.outbox, job.now, job.config)


# --------------------------------------------------------------------------- the overdue alert


def next_overdue(session: Session, config: Config, now: datetime) -> datetime | None:
    earliest = overdue.earliest_unalerted_due(session)
    return overdue_from(earliest, config.tz) if earliest and earliest < date.max else None  # date.max: ongoing


@due_source("milestones.overdue", next_due=next_overdue)
def alert_overdue(job: JobContext) -> int:
    """One alert per newly overdue milestone: the secretariat's rooms and a notice in the group's rooms.

    Statements: a constant few (the milestones, their last updates, authors, rooms, the stamp) plus one INSERT
    per alert, whatever the number of milestones in the database.
    """
    session = job.session
    today = local_today(job.now, job.config.tz)
    rows = overdue.newly_overdue(session, today)
    if not rows:
        return 0
    updates = latest_updates(session, [c.id for _, c in rows if c.id is not None])
    who = authors(session, [u.person_id for u in updates.values()])
    secretariat = job.outbox.rooms_with_purpose("secretariat")
    groups = overdue.group_rooms(job.outbox, [c.group_id for _, c in rows])
    for milestone, commitment in rows:
        last = updates.get(commitment.id or 0)
        alert = overdue_alert(milestone, commitment, today, last, who.get(last.person_id) if last else None)
        notice = overdue_notice(milestone, commitment, today)
        messages: list[tuple[Room, Localizable]] = [(room, alert) for room in secretariat]
        messages += [(room, notice) for room in groups.get(commitment.group_id or 0, [])]
        job.outbox.to_rooms(messages, kind="milestone_overdue",
                            key=f"milestone:{milestone.id}:overdue:{milestone.due.isoformat()}")
    overdue.stamp_alerted(_uow(job), (m for m, _ in rows))
    return len(rows)


# --------------------------------------------------------------------------- the weekly overdue digest


def next_overdue_digest(session: Session, config: Config, now: datetime) -> datetime | None:
    first_alert = overdue.first_open_alert(session)
    if first_alert is None:
        return None
    base = read_slot(session, OVERDUE_DIGEST_STATE) or first_alert.replace(tzinfo=UTC) + DIGEST_MIN_AGE
    return slot_after(base, OVERDUE_DIGEST_ANCHOR, config.reminders.overdue_digest_every, config.tz)


def _claim_slot(session: Session, key: str, slot: datetime) -> bool:
    """Record `slot` as handled; False when it (or a later one) already was."""
    last = read_slot(session, key)
    if last is not None and slot <= last:
        return False
    write_value(session, key, slot.isoformat())
    return True


@due_source("milestones.overdue_digest", next_due=next_overdue_digest)
def overdue_digest(job: JobContext) -> int:
    """Everything still late (alerted at least a day before this slot, not done), to the secretariat, once per slot."""
    session, config = job.session, job.config
    slot = slot_floor(job.now, OVERDUE_DIGEST_ANCHOR, config.reminders.overdue_digest_every, config.tz)
    if next_overdue_digest(session, config, job.now) is None or not _claim_slot(session, OVERDUE_DIGEST_STATE, slot):
        return 0
    rows = overdue.still_late(session, alerted_before=slot - DIGEST_MIN_AGE)
    if not rows:
        return 0
    updates = latest_updates(session, [c.id for _, c in rows if c.id is not None])
    job.outbox.to_purpose("secretariat", overdue_reminder(rows, updates, local_today(job.now, config.tz)),
                          kind="overdue_digest", key=f"overdue_digest:{slot.isoformat()}")
    return 1


# --------------------------------------------------------------------------- the weekly digest


def next_weekly_digest(session: Session, config: Config, now: datetime) -> datetime | None:
    first = overdue.first_commitment_at(session)
    if first is None:
        return None
    base = read_slot(session, WEEKLY_DIGEST_STATE) or first.replace(tzinfo=UTC)
    return slot_after(base, WEEKLY_DIGEST_ANCHOR, config.reminders.weekly_digest_every, config.tz)


@due_source("milestones.weekly_digest", next_due=next_weekly_digest)
def weekly_digest(job: JobContext) -> int:
    """Each group room gets its commitments' week; the secretariat gets everything, with the silent groups."""
    session, config = job.session, job.config
    every = config.reminders.weekly_digest_every
    slot = slot_floor(job.now, WEEKLY_DIGEST_ANCHOR, every, config.tz)
    if next_weekly_digest(session, config, job.now) is None or not _claim_slot(session, WEEKLY_DIGEST_STATE, slot):
        return 0
    commitments = overdue.commitments_before(session, slot)
    if not commitments:
        return 0
    start, today = slot - every, local_today(slot, config.tz)
    key = f"weekly_digest:{slot.isoformat()}"
    sent = 0
    by_group = overdue.by_group(commitments)
    rooms = overdue.group_rooms(job.outbox, by_group)
    for group_id, own in by_group.items():
        if not rooms.get(group_id):
            continue
        digest = weekly_digest_text(session, overdue.week_of(session, own, start, slot, today), config.tz, None)
        if digest is not None:
            sent += job.outbox.to_rooms([(room, digest) for room in rooms[group_id]], kind="weekly_digest", key=key)
    silent = overdue.silent_groups(session, by_group, slot)
    digest = weekly_digest_text(session, overdue.week_of(session, commitments, start, slot, today), config.tz, silent)
    if digest is not None:
        sent += job.outbox.to_purpose("secretariat", digest, kind="weekly_digest", key=key)
    return sent
