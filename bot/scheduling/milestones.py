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

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, func, select

from bot.config import Config
from bot.handlers.tracking import (
    OnDay,
    days_late,
    days_late_text,
    due_text,
    group_rooms,
    last_update_line,
    latest_updates,
    local_today,
    mref,
    overdue_from,
    people,
    secretariat_rooms,
    update_text,
)
from bot.i18n import TN, Day, Lines, Localizable, Raw, T
from bot.scheduling.due import JobContext, due_source
from bot.storage.tables import Commitment, KeyValue, Milestone, Room, StatusUpdate, WorkingGroup

OVERDUE_DIGEST_ANCHOR = datetime(2024, 1, 1, 9, 0)  # a Monday, 09:00 local time: the week's reminder
WEEKLY_DIGEST_ANCHOR = datetime(2024, 1, 5, 17, 0)  # a Friday, 17:00 local time: the week's summary
OVERDUE_DIGEST_STATE = "milestones.overdue_digest.slot"
WEEKLY_DIGEST_STATE = "milestones.weekly_digest.slot"
SILENT_AFTER = timedelta(days=30)
DUE_SOON = timedelta(days=30)
DIGEST_MIN_AGE = timedelta(days=1)  # an alert is not repeated in a digest the same day


# --------------------------------------------------------------------------- slots and state


def slot_index(moment: datetime, anchor: datetime, every: timedelta, tz: ZoneInfo) -> int:
    """The number of the last slot at or before `moment` (slots are anchor + k·every in local time)."""
    local = moment.astimezone(tz).replace(tzinfo=None)
    return (local - anchor) // every


def slot_at(index: int, anchor: datetime, every: timedelta, tz: ZoneInfo) -> datetime:
    return (anchor + index * every).replace(tzinfo=tz).astimezone(UTC)


def slot_after(moment: datetime, anchor: datetime, every: timedelta, tz: ZoneInfo) -> datetime:
    """The first slot strictly after `moment`."""
    index = slot_index(moment, anchor, every, tz)
    while slot_at(index, anchor, every, tz) <= moment:
        index += 1
    return slot_at(index, anchor, every, tz)


def slot_floor(moment: datetime, anchor: datetime, every: timedelta, tz: ZoneInfo) -> datetime:
    index = slot_index(moment, anchor, every, tz)
    while slot_at(index, anchor, every, tz) > moment:
        index -= 1
    return slot_at(index, anchor, every, tz)


def read_state(session: Session, key: str) -> datetime | None:
    row = session.get(KeyValue, key)
    return datetime.fromisoformat(row.value) if row else None


def write_state(session: Session, key: str, value: datetime) -> None:
    row = session.get(KeyValue, key)
    if row is None:
        session.add(KeyValue(key=key, value=value.isoformat()))
    else:
        row.value = value.isoformat()


# --------------------------------------------------------------------------- the overdue alert


def newly_overdue_query(today: date) -> Any:
    """Milestones whose due date has passed and that were neither done nor alerted (ix_milestone_overdue)."""
    return (select(Milestone, Commitment)
            .join(Commitment, col(Commitment.id) == col(Milestone.commitment_id))
            .where(col(Milestone.done_at).is_(None), col(Milestone.overdue_alerted_at).is_(None),
                   col(Milestone.due) < today)
            .order_by(col(Milestone.due), col(Milestone.id)))


def next_overdue(session: Session, config: Config, now: datetime) -> datetime | None:
    earliest = session.exec(select(func.min(Milestone.due)).where(
        col(Milestone.done_at).is_(None), col(Milestone.overdue_alerted_at).is_(None))).one()
    return overdue_from(earliest, config.tz) if earliest else None


@due_source("milestones.overdue", next_due=next_overdue)
def alert_overdue(job: JobContext) -> int:
    """One alert per newly overdue milestone: the secretariat's rooms and a notice in the group's rooms.

    Statements: a constant few (the milestones, their last updates, authors, rooms, the stamp) plus one INSERT
    per alert, whatever the number of milestones in the database.
    """
    session, tz = job.session, job.config.tz
    today = local_today(job.now, tz)
    rows = session.exec(newly_overdue_query(today)).all()
    if not rows:
        return 0
    updates = latest_updates(session, [c.id for _, c in rows if c.id is not None])
    authors = people(session, [u.person_id for u in updates.values()])
    secretariat = secretariat_rooms(session)
    groups = group_rooms(session, [c.group_id for _, c in rows])
    for milestone, commitment in rows:
        last = updates.get(commitment.id or 0)
        late = days_late_text(days_late(milestone, today))
        alert = Lines([
            T("⚠️ Milestone overdue: {ref} of {code} — {commitment}", ref=mref(milestone), code=Raw(commitment.code),
              commitment=Raw(commitment.title)),
            T("{title}, due {due}: {late}.", title=Raw(milestone.title), due=due_text(milestone), late=late),
            last_update_line(last, authors.get(last.person_id) if last else None),
        ])
        notice = Lines([
            T("⚠️ Milestone {ref} of {code} is overdue: {title}, due {due} ({late}).", ref=mref(milestone),
              code=Raw(commitment.code), title=Raw(milestone.title), due=due_text(milestone), late=late),
            T("Post an update with /update {ref}, or mark it done with /milestone done {ref} <evidence link>.",
              ref=mref(milestone)),
        ])
        messages: list[tuple[Room, Localizable]] = [(room, alert) for room in secretariat]
        messages += [(room, notice) for room in groups.get(commitment.group_id or 0, [])]
        job.outbox.to_rooms(messages, kind="milestone_overdue",
                            key=f"milestone:{milestone.id}:overdue:{milestone.due.isoformat()}")
    session.execute(update(Milestone).where(col(Milestone.id).in_([m.id for m, _ in rows]))
                    .values(overdue_alerted_at=job.now).execution_options(synchronize_session=False))
    return len(rows)


