"""People, roles, mandates and groups as a reader sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.domain.people import Role
from bot.i18n import TP, Day, Lang, Lines, Localizable, Raw, T
from bot.storage.tables import Account, Person, WorkingGroup
from bot.storage.tables import Role as RoleRow

ADDRESSES = ("feminine", "masculine", "neutral")  # a person's form of address (/address); neutral: epicene
ADDRESS_NAMES = {"feminine": T("feminine"), "masculine": T("masculine"), "neutral": T("neutral (epicene)")}


# The three forms of each title, spelled out so that extraction sees each context.
ROLE_FORMS: dict[str, dict[str, TP]] = {
    Role.MEMBER: {"feminine": TP("feminine", "member"), "masculine": TP("masculine", "member"),
                  "neutral": TP("neutral", "member")},
    Role.COCHAIR: {"feminine": TP("feminine", "co-chair"), "masculine": TP("masculine", "co-chair"),
                   "neutral": TP("neutral", "co-chair")},
    Role.COMMITTEE: {"feminine": TP("feminine", "committee member"), "masculine": TP("masculine", "committee member"),
                     "neutral": TP("neutral", "committee member")},
    Role.SECRETARIAT: {"feminine": TP("feminine", "secretariat"), "masculine": TP("masculine", "secretariat"),
                       "neutral": TP("neutral", "secretariat")},
    Role.OBSERVER: {"feminine": TP("feminine", "observer"), "masculine": TP("masculine", "observer"),
                    "neutral": TP("neutral", "observer")},
    Role.ADMIN: {"feminine": TP("feminine", "admin"), "masculine": TP("masculine", "admin"),
                 "neutral": TP("neutral", "admin")},
}


def role_label(role: str, address: str | None = None) -> Localizable:
    """A role's title for a person addressed as `address` (coprésidente, coprésident, membre de la coprésidence)."""
    forms = ROLE_FORMS.get(role)
    return forms.get(address or "neutral", forms["neutral"]) if forms else Raw(role)


def address_of(session: Session, person_id: int) -> str:
    person = session.get(Person, person_id)
    return person.address if person is not None and person.address in ADDRESSES else "neutral"


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
        role_label(role.role, address_of(session, role.person_id)),
        T("of {group}", group=Raw(group.slug)) if group else None,
        T("until {date}", date=Day(last_day(role.until, tz))) if role.until and with_until else None,
    ], sep=" ")
