"""Shared wording: roles, mandates and groups as a reader sees them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.i18n import Day, Lines, Raw, T
from bot.storage.tables import Role, WorkingGroup

ROLE_LABELS = {
    "member": T("member"), "cochair": T("co-chair"), "committee": T("committee member"),
    "secretariat": T("secretariat"), "observer": T("observer"), "admin": T("admin"),
}


def last_day(until: datetime, tz: ZoneInfo) -> date:
    """A mandate ending at midnight ends, for people, on the day before."""
    return (until.astimezone(tz) - timedelta(microseconds=1)).date()


def role_text(session: Session, role: Role, tz: ZoneInfo, with_until: bool = True) -> Lines:
    """`member of open-data until 30 June 2026`."""
    group = session.get(WorkingGroup, role.group_id) if role.group_id else None
    return Lines([
        ROLE_LABELS.get(role.role, Raw(role.role)),
        T("of {group}", group=Raw(group.slug)) if group else None,
        T("until {date}", date=Day(last_day(role.until, tz))) if role.until and with_until else None,
    ], sep=" ")