# --------------------------------------------------------------------------- the weekly overdue digest


def _still_late(session: Session, before: datetime | None = None) -> Sequence[tuple[Milestone, Commitment]]:
    query = (select(Milestone, Commitment).join(Commitment, col(Commitment.id) == col(Milestone.commitment_id))
             .where(col(Milestone.done_at).is_(None), col(Milestone.overdue_alerted_at).is_not(None)))
    if before is not None:
        query = query.where(col(Milestone.overdue_alerted_at) < before)
    return session.exec(query.order_by(col(Milestone.due), col(Milestone.id))).all()


def next_overdue_digest(session: Session, config: Config, now: datetime) -> datetime | None:
    first_alert = session.exec(select(func.min(Milestone.overdue_alerted_at)).where(
        col(Milestone.done_at).is_(None), col(Milestone.overdue_alerted_at).is_not(None))).one()
    if first_alert is None:
        return None
    base = read_state(session, OVERDUE_DIGEST_STATE) or first_alert.replace(tzinfo=UTC) + DIGEST_MIN_AGE
    return slot_after(base, OVERDUE_DIGEST_ANCHOR, config.reminders.overdue_digest_every, config.tz)


@due_source("milestones.overdue_digest", next_due=next_overdue_digest)
def overdue_digest(job: JobContext) -> int:
    """Everything still late (alerted at least a day before this slot, not done), to the secretariat, once per slot."""
    session, config = job.session, job.config
    slot = slot_floor(job.now, OVERDUE_DIGEST_ANCHOR, config.reminders.overdue_digest_every, config.tz)
    last = read_state(session, OVERDUE_DIGEST_STATE)
    if last is not None and slot <= last:
        return 0
    if next_overdue_digest(session, config, job.now) is None:
        return 0
    write_state(session, OVERDUE_DIGEST_STATE, slot)
    rows = _still_late(session, before=slot - DIGEST_MIN_AGE)
    if not rows:
        return 0
    today = local_today(job.now, config.tz)
    updates = latest_updates(session, [c.id for _, c in rows if c.id is not None])
    lines: list[Localizable] = [TN("⏰ Reminder: {n} milestone is still overdue.",
                                   "⏰ Reminder: {n} milestones are still overdue.", len(rows))]
    for milestone, commitment in rows:
        last_update = updates.get(commitment.id or 0)
        lines.append(Lines([
            Raw(f"• {mref(milestone).text} {commitment.code} — {milestone.title} — "), due_text(milestone),
            Raw(" — "), days_late_text(days_late(milestone, today)),
            Lines([Raw(" — "), T("last update {date}", date=OnDay(last_update.created_at))], sep="")
            if last_update else Lines([Raw(" — "), T("no update yet")], sep=""),
        ], sep=""))
    job.outbox.to_purpose("secretariat", Lines(lines), kind="overdue_digest",
                          key=f"overdue_digest:{slot.isoformat()}")
    return 1


# --------------------------------------------------------------------------- the weekly digest


def next_weekly_digest(session: Session, config: Config, now: datetime) -> datetime | None:
    first = session.exec(select(func.min(Commitment.created_at))).one()
    if first is None:
        return None
    base = read_state(session, WEEKLY_DIGEST_STATE) or first.replace(tzinfo=UTC)
    return slot_after(base, WEEKLY_DIGEST_ANCHOR, config.reminders.weekly_digest_every, config.tz)


