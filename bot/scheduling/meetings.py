"""Scheduled work of meetings: reminders before each meeting, the cadence watch, and action items due.

Each reminder dealt with is recorded in `cadence_reminder` (sent, or skipped because it was no longer useful), so
`next_due` moves on and a restart never sends one twice. A meeting reminder's key holds the meeting's start: a
moved meeting gets reminders for its new time; a cancelled or held one gets none. When several reminders of the
same thing fell due while the bot was down, only the latest is sent (the 1-hour one, not also the 7-day one).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.config import Config
from bot.i18n import TN, Day, Lines, Localizable, Raw, T, When
from bot.meetings import (
    PeriodLabel,
    agenda_lines,
    at_local,
    body_label,
    group_cadence,
    meetings_in,
    period_bounds_utc,
    place_line,
    plenary_cadence,
    tell_rooms,
)
from bot.people import who
from bot.rules.calendar import Cadence, CadencePeriod
from bot.scheduling.due import JobContext, due_source
from bot.storage.tables import ActionItem, CadenceReminder, Meeting, Person, Room, WorkingGroup


def _done_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of these reminders were dealt with: exact keys, a primary-key lookup whatever the history's size
    (a prefix `LIKE` scans the whole table on SQLite, and on PostgreSQL under a locale collation)."""
    return set(session.exec(select(CadenceReminder.key).where(col(CadenceReminder.key).in_(keys))).all())


def _mark(session: Session, key: str, kind: str, sent: bool, now: datetime) -> None:
    if session.get(CadenceReminder, key) is None:
        session.add(CadenceReminder(key=key, kind=kind, sent=sent, at=now))


# Reminders before each meeting


def reminder_key(meeting: Meeting, lead: timedelta) -> str:
    return f"meeting:S{meeting.id}:{meeting.starts_at.isoformat()}:{int(lead.total_seconds())}"


def _leads(config: Config) -> list[timedelta]:
    return sorted(set(config.reminders.meeting_lead_times), reverse=True)


def _pending_reminders(session: Session, config: Config, meeting: Meeting) -> Iterator[tuple[datetime, timedelta]]:
    leads = _leads(config)
    done = _done_keys(session, [reminder_key(meeting, lead) for lead in leads])
    for lead in leads:
        if reminder_key(meeting, lead) not in done:
            yield meeting.starts_at - lead, lead


def skip_past_reminders(session: Session, config: Config, meeting: Meeting, now: datetime) -> None:
    """On planning or moving: the reminders whose moment is already past are not sent (the announcement is)."""
    for moment, lead in _pending_reminders(session, config, meeting):
        if moment <= now:
            _mark(session, reminder_key(meeting, lead), "meeting_reminder", False, now)


def _future_meetings(session: Session, now: datetime) -> list[Meeting]:
    return list(session.exec(select(Meeting).where(Meeting.status == "planned", Meeting.starts_at > now)
                             .order_by(col(Meeting.starts_at))).all())


def next_reminder(session: Session, config: Config, now: datetime) -> datetime | None:
    moments = [moment for meeting in _future_meetings(session, now)
               for moment, _ in _pending_reminders(session, config, meeting)]
    return min(moments) if moments else None


