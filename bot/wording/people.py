"""People, roles, mandates and groups as a reader sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.domain.people import Role
from bot.i18n import Day, Lang, Lines, Raw, T
from bot.storage.tables import Account, Person, WorkingGroup
from bot.storage.tables import Role as RoleRow

ROLE_LABELS: dict[str, T] = {
    Role.MEMBER: T("member"), Role.COCHAIR: T("co-chair"), Role.COMMITTEE: T("committee member"),
    Role.SECRETARIAT: T("secretariat"), Role.OBSERVER: T("observer"), Role.ADMIN: T("admin"),
}


@dataclass(frozen=True)
class Who:
    """A person as a reader on a given network should see them (a mention where possible)."""

    display_name: str
    handles: dict[str, str] = field(default_factory=dict)

    def render(self, lang: Lang) -> str:
        handle = self.handles.get(lang.network)
        return "@" + handle if handle else self.display_name


def who(session: Session, person_id: int) -> Who:
    """The person `person_id` as a mention (or their name), `?` when unknown."""
    person = session.get(Person, person_id)
    if person is None:
        return Who("?")
    accounts = session.exec(select(Account).where(Account.person_id == person_id)).all()
    return Who(person.display_name, {a.network: a.handle for a in accounts if a.handle})


def last_day(until: datetime, tz: ZoneInfo) -> date:
    """A mandate ending at midnight ends, for people, on the day before."""
    return (until.astimezone(tz) - timedelta(microseconds=1)).date()


def role_text(session: Session, role: RoleRow, tz: ZoneInfo, with_until: bool = True) -> Lines:
    """`member of open-data until 30 June 2026`."""
    group = session.get(WorkingGroup, role.group_id) if role.group_id else None
    return Lines([
        ROLE_LABELS.get(role.role, Raw(role.role)),
        T("of {group}", group=Raw(group.slug)) if group else None,
        T("until {date}", date=Day(last_day(role.until, tz))) if role.until and with_until else None,
    ], sep=" ")
