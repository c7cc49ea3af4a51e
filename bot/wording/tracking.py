"""The action plan as people read it: periods, levels, updates, and the overdue alerts and digests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from sqlmodel import Session, col, select

from bot.domain.tracking.overdue import Week
from bot.i18n import TN, Day, Lang, Lines, Localizable, Percent, Raw, T
from bot.rules.evidence import Evidence
from bot.rules.periods import parse_period
from bot.rules.progress import CompletionLevel, days_late
from bot.storage.tables import Account, Commitment, Milestone, Person, StatusUpdate
from bot.wording.people import Who

LEVEL_LABELS: dict[str, Localizable] = {
    CompletionLevel.NOT_STARTED: T("not started"), CompletionLevel.LIMITED: T("limited"),
    CompletionLevel.SUBSTANTIAL: T("substantial"), CompletionLevel.COMPLETE: T("complete"),
}


@dataclass(frozen=True)
class PeriodLabel:
    """A due period in the reader's language: S1 2024 / H1 2024, février 2024 / February 2024."""

    key: str

    def render(self, lang: Lang) -> str:
        period = parse_period(self.key)
        year = Raw(str(period.year))
        if period.kind == "ongoing":
            return T("ongoing").render(lang)
        if period.kind == "range":
            first, last = period.span.split("/")
            return f"{PeriodLabel(first).render(lang)} – {PeriodLabel(last).render(lang)}"
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


def due_text(milestone: Milestone) -> Localizable:
    """`S1 2024 (30 juin 2024)`; a single day is shown once; an ongoing milestone has no due date."""
    kind = parse_period(milestone.period_key).kind
    if kind == "day":
        return Day(milestone.due)
    if kind == "ongoing":
        return PeriodLabel(milestone.period_key)
    return T("{period} ({due})", period=PeriodLabel(milestone.period_key), due=Day(milestone.due))


def mref(milestone: Milestone | int | None) -> Raw:
    number = milestone if isinstance(milestone, int) else (milestone.id if milestone else None)
    return Raw(f"M{number}")


def progress_text(progress: int | None, level: str | None) -> Localizable | None:
    """`60 %, substantial` / `complete` / None."""
    parts: list[Localizable] = []
    if progress is not None:
        parts.append(Percent(progress / 100))
    label = LEVEL_LABELS.get(level) if level else None
    if label is not None:
        parts.append(label)
    return Lines(parts, sep=", ") if parts else None


def days_late_text(days: int) -> TN:
    return TN("{n} day late", "{n} days late", days)


def authors(session: Session, person_ids: Iterable[int]) -> dict[int, Who]:
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


# --------------------------------------------------------------------------- alerts


def late_done_notice(milestone: Milestone, commitment: Commitment, days: int, who: Who,
                     evidence: Evidence) -> Localizable:
    """To the secretariat and the group: a late milestone is done at last."""
    return Lines([
        T("✅ Late milestone {ref} of {code} is now done: {title} (due {due}, done {late}), marked by {who}.",
          ref=mref(milestone), code=Raw(commitment.code), title=Raw(milestone.title), due=due_text(milestone),
          late=days_late_text(days), who=who),
        T("Evidence: {link}", link=Raw(evidence.link)) if evidence.link and not evidence.note else None,
        T("Note: {note}", note=Raw(evidence.note)) if evidence.note else None,
    ])


def overdue_alert(milestone: Milestone, commitment: Commitment, today: date, last: StatusUpdate | None,
                  author: Who | None) -> Localizable:
    """To the secretariat: a milestone fell overdue, with the commitment's last update."""
    return Lines([
        T("⚠️ Milestone overdue: {ref} of {code} — {commitment}", ref=mref(milestone), code=Raw(commitment.code),
          commitment=Raw(commitment.title)),
        T("{title}, due {due}: {late}.", title=Raw(milestone.title), due=due_text(milestone),
          late=days_late_text(days_late(milestone.due, today))),
        last_update_line(last, author),
    ])


def overdue_notice(milestone: Milestone, commitment: Commitment, today: date) -> Localizable:
    """To the group: a milestone fell overdue, and what to do about it."""
    return Lines([
        T("⚠️ Milestone {ref} of {code} is overdue: {title}, due {due} ({late}).", ref=mref(milestone),
          code=Raw(commitment.code), title=Raw(milestone.title), due=due_text(milestone),
          late=days_late_text(days_late(milestone.due, today))),
        T("Post an update with /update {ref}, or mark it done with /milestone done {ref} <evidence link>.",
          ref=mref(milestone)),
    ])


def overdue_reminder(rows: Sequence[tuple[Milestone, Commitment]], updates: dict[int, StatusUpdate],
                     today: date) -> Localizable:
    """The weekly reminder of everything still overdue."""
    lines: list[Localizable] = [TN("⏰ Reminder: {n} milestone is still overdue.",
                                   "⏰ Reminder: {n} milestones are still overdue.", len(rows))]
    for milestone, commitment in rows:
        last_update = updates.get(commitment.id or 0)
        lines.append(Lines([
            Raw(f"• {mref(milestone).text} {commitment.code} — {milestone.title} — "), due_text(milestone),
            Raw(" — "), days_late_text(days_late(milestone.due, today)),
            Lines([Raw(" — "), T("last update {date}", date=OnDay(last_update.created_at))], sep="")
            if last_update else Lines([Raw(" — "), T("no update yet")], sep=""),
        ], sep=""))
    return Lines(lines)


# --------------------------------------------------------------------------- the weekly digest


def _digest_line(week: Week, m: Milestone, tail: Localizable | None = None) -> Lines:
    return Lines([Raw(f"  • {mref(m).text} {week.codes[m.commitment_id]} — {m.title} — "), due_text(m),
                  Lines([Raw(" — "), tail], sep="") if tail else None], sep="")


def _updates_part(session: Session, week: Week) -> list[Localizable]:
    who = authors(session, [u.person_id for u in week.updates])
    return [
        TN("{n} update received:", "{n} updates received:", len(week.updates)) if week.updates
        else T("No update received this week."),
        *(Lines([Raw(f"  • {week.codes[u.commitment_id]}" + (f" M{u.milestone_id}" if u.milestone_id else "")
                     + " — "), update_text(u, who.get(u.person_id))], sep="") for u in week.updates),
    ]


def weekly_digest_text(session: Session, week: Week, tz: ZoneInfo, silent: list[str] | None) -> Localizable | None:
    """The week's summary; None when there is nothing at all to say. `silent` only for the secretariat."""
    done, soon, late, today = week.done, week.soon, week.late, week.today
    if not (week.updates or done or soon or late or silent):
        return None
    parts: list[Localizable | None] = [
        T("📋 Weekly digest, {start} – {end}", start=Day(week.start.astimezone(tz).date()), end=Day(today)),
        *_updates_part(session, week),
        TN("{n} milestone done:", "{n} milestones done:", len(done)) if done else None,
        *(_digest_line(week, m) for m in done),
        TN("{n} milestone due in the next 30 days:", "{n} milestones due in the next 30 days:", len(soon))
        if soon else None,
        *(_digest_line(week, m) for m in soon),
        TN("{n} milestone late:", "{n} milestones late:", len(late)) if late else None,
        *(_digest_line(week, m, days_late_text(days_late(m.due, today))) for m in late),
    ]
    if silent is not None:
        parts.append(T("Groups without an update for 30 days: {groups}", groups=Raw(", ".join(silent)))
                     if silent else None)
    return Lines(parts)