def _lead_text(lead: timedelta) -> Localizable:
    seconds = int(lead.total_seconds())
    if seconds % 86400 == 0:
        return TN("in {n} day", "in {n} days", seconds // 86400)
    if seconds % 3600 == 0:
        return TN("in {n} hour", "in {n} hours", seconds // 3600)
    return TN("in {n} minute", "in {n} minutes", max(seconds // 60, 1))


def reminder_message(session: Session, meeting: Meeting, lead: timedelta) -> Lines:
    return Lines([T("Reminder: meeting S{id} ({body}) {lead}, on {when}.", id=Raw(str(meeting.id)),
                    body=body_label(session, meeting), lead=_lead_text(lead), when=When(meeting.starts_at)),
                  place_line(meeting), agenda_lines(session, meeting)])


@due_source("meetings.remind", next_due=next_reminder)
def send_meeting_reminders(job: JobContext) -> int:
    sent = 0
    for meeting in _future_meetings(job.session, job.now):
        due = [(moment, lead) for moment, lead in _pending_reminders(job.session, job.config, meeting)
               if moment <= job.now]
        if not due:
            continue
        latest = min(lead for _, lead in due)
        for _, lead in due:
            _mark(job.session, reminder_key(meeting, lead), "meeting_reminder", lead == latest, job.now)
        tell_rooms(job.outbox, meeting, reminder_message(job.session, meeting, latest), kind="meeting_reminder",
                   key=reminder_key(meeting, latest))
        sent += 1
    return sent


# The cadence watch: groups every quarter, the plenary twice a year


@dataclass(frozen=True)
class Watch:
    """One cadence obligation: a group's quarterly meeting, or the plenary's half-yearly one."""

    kind: str  # group | plenary
    group: WorkingGroup | None
    cadence: Cadence
    since: datetime  # reminders before this moment are not owed (the group did not exist yet)

    @property
    def prefix(self) -> str:
        return f"cadence:g{self.group.id}" if self.group else "plenary"

    @property
    def notice_kind(self) -> str:
        return "cadence_reminder" if self.group else "plenary_reminder"


def watches(session: Session, config: Config) -> list[Watch]:
    found = [Watch("group", group, group_cadence(config), group.created_at)
             for group in session.exec(select(WorkingGroup).order_by(col(WorkingGroup.id))).all()]
    first_room = session.exec(select(Room).where(col(Room.purpose).in_(("plenary", "secretariat")))
                              .order_by(col(Room.created_at))).first()
    if first_room is not None:
        found.append(Watch("plenary", None, plenary_cadence(config), first_room.created_at))
    return found


def _moments(watch: Watch, period: CadencePeriod, config: Config) -> list[tuple[str, datetime]]:
    """(`first` at the period's start, `second` before its end), as UTC moments."""
    first = at_local(period.start, config)
    second = at_local(period.end + timedelta(days=1) - config.cadence.second_reminder_before_end, config)
    return [("first", first), ("second", max(second, first))]


def _pending_cadence(session: Session, config: Config, watch: Watch, now: datetime
                     ) -> Iterator[tuple[str, datetime, CadencePeriod]]:
    """Reminders owed in the current period and the next one, not yet dealt with."""
    today = now.astimezone(config.tz).date()
    current = watch.cadence.period_of(today)
    following = watch.cadence.period_of(watch.cadence.next_period_start(today))
    owed = [(f"{watch.prefix}:{period.key}:{which}", which, moment, period) for period in (current, following)
            for which, moment in _moments(watch, period, config) if moment >= watch.since]
    done = _done_keys(session, [key for key, *_ in owed])
    for key, which, moment, period in owed:
        if key not in done:
            yield which, moment, period


def next_cadence(session: Session, config: Config, now: datetime) -> datetime | None:
    moments = [moment for watch in watches(session, config)
               for _, moment, _ in _pending_cadence(session, config, watch, now)]
    return min(moments) if moments else None


def _group_id(watch: Watch) -> int | None:
    return watch.group.id if watch.group else None


def cadence_message(watch: Watch, which: str, period: CadencePeriod, config: Config) -> Localizable:
    label = PeriodLabel(watch.cadence, period)
    if watch.group is not None:
        slug = Raw(watch.group.slug)
        if which == "first":
            return T("The working group {slug} has no meeting planned for {period}. Working groups meet once a "
                     "quarter: please plan one with /meeting plan {slug} <YYYY-MM-DD HH:MM> [place].",
                     slug=slug, period=label)
        return T("{period} ends on {end} and the working group {slug} has not met yet. Please plan a meeting "
                 "with /meeting plan {slug} <YYYY-MM-DD HH:MM> [place], or post the minutes of the one held.",
                 slug=slug, period=label, end=Day(period.end))
    if which == "first":
        return T("No plenary is planned for {period}. The plenary meets twice a year: please plan it with "
                 "/meeting plan plenary <YYYY-MM-DD HH:MM> [place].", period=label)
    return T("{period} ends on {end} and the plenary has not met yet. Please plan it with /meeting plan plenary "
             "<YYYY-MM-DD HH:MM> [place], or post the minutes of the one held.", period=label, end=Day(period.end))


def _needs(session: Session, config: Config, watch: Watch, which: str, period: CadencePeriod,
           now: datetime) -> bool:
    """First reminder: nothing planned in the period. Second: nothing held, and nothing still to come."""
    start, end = period_bounds_utc(period, config)
    group_id = _group_id(watch)
    if which == "first":
        return not meetings_in(session, watch.kind, group_id, start, end, ("planned", "held"))
    if meetings_in(session, watch.kind, group_id, start, end, ("held",)):
        return False
    return not meetings_in(session, watch.kind, group_id, max(now, start), end, ("planned",))


@due_source("meetings.cadence", next_due=next_cadence)
def send_cadence_reminders(job: JobContext) -> int:
    sent = 0
    for watch in watches(job.session, job.config):
        due = [(which, moment, period) for which, moment, period
               in _pending_cadence(job.session, job.config, watch, job.now) if moment <= job.now]
        if not due:
            continue
        latest = max(due, key=lambda item: item[1])
        for which, _, period in due:
            key = f"{watch.prefix}:{period.key}:{which}"
            send = (which, period) == (latest[0], latest[2]) and _needs(job.session, job.config, watch, which,
                                                                       period, job.now)
            _mark(job.session, key, watch.notice_kind, send, job.now)
            if not send:
                continue
            message = cadence_message(watch, which, period, job.config)
            if watch.group is not None:
                job.outbox.to_purpose("group", message, kind=watch.notice_kind, key=key, group_id=watch.group.id)
            else:
                job.outbox.to_purpose("plenary", message, kind=watch.notice_kind, key=key)
            job.outbox.to_purpose("secretariat", message, kind=watch.notice_kind, key=key)
            sent += 1
    return sent


# Action items, reminded to their owner on the day they are due


def _action_moment(action: ActionItem, config: Config) -> datetime:
    assert action.due is not None
    return at_local(action.due, config)


def _open_actions(session: Session) -> list[ActionItem]:
    return list(session.exec(select(ActionItem).where(ActionItem.done == False,  # noqa: E712
                                                      col(ActionItem.due).is_not(None),
                                                      col(ActionItem.reminded_at).is_(None))).all())


def next_action(session: Session, config: Config, now: datetime) -> datetime | None:
    moments = [_action_moment(action, config) for action in _open_actions(session)]
    return min(moments) if moments else None


@due_source("meetings.actions", next_due=next_action)
def remind_actions(job: JobContext) -> int:
    sent = 0
    for action in _open_actions(job.session):
        if _action_moment(action, job.config) > job.now:
            continue
        action.reminded_at = job.now
        owner = job.session.get(Person, action.owner_id)
        meeting = job.session.get(Meeting, action.meeting_id)
        assert owner is not None and owner.id is not None and meeting is not None
        message = T("Action due today ({due}), from meeting S{id}: {text}", due=Day(action.due or job.now.date()),
                    id=Raw(str(meeting.id)), text=Raw(action.text))
        key = f"action:{action.id}:due"
        if not job.outbox.to_person(owner, message, kind="action_due", key=key):
            tell_rooms(job.outbox, meeting, T("{who}, action due today ({due}), from meeting S{id}: {text}",
                                              who=who(job.session, owner.id), due=Day(action.due or job.now.date()),
                                              id=Raw(str(meeting.id)), text=Raw(action.text)),
                       kind="action_due", key=key)
        sent += 1
    return sent

