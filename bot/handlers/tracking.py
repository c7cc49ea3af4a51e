"""Shared by commitments, milestones, updates and their scheduled alerts: wording, lookups, permissions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from bot.context import Context
from bot.errors import ArgError, PermissionDenied, UserError
from bot.i18n import TN, Day, Lang, Lines, Localizable, Percent, Raw, T
from bot.parsing import Kind, Period, Token
from bot.people import Who, active_roles, group_slug
from bot.rules.periods import ACCEPTED_FORMS_EXAMPLES, PeriodError, parse_period
from bot.storage.tables import Account, Commitment, Milestone, Person, Room, StatusUpdate

LEVELS = ("not_started", "limited", "substantial", "complete")
LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "not_started": ("not-started", "notstarted", "not_started", "non-commence", "non_commence", "noncommence",
                    "pas-commence"),
    "limited": ("limite",),
    "substantial": ("substantiel", "substantielle", "substantive"),
    "complete": ("completed", "complet", "complete", "termine", "acheve"),
}
LEVEL_LABELS = {"not_started": T("not started"), "limited": T("limited"), "substantial": T("substantial"),
                "complete": T("complete")}
# The IRM completion level and the progress must agree (see `check_progress_and_level`).
LEVEL_RANGES = {"not_started": (0, 0), "limited": (1, 99), "substantial": (1, 99), "complete": (100, 100)}


# --------------------------------------------------------------------------- argument kinds


class CommitmentCode(Kind):
    """A commitment's code such as FR0112 (any case)."""

    expected = T("a commitment code like FR0112")

    def convert(self, text: str) -> str:
        code = text.strip().upper()
        if not re.fullmatch(r"[A-Z]{2,5}-?\d{1,6}[A-Z]?", code):
            raise ValueError(text)
        return code


def accepted_forms() -> Raw:
    return Raw(", ".join(ACCEPTED_FORMS_EXAMPLES))


class DuePeriod(Period):
    """A due period of one to four words (`S1 2024`, `1er semestre 2024`, `second half of 2024`).

    The longest reading wins; when none works the refusal lists the accepted forms.
    """

    expected = T("a due period I understand. Accepted forms: {forms}", forms=accepted_forms())

    def parse(self, tokens: Sequence[Token], i: int, raw: str) -> tuple[Any, int]:
        for width in (4, 3, 2, 1):
            if i + width > len(tokens):
                continue
            try:
                return parse_period(" ".join(t.text for t in tokens[i:i + width])), i + width
            except PeriodError:
                continue
        shown = tokens[i].text
        if i + 1 < len(tokens) and re.fullmatch(r"\d{4}", tokens[i + 1].text):
            shown += " " + tokens[i + 1].text
        raise ArgError(T("“{value}” is not {expected}.", value=Raw(shown), expected=self.expected))


# --------------------------------------------------------------------------- wording


@dataclass(frozen=True)
class PeriodLabel:
    """A due period in the reader's language: S1 2024 / H1 2024, février 2024 / February 2024."""

    key: str

    def render(self, lang: Lang) -> str:
        period = parse_period(self.key)
        year = Raw(str(period.year))
        if period.kind == "day":
            return Day(period.end).render(lang)
        if period.kind == "month":
            return babel_dates.format_date(period.start, "LLLL y", locale=lang.locale)
        if period.kind == "quarter":
            return T("Q{n} {year}", n=Raw(str(period.index)), year=year).render(lang)
        if period.kind == "half":
            return T("H{n} {year}", n=Raw(str(period.index)), year=year).render(lang)
        return year.text


@dataclass(frozen=True)
class OnDay:
    """The day of a moment, in the reader's time zone (15 janvier 2024)."""

    value: datetime

    def render(self, lang: Lang) -> str:
        return Day(self.value.astimezone(lang.tz).date()).render(lang)


def period_label(milestone: Milestone) -> PeriodLabel:
    return PeriodLabel(milestone.period_key)


