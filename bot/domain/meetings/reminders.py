"""Reminders before each meeting, and the bookkeeping of every reminder dealt with (`cadence_reminder`).

Each reminder dealt with is recorded (sent, or skipped because it was no longer useful), so the next one due moves
on and a restart never sends one twice. A meeting reminder's key holds the meeting's start: a moved meeting gets
reminders for its new time; a cancelled or held one gets none. When several reminders of the same meeting fell due
while the bot was down, only the latest is sent (the 1-hour one, not also the 7-day one).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.config import Config
from bot.domain.meetings import MeetingStatus
from bot.storage.tables import CadenceReminder, Meeting


def done_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of these reminders were dealt with: exact keys, a primary-key lookup whatever the history's size
    (a prefix `LIKE` scans the whole table on SQLite, and on PostgreSQL under a locale collation)."""
    return set(session.exec(select(CadenceReminder.key).where(col(CadenceReminder.key).in_(keys))).all())


def mark(session: Session, key: str, kind: str, sent: bool, now: datetime) -> None:
    """Record a reminder as dealt with (sent or skipped), once."""
    if session.get(CadenceReminder, key) is None:
        session.add(CadenceReminder(key=key, kind=kind, sent=sent, at=now))


def reminder_key(meeting: Meeting, lead: timedelta) -> str:
    return f"meeting:S{meeting.id}:{meeting.starts_at.isoformat()}:{int(lead.total_seconds())}"


def _leads(config: Config) -> list[timedelta]:
    return sorted(set(config.reminders.meeting_lead_times), reverse=True)


def _pending(session: Session, config: Config, meeting: Meeting) -> Iterator[tuple[datetime, timedelta]]:
    leads = _leads(config)
    done = done_keys(session, [reminder_key(meeting, lead) for lead in leads])
    for lead in leads:
        if reminder_key(meeting, lead) not in done:
            yield meeting.starts_at - lead, lead


def skip_past_reminders(session: Session, config: Config, meeting: Meeting, now: datetime) -> None:
    """On planning or moving: the reminders whose moment is already past are not sent (the announcement is)."""
    for moment, lead in _pending(session, config, meeting):
        if moment <= now:
            mark(session, reminder_key(meeting, lead), "meeting_reminder", False, now)


def _future_meetings(session: Session, now: datetime) -> list[Meeting]:
    return list(session.exec(select(Meeting).where(Meeting.status == MeetingStatus.PLANNED, Meeting.starts_at > now)
                             .order_by(col(Meeting.starts_at))).all())


def next_reminder(session: Session, config: Config, now: datetime) -> datetime | None:
    moments = [moment for meeting in _future_meetings(session, now)
               for moment, _ in _pending(session, config, meeting)]
    return min(moments) if moments else None


@dataclass(frozen=True)
class DueReminder:
    """The reminder to send now for `meeting`: the latest lead time due (the others are marked skipped)."""

    meeting: Meeting
    lead: timedelta

    @property
    def key(self) -> str:
        return reminder_key(self.meeting, self.lead)


def take_due_reminders(session: Session, config: Config, now: datetime) -> list[DueReminder]:
    """The reminders due now, one per meeting, each recorded as dealt with (the earlier leads as skipped)."""
    found = []
    for meeting in _future_meetings(session, now):
        due = [lead for moment, lead in _pending(session, config, meeting) if moment <= now]
        for lead in due:
            mark(session, reminder_key(meeting, lead), "meeting_reminder", lead == min(due), now)
        if due:
            found.append(DueReminder(meeting, min(due)))
    return found
