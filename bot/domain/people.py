"""Who is who: people, their accounts, and the roles they hold at a given time."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from bot.audit import record_audit
from bot.config import Config
from bot.storage.prebuilt import run
from bot.storage.tables import Account, Person, WorkingGroup
from bot.storage.tables import Role as RoleRow


class Role(StrEnum):
    """The roles a person may hold (the `role.role` column holds these values)."""

    MEMBER = "member"
    COCHAIR = "cochair"
    COMMITTEE = "committee"
    SECRETARIAT = "secretariat"
    OBSERVER = "observer"
    ADMIN = "admin"


VOTING_ROLES = frozenset({Role.MEMBER, Role.COCHAIR, Role.COMMITTEE})
ROLES = tuple(Role)


# Built once (bot/storage/prebuilt.py says why): every message identifies its sender, room and roles.
_ACCOUNT_WITH_PERSON = (select(Account, Person).join(Person, col(Person.id) == Account.person_id)
                        .where(Account.network == bindparam("network"),
                               Account.platform_user_id == bindparam("user_id")))
_ACCOUNTS = Account.__table__  # type: ignore[attr-defined]
_STAMP_SEEN = update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("account_id")).values(last_seen_at=bindparam("now"))
_HOLDS_ROLE = (RoleRow.person_id == bindparam("person_id"), RoleRow.since <= bindparam("now"),
               or_(col(RoleRow.until).is_(None), col(RoleRow.until) > bindparam("now")))
_ACTIVE_ROLES = select(RoleRow).where(*_HOLDS_ROLE)
_ACTIVE_ROLE_NAMES = select(RoleRow.role).where(*_HOLDS_ROLE)


def handle_key(ref: str) -> str:
    """How a handle is compared: without the leading @, in lower case."""
    return ref.strip().lstrip("@").lower()


def _account_of(session: Session, now: datetime, network: str, user_id: str, key: str | None,
                display_name: str) -> tuple[Account, Person | None]:
    """The sender's account: theirs, else a placeholder made from an @mention of their handle, else a new one;
    with its person when already loaded (kept referenced: the session holds objects weakly)."""
    # The account with its person in one query (the person is then in the session: `get` later costs nothing).
    found = session.exec(_ACCOUNT_WITH_PERSON, params={"network": network, "user_id": user_id}).first()
    account, person = (found[0], found[1]) if found else (None, None)
    if account is None and key:
        account = session.exec(select(Account).where(Account.network == network, Account.handle == key,
                                                     col(Account.platform_user_id).is_(None))).first()
        if account is not None:
            account.platform_user_id = user_id
    if account is None:
        person = Person(display_name=display_name, created_at=now)
        session.add(person)
        session.flush()
        assert person.id is not None
        account = Account(person_id=person.id, network=network, platform_user_id=user_id, handle=key)
        session.add(account)
    return account, person


def _stamp_seen(session: Session, account: Account, now: datetime) -> None:
    if account.id is None:
        account.last_seen_at = now
    elif account.last_seen_at != now:
        # One UPDATE, the account left unchanged in the session: the ORM's flush of it would cost more.
        run(session, _STAMP_SEEN, {"account_id": account.id, "now": now})
        set_committed_value(account, "last_seen_at", now)


def identify(session: Session, config: Config, now: datetime, network: str, user_id: str,
             handle: str | None, display_name: str, locale_hint: str | None) -> tuple[Person, Account]:
    """Find or create the sender; a placeholder account made from an @mention is claimed by its handle.

    `locale_hint` is a supported language already (`bot.i18n.normalize_language` of the platform's hint).
    """
    key = handle_key(handle) if handle else None
    account, loaded = _account_of(session, now, network, user_id, key, display_name or handle or user_id)
    person = loaded or session.get(Person, account.person_id)
    assert person is not None
    if key and account.handle != key:
        account.handle = key
    if display_name and person.display_name != display_name and person.display_name in (handle, user_id, key):
        person.display_name = display_name
    if locale_hint and person.locale_hint != locale_hint:
        person.locale_hint = locale_hint
    _stamp_seen(session, account, now)
    session.flush()
    if config.is_bootstrap_admin(network, user_id, handle) and Role.ADMIN not in roles_of(session, person, now):
        grant(session, person, Role.ADMIN, None, now, None, None)
    return person, account


def make_admin(session: Session, config: Config, now: datetime, network: str, name: str) -> Person:
    """The person called `name` on `network` (made when new) is an admin: granted and audited once."""
    person, _ = identify(session, config, now, network, name, name, name, None)
    if Role.ADMIN not in roles_of(session, person, now):
        grant(session, person, Role.ADMIN, None, now, None, None)
        record_audit(session, now, None, "role.grant", "person", person.id, {"role": "admin", "by": network})
    return person


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


def active_roles(session: Session, person_id: int, now: datetime) -> list[RoleRow]:
    """The mandates a person holds at `now`."""
    return list(session.exec(_ACTIVE_ROLES, params={"person_id": person_id, "now": now}).all())


def roles_of(session: Session, person: Person, now: datetime) -> set[str]:
    assert person.id is not None
    return set(run(session, _ACTIVE_ROLE_NAMES, {"person_id": person.id, "now": now}).scalars())


def grant(session: Session, person: Person, role: str, group: WorkingGroup | None, now: datetime,
          until: datetime | None, granted_by: Person | None) -> RoleRow:
    """Give a role; an existing active one in the same scope gets the new mandate end instead."""
    assert person.id is not None
    group_id = group.id if group else None
    for existing in active_roles(session, person.id, now):
        if existing.role == role and existing.group_id == group_id:
            if existing.until != until:
                existing.until, existing.ending_warned_at = until, None  # a renewed mandate is warned again
            return existing
    granted = RoleRow(person_id=person.id, role=str(role), group_id=group_id, since=now, until=until,
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


def current_mandates(session: Session, now: datetime) -> list[tuple[RoleRow, Person]]:
    """Every role held at `now`, with its holder, by role, group and name."""
    rows = session.exec(select(RoleRow, Person).join(Person, col(Person.id) == RoleRow.person_id)
                        .where(RoleRow.since <= now, or_(col(RoleRow.until).is_(None), col(RoleRow.until) > now))
                        .order_by(col(RoleRow.role), col(RoleRow.group_id), col(Person.display_name))).all()
    return [(role, person) for role, person in rows]