def due_text(milestone: Milestone) -> Localizable:
    """`S1 2024 (30 juin 2024)`; a single day is shown once."""
    if parse_period(milestone.period_key).kind == "day":
        return Day(milestone.due)
    return T("{period} ({due})", period=period_label(milestone), due=Day(milestone.due))


def mref(milestone: Milestone | int | None) -> Raw:
    number = milestone if isinstance(milestone, int) else (milestone.id if milestone else None)
    return Raw(f"M{number}")


def level_label(level: str | None) -> Localizable | None:
    return LEVEL_LABELS.get(level) if level else None


def progress_text(progress: int | None, level: str | None) -> Localizable | None:
    """`60 %, substantial` / `complete` / None."""
    parts: list[Localizable] = []
    if progress is not None:
        parts.append(Percent(progress / 100))
    label = level_label(level)
    if label is not None:
        parts.append(label)
    return Lines(parts, sep=", ") if parts else None


def days_late_text(days: int) -> TN:
    return TN("{n} day late", "{n} days late", days)


# --------------------------------------------------------------------------- time


def overdue_from(due: date, tz: ZoneInfo) -> datetime:
    """The moment a milestone becomes overdue: the day after its due date, 00:00 in the forum's time zone."""
    return datetime.combine(due + timedelta(days=1), time(0, 0), tzinfo=tz).astimezone(UTC)


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def days_late(milestone: Milestone, today: date) -> int:
    return (today - milestone.due).days


def is_late(milestone: Milestone, today: date) -> bool:
    return milestone.done_at is None and milestone.due < today


# --------------------------------------------------------------------------- lookups


_COMMITMENT_BY_CODE = select(Commitment).where(Commitment.code == bindparam("code"))


def commitment_by_code(session: Session, code: str) -> Commitment:
    found = session.exec(_COMMITMENT_BY_CODE, params={"code": code.upper()}).first()
    if found is None:
        raise UserError(T("There is no commitment {code}. Send /commitments to see them.", code=Raw(code)))
    return found


def milestone_by_number(session: Session, number: int) -> Milestone:
    milestone = session.get(Milestone, number)
    if milestone is None:
        raise UserError(T("There is no milestone M{id}. Send /milestones to see them.", id=Raw(str(number))))
    return milestone


def latest_updates(session: Session, commitment_ids: Iterable[int]) -> dict[int, StatusUpdate]:
    """The latest update of each commitment, in one query."""
    ids = list(set(commitment_ids))
    if not ids:
        return {}
    newest = (select(func.max(StatusUpdate.id)).where(col(StatusUpdate.commitment_id).in_(ids))
              .group_by(col(StatusUpdate.commitment_id)))
    rows = session.exec(select(StatusUpdate).where(col(StatusUpdate.id).in_(newest))).all()
    return {row.commitment_id: row for row in rows}


def latest_levels(session: Session, commitment_ids: Iterable[int]) -> dict[int, StatusUpdate]:
    """The latest update of each commitment that says a progress or a level."""
    ids = list(set(commitment_ids))
    if not ids:
        return {}
    newest = (select(func.max(StatusUpdate.id))
              .where(col(StatusUpdate.commitment_id).in_(ids),
                     (col(StatusUpdate.progress).is_not(None)) | (col(StatusUpdate.level).is_not(None)))
              .group_by(col(StatusUpdate.commitment_id)))
    rows = session.exec(select(StatusUpdate).where(col(StatusUpdate.id).in_(newest))).all()
    return {row.commitment_id: row for row in rows}


def people(session: Session, person_ids: Iterable[int]) -> dict[int, Who]:
    """Several people as readers should see them, in two queries."""
    ids = list(set(person_ids))
    if not ids:
        return {}
    persons = session.exec(select(Person).where(col(Person.id).in_(ids))).all()
    accounts = session.exec(select(Account).where(col(Account.person_id).in_(ids))).all()
    handles: dict[int, dict[str, str]] = {}
    for account in accounts:
        if account.handle:
            handles.setdefault(account.person_id, {})[account.network] = account.handle
    return {p.id: Who(p.display_name, handles.get(p.id, {})) for p in persons if p.id is not None}


