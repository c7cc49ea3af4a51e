"""Meetings, shared by their commands and scheduled work: finding them, naming them for a reader, the rooms
concerned, local wall times, agendas, and the forum's cadence (groups every quarter, the plenary twice a year)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.config import Config
from bot.errors import UserError
from bot.i18n import Day, Lang, Lines, Localizable, Raw, T, When
from bot.notify import Outbox
from bot.parsing import Ref
from bot.rules.calendar import Cadence, CadencePeriod
from bot.storage.tables import AgendaItem, Meeting, Room, WorkingGroup

MEETING = Ref("S", T("a meeting id like S2"))
KINDS = ("group", "plenary", "committee")
PROPOSAL_REF = re.compile(r"(?<![\w/])[Pp](\d{1,9})\b")
DEFAULT_LENGTH = timedelta(hours=2)
REMINDER_HOUR = time(9, 0)


def get_meeting(session: Session, number: int) -> Meeting:
    """The meeting S<number>, or a refusal saying how to find the right id."""
    meeting = session.get(Meeting, number)
    if meeting is None:
        raise UserError(T("There is no meeting S{id}. Send /meetings to see the meetings planned.",
                          id=Raw(str(number))))
    return meeting


def group_of(session: Session, meeting: Meeting) -> WorkingGroup | None:
    return session.get(WorkingGroup, meeting.group_id) if meeting.group_id else None


def body_label(session: Session, meeting: Meeting) -> Localizable:
    """`working group open-data`, `plenary`, `management committee`."""
    if meeting.kind == "plenary":
        return T("plenary")
    if meeting.kind == "committee":
        return T("management committee")
    group = group_of(session, meeting)
    return T("working group {slug}", slug=Raw(group.slug if group else "?"))


def meeting_label(session: Session, meeting: Meeting) -> Localizable:
    """`S2 (working group open-data, June 10, 2024, 10:00)`."""
    return T("S{id} ({body}, {when})", id=Raw(str(meeting.id)), body=body_label(session, meeting),
             when=When(meeting.starts_at))


def rooms_concerned(outbox: Outbox, meeting: Meeting) -> list[Room]:
    """The rooms told about a meeting: its group's rooms, the plenary's, or the committee's."""
    if meeting.kind == "group":
        return outbox.rooms_with_purpose("group", meeting.group_id) if meeting.group_id else []
    return outbox.rooms_with_purpose(meeting.kind)


def tell_rooms(outbox: Outbox, meeting: Meeting, message: Localizable, *, kind: str, key: str,
               skip: Room | None = None) -> int:
    """Queue a message to every room concerned (except `skip`, usually where the command was sent)."""
    return sum(outbox.to_room(room, message, kind=kind, key=key)
               for room in rooms_concerned(outbox, meeting) if skip is None or room.id != skip.id)


def local_to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A wall time in `tz` as UTC; refuses the hour that does not exist when clocks go forward."""
    aware = local.replace(tzinfo=tz)
    utc = aware.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local:
        raise UserError(T("{time} does not exist in {zone}: the clocks change that night. Choose another time.",
                          time=Raw(local.strftime("%Y-%m-%d %H:%M")), zone=Raw(str(tz))))
    return utc


def agenda_items(session: Session, meeting_id: int) -> list[AgendaItem]:
    return list(session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
                             .order_by(col(AgendaItem.position), col(AgendaItem.id))).all())


def proposal_number(text: str) -> int | None:
    """The first proposal an agenda item names (`Vote on P7` → 7)."""
    match = PROPOSAL_REF.search(text)
    return int(match.group(1)) if match else None


def agenda_lines(session: Session, meeting: Meeting) -> Lines:
    """The agenda as a reader sees it: a title saying whether it is approved, then numbered items."""
    assert meeting.id is not None
    items = agenda_items(session, meeting.id)
    if not items:
        return Lines([T("No agenda yet.")])
    title = (T("Agenda (approved on {date}):", date=Day(meeting.agenda_approved_at.date()))
             if meeting.agenda_approved_at else T("Draft agenda:"))
    return Lines([title, *(Raw(f"{n}. {item.text}") for n, item in enumerate(items, start=1))])


def place_line(meeting: Meeting) -> Localizable | None:
    return T("Place: {place}", place=Raw(meeting.place)) if meeting.place else None


# The cadence watch


def group_cadence(config: Config) -> Cadence:
    return Cadence("quarter", config.cadence.group_period_months, 1)


def plenary_cadence(config: Config) -> Cadence:
    return Cadence("half", config.cadence.plenary_period_months, config.cadence.plenary_start_month)


@dataclass(frozen=True)
class PeriodLabel:
    """`Q2 2024` / `T2 2024`, `H1 2024` / `S1 2024`, or the period's dates when it is not a calendar one."""

    cadence: Cadence
    period: CadencePeriod

    def render(self, lang: Lang) -> str:
        start, step = self.period.start, self.cadence.months_per_period
        if self.cadence.aligned and step == 3:
            return T("Q{n} {year}", n=Raw(str((start.month - 1) // 3 + 1)), year=Raw(str(start.year))).render(lang)
        if self.cadence.aligned and step == 6:
            return T("H{n} {year}", n=Raw(str((start.month - 1) // 6 + 1)), year=Raw(str(start.year))).render(lang)
        return T("{start} to {end}", start=Day(start), end=Day(self.period.end)).render(lang)


def at_local(day: date, config: Config, at: time = REMINDER_HOUR) -> datetime:
    """`day` at a local wall time, as UTC."""
    return datetime.combine(day, at, tzinfo=config.tz).astimezone(UTC)


def period_bounds_utc(period: CadencePeriod, config: Config) -> tuple[datetime, datetime]:
    """[start, end) of a period in UTC, from local midnights."""
    return (at_local(period.start, config, time(0, 0)),
            at_local(period.end + timedelta(days=1), config, time(0, 0)))


def _body_filter(kind: str, group_id: int | None) -> Sequence[object]:
    conditions: list[object] = [Meeting.kind == kind]
    if kind == "group":
        conditions.append(Meeting.group_id == group_id)
    return conditions


def meetings_in(session: Session, kind: str, group_id: int | None, start: datetime, end: datetime,
                statuses: tuple[str, ...]) -> list[Meeting]:
    return list(session.exec(select(Meeting).where(
        *_body_filter(kind, group_id), col(Meeting.status).in_(statuses),  # type: ignore[arg-type]
        Meeting.starts_at >= start, Meeting.starts_at < end).order_by(col(Meeting.starts_at))).all())


def last_held(session: Session, kind: str, group_id: int | None) -> Meeting | None:
    return session.exec(select(Meeting).where(*_body_filter(kind, group_id),  # type: ignore[arg-type]
                                              Meeting.status == "held")
                        .order_by(col(Meeting.starts_at).desc())).first()


def next_planned(session: Session, kind: str, group_id: int | None, now: datetime) -> Meeting | None:
    return session.exec(select(Meeting).where(*_body_filter(kind, group_id),  # type: ignore[arg-type]
                                              Meeting.status == "planned", Meeting.starts_at > now)
                        .order_by(col(Meeting.starts_at))).first()


def upcoming(session: Session, now: datetime, grace: timedelta = timedelta(hours=3)) -> list[Meeting]:
    """Planned meetings not yet over (one that began less than `grace` ago still counts)."""
    return list(session.exec(select(Meeting).where(Meeting.status == "planned", Meeting.starts_at > now - grace)
                             .order_by(col(Meeting.starts_at), col(Meeting.id))).all())