def _digest(session: Session, commitments: list[Commitment], start: datetime, end: datetime, today: date,
            tz: ZoneInfo, silent: list[str] | None) -> Localizable | None:
    """The week's summary for these commitments; None when there is nothing at all to say."""
    ids = [c.id for c in commitments if c.id is not None]
    codes = {c.id: c.code for c in commitments}
    updates = session.exec(select(StatusUpdate).where(
        col(StatusUpdate.commitment_id).in_(ids), col(StatusUpdate.created_at) >= start,
        col(StatusUpdate.created_at) < end).order_by(col(StatusUpdate.id))).all()
    # Only what the digest can show (done this week, open and due by the 30-day horizon), not the history.
    milestones = session.exec(select(Milestone).where(
        col(Milestone.commitment_id).in_(ids),
        or_(and_(col(Milestone.done_at) >= start, col(Milestone.done_at) < end),
            and_(col(Milestone.done_at).is_(None), col(Milestone.due) <= today + DUE_SOON)))
        .order_by(col(Milestone.due), col(Milestone.id))).all()
    done = [m for m in milestones if m.done_at is not None and start <= m.done_at < end]
    soon = [m for m in milestones if m.done_at is None and today <= m.due <= today + DUE_SOON]
    late = [m for m in milestones if m.done_at is None and m.due < today]
    if not (updates or done or soon or late or silent):
        return None
    authors = people(session, [u.person_id for u in updates])

    def line(m: Milestone, tail: Localizable | None = None) -> Lines:
        return Lines([Raw(f"  • {mref(m).text} {codes[m.commitment_id]} — {m.title} — "), due_text(m),
                      Lines([Raw(" — "), tail], sep="") if tail else None], sep="")

    parts: list[Localizable | None] = [
        T("📋 Weekly digest, {start} – {end}", start=Day(start.astimezone(tz).date()), end=Day(today)),
        TN("{n} update received:", "{n} updates received:", len(updates)) if updates
        else T("No update received this week."),
        *(Lines([Raw(f"  • {codes[u.commitment_id]}" + (f" M{u.milestone_id}" if u.milestone_id else "") + " — "),
                 update_text(u, authors.get(u.person_id))], sep="") for u in updates),
        TN("{n} milestone done:", "{n} milestones done:", len(done)) if done else None,
        *(line(m) for m in done),
        TN("{n} milestone due in the next 30 days:", "{n} milestones due in the next 30 days:", len(soon))
        if soon else None,
        *(line(m) for m in soon),
        TN("{n} milestone late:", "{n} milestones late:", len(late)) if late else None,
        *(line(m, days_late_text(days_late(m, today))) for m in late),
    ]
    if silent is not None:
        parts.append(T("Groups without an update for 30 days: {groups}", groups=Raw(", ".join(silent)))
                     if silent else None)
    return Lines(parts)


@due_source("milestones.weekly_digest", next_due=next_weekly_digest)
def weekly_digest(job: JobContext) -> int:
    """Each group room gets its commitments' week; the secretariat gets everything, with the silent groups."""
    session, config = job.session, job.config
    every = config.reminders.weekly_digest_every
    slot = slot_floor(job.now, WEEKLY_DIGEST_ANCHOR, every, config.tz)
    last = read_state(session, WEEKLY_DIGEST_STATE)
    if last is not None and slot <= last:
        return 0
    if next_weekly_digest(session, config, job.now) is None:
        return 0
    write_state(session, WEEKLY_DIGEST_STATE, slot)
    commitments = list(session.exec(select(Commitment).where(col(Commitment.created_at) < slot)
                                    .order_by(col(Commitment.code))).all())
    if not commitments:
        return 0
    start, today, tz = slot - every, local_today(slot, config.tz), config.tz
    key = f"weekly_digest:{slot.isoformat()}"
    sent = 0
    by_group: dict[int, list[Commitment]] = {}
    for c in commitments:
        if c.group_id is not None:
            by_group.setdefault(c.group_id, []).append(c)
    rooms = group_rooms(session, by_group)
    for group_id, own in by_group.items():
        if not rooms.get(group_id):
            continue
        digest = _digest(session, own, start, slot, today, tz, None)
        if digest is not None:
            sent += job.outbox.to_rooms([(room, digest) for room in rooms[group_id]], kind="weekly_digest", key=key)
    silent = _silent_groups(session, by_group, slot)
    digest = _digest(session, commitments, start, slot, today, tz, silent)
    if digest is not None:
        sent += job.outbox.to_purpose("secretariat", digest, kind="weekly_digest", key=key)
    return sent


def _silent_groups(session: Session, by_group: dict[int, list[Commitment]], now: datetime) -> list[str]:
    """Groups following a commitment for more than 30 days with no update on any of them in 30 days."""
    since = now - SILENT_AFTER
    active = set(session.exec(select(StatusUpdate.commitment_id).where(col(StatusUpdate.created_at) >= since)).all())
    silent = []
    for group_id, own in by_group.items():
        if any(c.id in active for c in own) or all(c.created_at > since for c in own):
            continue
        group = session.get(WorkingGroup, group_id)
        silent.append(group.slug if group else str(group_id))
    return sorted(silent)
