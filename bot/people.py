"""Who is who: people, their accounts, rooms, and the roles they hold at a given time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from bot.config import Config
from bot.i18n import Lang, normalize_language
from bot.storage.prebuilt import run
from bot.storage.tables import Account, Person, Role, Room, WorkingGroup

VOTING_ROLES = frozenset({"member", "cochair", "committee"})
ROLES = ("member", "cochair", "committee", "secretariat", "observer", "admin")


# Built once (bot/storage/prebuilt.py says why): every message identifies its sender, room and roles.
_ACCOUNT_WITH_PERSON = (select(Account, Person).join(Person, col(Person.id) == Account.person_id)
                        .where(Account.network == bindparam("network"),
                               Account.platform_user_id == bindparam("user_id")))
_ACCOUNTS = Account.__table__  # type: ignore[attr-defined]
_STAMP_SEEN = update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("account_id")).values(last_seen_at=bindparam("now"))
_ROOM = select(Room).where(Room.network == bindparam("network"),
                           Room.platform_room_id == bindparam("platform_room_id"))
_HOLDS_ROLE = (Role.person_id == bindparam("person_id"), Role.since <= bindparam("now"),
               or_(col(Role.until).is_(None), col(Role.until) > bindparam("now")))
_ACTIVE_ROLES = select(Role).where(*_HOLDS_ROLE)
_ACTIVE_ROLE_NAMES = select(Role.role).where(*_HOLDS_ROLE)


def handle_key(ref: str) -> str:
    """How a handle is compared: without the leading @, in lower case."""
    return ref.strip().lstrip("@").lower()


@dataclass(frozen=True)
class Who:
    """A person as a reader on a given network should see them (a mention where possible)."""

    display_name: str
    handles: dict[str, str] = field(default_factory=dict)

    def render(self, lang: Lang) -> str:
        handle = self.handles.get(lang.network)
        return "@" + handle if handle else self.display_name


def who(session: Session, person_id: int) -> Who:
    person = session.get(Person, person_id)
    if person is None:
        return Who("?")
    accounts = session.exec(select(Account).where(Account.person_id == person_id)).all()
    return Who(person.display_name, {a.network: a.handle for a in accounts if a.handle})


def identify(session: Session, config: Config, now: datetime, network: str, user_id: str,
             handle: str | None, display_name: str, locale_hint: str | None) -> tuple[Person, Account]:
    """Find or create the sender; a placeholder account made from an @mention is claimed by its handle."""
    # The account with its person in one query (the person is then in the session: `get` below costs nothing).
    found = session.exec(_ACCOUNT_WITH_PERSON, params={"network": network, "user_id": user_id}).first()
    account = found[0] if found else None
    key = handle_key(handle) if handle else None
    if account is None and key:
        account = session.exec(select(Account).where(Account.network == network, Account.handle == key,
                                                     col(Account.platform_user_id).is_(None))).first()
        if account is not None:
            account.platform_user_id = user_id
    if account is None:
        person = Person(display_name=display_name or handle or user_id, created_at=now)
        session.add(person)
        session.flush()
        assert person.id is not None
        account = Account(person_id=person.id, network=network, platform_user_id=user_id, handle=key)
        session.add(account)
    person_found = session.get(Person, account.person_id)
    assert person_found is not None
    person = person_found
    if key and account.handle != key:
        account.handle = key
    if display_name and person.display_name != display_name and person.display_name in (handle, user_id, key):
        person.display_name = display_name
    hint = normalize_language(locale_hint)
    if hint and person.locale_hint != hint:
        person.locale_hint = hint
    if account.id is None:
        account.last_seen_at = now
    elif account.last_seen_at != now:
        # One UPDATE, the account left unchanged in the session: the ORM's flush of it would cost more.
        run(session, _STAMP_SEEN, {"account_id": account.id, "now": now})
        set_committed_value(account, "last_seen_at", now)
    session.flush()
    if config.is_bootstrap_admin(network, user_id, handle) and "admin" not in roles_of(session, person, now):
        grant(session, person, "admin", None, now, None, None)
    return person, account


def resolve(session: Session, network: str, ref: str, now: datetime, create: bool = True) -> Person | None:
    """The person behind @ref on this network; unknown handles get a placeholder until they first write."""
    key = handle_key(ref)
    account = session.exec(select(Account).where(Account.network == network, Account.handle == key)).first()
    if account is None:
        if not create:
            return None
        person = Person(display_name=key.split(":")[0], created_at=now)
        session.add(person)
        session.flush()
        assert person.id is not None
        session.add(Account(person_id=person.id, network=network, platform_user_id=None, handle=key))
        session.flush()
        return person
    return session.get(Person, account.person_id)


def room_for(session: Session, now: datetime, network: str, platform_room_id: str, title: str,
             is_private: bool, person: Person | None) -> Room:
    """Find or create the room a message came from."""
    room = session.exec(_ROOM, params={"network": network, "platform_room_id": platform_room_id}).first()
    if room is None:
        room = Room(network=network, platform_room_id=platform_room_id, title=title, is_private=is_private,
                    person_id=person.id if (is_private and person) else None, created_at=now)
        session.add(room)
        session.flush()
    elif title and room.title != title:
        room.title = title
    if not room.active:
        room.active = True
    return room


def active_roles(session: Session, person_id: int, now: datetime) -> list[Role]:
    return list(session.exec(_ACTIVE_ROLES, params={"person_id": person_id, "now": now}).all())


def roles_of(session: Session, person: Person, now: datetime) -> set[str]:
    assert person.id is not None
    return set(run(session, _ACTIVE_ROLE_NAMES, {"person_id": person.id, "now": now}).scalars())


def grant(session: Session, person: Person, role: str, group: WorkingGroup | None, now: datetime,
          until: datetime | None, granted_by: Person | None) -> Role:
    """Give a role; an existing active one in the same scope gets the new mandate end instead."""
    assert person.id is not None
    group_id = group.id if group else None
    for existing in active_roles(session, person.id, now):
        if existing.role == role and existing.group_id == group_id:
            if existing.until != until:
                existing.until, existing.ending_warned_at = until, None  # a renewed mandate is warned again
            return existing
    granted = Role(person_id=person.id, role=role, group_id=group_id, since=now, until=until,
                   granted_by=granted_by.id if granted_by else None)
    session.add(granted)
    session.flush()
    return granted


def revoke(session: Session, person: Person, role: str, group: WorkingGroup | None, now: datetime) -> int:
    """End a role now; returns how many mandates were ended."""
    assert person.id is not None
    ended = 0
    for existing in active_roles(session, person.id, now):
        if existing.role == role and (group is None or existing.group_id == group.id):
            existing.until = now
            ended += 1
    return ended


def group_by_slug(session: Session, slug: str) -> WorkingGroup | None:
    return session.exec(select(WorkingGroup).where(WorkingGroup.slug == slug.lower())).first()


def group_slug(session: Session, group_id: int | None) -> str | None:
    group = session.get(WorkingGroup, group_id) if group_id else None
    return group.slug if group else None


def dm_account(session: Session, person_id: int) -> Account | None:
    """The account to write to privately: the one the person used last."""
    accounts = session.exec(select(Account).where(Account.person_id == person_id,
                                                  col(Account.platform_user_id).is_not(None))).all()
    if not accounts:
        return None
    epoch = datetime.min
    return max(accounts, key=lambda a: (a.last_seen_at.replace(tzinfo=None) if a.last_seen_at else epoch))