def update_text(update: StatusUpdate, author: Who | None) -> Localizable:
    """`12 juin 2024 par @carol — 60 %, substantiel : texte` (the evidence link is part of the text)."""
    head = T("{date} by {who}", date=OnDay(update.created_at), who=author or Raw("?"))
    summary = progress_text(update.progress, update.level)
    if summary is not None:
        head = T("{head} — {progress}", head=head, progress=summary)
    return T("{label}: {text}", label=head, text=Raw(update.text))


def last_update_line(update: StatusUpdate | None, author: Who | None) -> Localizable:
    if update is None:
        return T("Last update: none yet.")
    return T("Last update: {update}", update=update_text(update, author))


def group_rooms(session: Session, group_ids: Iterable[int | None]) -> dict[int, list[Room]]:
    """The active rooms of these working groups, in one query."""
    ids = [g for g in set(group_ids) if g is not None]
    if not ids:
        return {}
    rooms = session.exec(select(Room).where(Room.purpose == "group", Room.active == True,  # noqa: E712
                                            col(Room.group_id).in_(ids)).order_by(col(Room.id))).all()
    found: dict[int, list[Room]] = {}
    for room in rooms:
        assert room.group_id is not None
        found.setdefault(room.group_id, []).append(room)
    return found


def secretariat_rooms(session: Session) -> list[Room]:
    return list(session.exec(select(Room).where(Room.purpose == "secretariat", Room.active == True)  # noqa: E712
                             .order_by(col(Room.id))).all())


# --------------------------------------------------------------------------- rules


def check_progress_and_level(progress: int | None, level: str | None) -> tuple[int | None, str | None]:
    """Refuse what is out of range or contradictory; fill what follows from the other value.

    complete ⇔ 100 %; not started ⇔ 0 %; limited and substantial lie between (1–99 %).
    """
    if progress is not None and not 0 <= progress <= 100:
        raise UserError(T("Progress is a percentage from 0 % to 100 %; {value} % is out of range.",
                          value=Raw(str(progress))))
    if level is not None and progress is not None:
        low, high = LEVEL_RANGES[level]
        if not low <= progress <= high:
            raise UserError(Lines([
                T("“{level}” and {value} % contradict each other.", level=LEVEL_LABELS[level],
                  value=Raw(str(progress))),
                T("Complete means 100 %, not started means 0 %, limited and substantial lie between 1 % and 99 %."),
            ]))
    if level is None and progress in (0, 100):
        level = "not_started" if progress == 0 else "complete"
    if progress is None and level in ("not_started", "complete"):
        progress = 0 if level == "not_started" else 100
    return progress, level


def may_report(ctx: Context, commitment: Commitment) -> bool:
    """Members of the commitment's group, co-chairs, the secretariat and admins."""
    if ctx.has_role("secretariat", "cochair"):
        return True
    roles = active_roles(ctx.session, ctx.person_id, ctx.now)
    if commitment.group_id is None:
        return any(r.role in ("member", "committee") for r in roles)
    return any(r.group_id == commitment.group_id and r.role in ("member", "cochair", "committee") for r in roles)


def require_reporter(ctx: Context, commitment: Commitment) -> None:
    if not may_report(ctx, commitment):
        slug = group_slug(ctx.session, commitment.group_id)
        if slug:
            raise PermissionDenied(T("Only members of the group {group}, the co-chairs and the secretariat may "
                                     "report on {code}.", group=Raw(slug), code=Raw(commitment.code)))
        raise PermissionDenied(T("Only members, the co-chairs and the secretariat may report on {code}.",
                                 code=Raw(commitment.code)))
