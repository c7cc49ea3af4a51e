"""The forum's cadence: groups meet every quarter, the plenary twice a year. Queries for /cadence and the watch
that reminds a group or the plenary when nothing is planned (first reminder) or held (second) in the period."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.config import Config
from bot.domain.meetings import MeetingKind, MeetingStatus, at_local
from bot.domain.meetings.reminders import done_keys, mark
from bot.domain.rooms import RoomPurpose
from bot.rules.calendar import Cadence, CadencePeriod
from bot.storage.tables import Meeting, Room, WorkingGroup


def group_cadence(config: Config) -> Cadence:
    return Cadence("quarter", config.cadence.group_period_months, 1)


def plenary_cadence(config: Config) -> Cadence:
    return Cadence("half", config.cadence.plenary_period_months, config.cadence.plenary_start_month)


def period_bounds_utc(period: CadencePeriod, config: Config) -> tuple[datetime, datetime]:
    """[start, end) of a period in UTC, from local midnights."""
    return (at_local(period.start, config, time(0, 0)),
            at_local(period.end + timedelta(days=1), config, time(0, 0)))


def _body_filter(kind: str, group_id: int | None) -> Sequence[object]:
    conditions: list[object] = [Meeting.kind == kind]
    if kind == MeetingKind.GROUP:
        conditions.append(Meeting.group_id == group_id)
    return conditions


def meetings_in(session: Session, kind: str, group_id: int | None, start: datetime, end: datetime,
                statuses: tuple[str, ...]) -> list[Meeting]:
    return list(session.exec(select(Meeting).where(
        *_body_filter(kind, group_id), col(Meeting.status).in_(statuses),  # type: ignore[arg-type]
        Meeting.starts_at >= start, Meeting.starts_at < end).order_by(col(Meeting.starts_at))).all())


def last_held(session: Session, kind: str, group_id: int | None) -> Meeting | None:
    return session.exec(select(Meeting).where(*_body_filter(kind, group_id),  # type: ignore[arg-type]
                                              Meeting.status == MeetingStatus.HELD)
                        .order_by(col(Meeting.starts_at).desc())).first()


def next_planned(session: Session, kind: str, group_id: int | None, now: datetime) -> Meeting | None:
    return session.exec(select(Meeting).where(*_body_filter(kind, group_id),  # type: ignore[arg-type]
                                              Meeting.status == MeetingStatus.PLANNED, Meeting.starts_at > now)
                        .order_by(col(Meeting.starts_at))).first()


class PeriodState(StrEnum):
    KEPT = "kept"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"  # nothing held or planned yet, but the period has not ended
    NOT_KEPT = "not_kept"


def period_state(session: Session, config: Config, kind: str, group_id: int | None, period: CadencePeriod,
                 now: datetime) -> PeriodState:
    """Whether the rule is kept in `period`: a meeting held, else one still planned, else still running (in
    progress), else (once the period has ended) not kept."""
    start, end = period_bounds_utc(period, config)
    if meetings_in(session, kind, group_id, start, end, (MeetingStatus.HELD,)):
        return PeriodState.KEPT
    if meetings_in(session, kind, group_id, max(start, now), end, (MeetingStatus.PLANNED,)):
        return PeriodState.PLANNED
    return PeriodState.IN_PROGRESS if now < end else PeriodState.NOT_KEPT


def days_left(period: CadencePeriod, config: Config, now: datetime) -> int:
    """Days until the period ends, today included (1 on its last day)."""
    return max((period.end - now.astimezone(config.tz).date()).days + 1, 0)


# The watch


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

    @property
    def group_id(self) -> int | None:
        return self.group.id if self.group else None


def watches(session: Session, config: Config) -> list[Watch]:
    found = [Watch(MeetingKind.GROUP, group, group_cadence(config), group.created_at)
             for group in session.exec(select(WorkingGroup).order_by(col(WorkingGroup.id))).all()]
    first_room = session.exec(select(Room).where(col(Room.purpose).in_((RoomPurpose.PLENARY,
                                                                        RoomPurpose.SECRETARIAT)))
                              .order_by(col(Room.created_at))).first()
    if first_room is not None:
        found.append(Watch(MeetingKind.PLENARY, None, plenary_cadence(config), first_room.created_at))
    return found


def _moments(period: CadencePeriod, config: Config) -> list[tuple[str, datetime]]:
    """(`first` at the period's start, `second` before its end), as UTC moments."""
    first = at_local(period.start, config)
    second = at_local(period.end + timedelta(days=1) - config.cadence.second_reminder_before_end, config)
    return [("first", first), ("second", max(second, first))]


def _key(watch: Watch, period: CadencePeriod, which: str) -> str:
    return f"{watch.prefix}:{period.key}:{which}"


def _pending(session: Session, config: Config, watch: Watch, now: datetime
             ) -> Iterator[tuple[str, datetime, CadencePeriod]]:
    """Reminders owed in the current period and the next one, not yet dealt with."""
    today = now.astimezone(config.tz).date()
    current = watch.cadence.period_of(today)
    following = watch.cadence.period_of(watch.cadence.next_period_start(today))
    owed = [(_key(watch, period, which), which, moment, period) for period in (current, following)
            for which, moment in _moments(period, config) if moment >= watch.since]
    done = done_keys(session, [key for key, *_ in owed])
    for key, which, moment, period in owed:
        if key not in done:
            yield which, moment, period


def next_cadence(session: Session, config: Config, now: datetime) -> datetime | None:
    moments = [moment for watch in watches(session, config)
               for _, moment, _ in _pending(session, config, watch, now)]
    return min(moments) if moments else None


def _needs(session: Session, config: Config, watch: Watch, which: str, period: CadencePeriod,
           now: datetime) -> bool:
    """First reminder: nothing planned in the period. Second: nothing held, and nothing still to come."""
    start, end = period_bounds_utc(period, config)
    if which == "first":
        return not meetings_in(session, watch.kind, watch.group_id, start, end,
                               (MeetingStatus.PLANNED, MeetingStatus.HELD))
    if meetings_in(session, watch.kind, watch.group_id, start, end, (MeetingStatus.HELD,)):
        return False
    return not meetings_in(session, watch.kind, watch.group_id, max(now, start), end, (MeetingStatus.PLANNED,))


@dataclass(frozen=True)
class CadenceNotice:
    """A cadence reminder to send now: `which` is `first` or `second`."""

    watch: Watch
    which: str
    period: CadencePeriod
    key: str


def take_due_cadence(session: Session, config: Config, now: datetime) -> list[CadenceNotice]:
    """The cadence reminders to send now, each recorded as dealt with (the ones no longer needed as skipped)."""
    found = []
    for watch in watches(session, config):
        due = [(which, moment, period) for which, moment, period in _pending(session, config, watch, now)
               if moment <= now]
        if not due:
            continue
        latest = max(due, key=lambda item: item[1])
        for which, _, period in due:
            key = _key(watch, period, which)
            send = (which, period) == (latest[0], latest[2]) and _needs(session, config, watch, which, period, now)
            mark(session, key, watch.notice_kind, send, now)
            if send:
                found.append(CadenceNotice(watch, which, period, key))
    return found
