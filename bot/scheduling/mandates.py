"""Mandates coming to an end: the secretariat and the person are told ahead (default 60 days)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.config import Config
from bot.domain.colleges import cochair_gap_when_ending
from bot.i18n import Day, T
from bot.scheduling.due import JobContext, due_source
from bot.storage.tables import Person, Role
from bot.wording.colleges import breaches_text
from bot.wording.people import last_day, role_text, who


def next_mandate_warning(session: Session, config: Config, now: datetime) -> datetime | None:
    earliest = session.exec(select(func.min(Role.until)).where(
        col(Role.until).is_not(None), col(Role.ending_warned_at).is_(None))).first()
    return earliest - config.reminders.mandate_warning_before if earliest else None


@due_source("mandates.ending", next_due=next_mandate_warning)
def warn_mandates_ending(job: JobContext) -> int:
    """Warn once per mandate; one that already ended while the bot was down is only marked."""
    horizon = job.now + job.config.reminders.mandate_warning_before
    roles = job.session.exec(select(Role).where(col(Role.until).is_not(None), col(Role.ending_warned_at).is_(None),
                                                col(Role.until) <= horizon).order_by(col(Role.until))).all()
    sent = 0
    for role in roles:
        role.ending_warned_at = job.now
        assert role.until is not None
        if role.until <= job.now:
            continue
        person = job.session.get(Person, role.person_id)
        if person is None:
            continue
        ends = Day(last_day(role.until, job.config.tz))
        held = role_text(job.session, role, job.config.tz, with_until=False)
        key = f"mandate:{role.id}:ending:{role.until.date().isoformat()}"
        job.outbox.to_purpose("secretariat", T("⏳ The mandate of {who} ({role}) ends on {date}. Renew it with "
                                               "/role, or plan the election.", who=who(job.session, role.person_id),
                                               role=held, date=ends), kind="mandate_ending", key=key)
        gap = cochair_gap_when_ending(job.session, job.config.colleges, role, role.until)
        if gap:
            job.outbox.to_purpose("secretariat", T("⚠️ Parity: when this mandate ends, {why}.",
                                                   why=breaches_text(gap)), kind="parity_alert", key=key + ":parity")
        job.outbox.to_person(person, T("⏳ Your mandate ({role}) ends on {date}.", role=held, date=ends),
                             kind="mandate_ending", key=key)
        sent += 1
    return sent
