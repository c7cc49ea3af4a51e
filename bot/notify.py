"""Writing to the outbox: every message is rendered for its reader and keyed so it is sent once."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.config import Config
from bot.i18n import Lang, Localizable
from bot.messages import Extras
from bot.storage.prebuilt import dialect_of, insert_or_skip, run
from bot.storage.tables import Account, OutboxMessage, Person, Room


def room_lang(config: Config, room: Room) -> Lang:
    return Lang(room.language or config.default_language, ZoneInfo(room.timezone or config.timezone), room.network)


def person_lang(config: Config, person: Person, network: str, room: Room | None = None) -> Lang:
    """A person's language: their choice, else the platform's hint, else the room's, else the default."""
    locale = person.locale or person.locale_hint or (room.language if room else None) or config.default_language
    tz = room.timezone if room and room.timezone else config.timezone
    return Lang(locale, ZoneInfo(tz), network)


def dm_account(session: Session, person_id: int) -> Account | None:
    """The account to write to privately: the one the person used last."""
    accounts = session.exec(select(Account).where(Account.person_id == person_id,
                                                  col(Account.platform_user_id).is_not(None))).all()
    if not accounts:
        return None
    epoch = datetime.min
    return max(accounts, key=lambda a: (a.last_seen_at.replace(tzinfo=None) if a.last_seen_at else epoch))


def _payload(extras: Extras | None) -> dict[str, Any] | None:
    """The outbox row's JSON for a message's extras (the one codec: `Extras.to_json` / `Extras.from_json`)."""
    return extras.to_json() if extras else None


class Outbox:
    """Queues messages in the current transaction; the transports deliver them."""

    def __init__(self, session: Session, config: Config, now: datetime) -> None:
        self.session, self.config, self.now = session, config, now
        self.queued: dict[str, str] = {}  # key → text queued in this transaction, in order (the router: replies)

    def _insert(self, values: dict[str, Any]) -> bool:
        values.setdefault("created_at", self.now)
        values.setdefault("next_attempt_at", self.now)
        statement = insert_or_skip(OutboxMessage, dialect_of(self.session), ("key",), "id")
        inserted = run(self.session, statement, values).first() is not None
        if inserted:
            self.queued[values["key"]] = values["text"]
        return inserted  # (RETURNING, not rowcount, says whether the row was inserted)

    def to_room(self, room: Room, message: Localizable, *, kind: str, key: str,
                extras: Extras | None = None, lang: Lang | None = None) -> bool:
        """Queue a message to a room, in the room's language unless `lang` says otherwise."""
        if not room.active:
            return False
        lang = lang or room_lang(self.config, room)
        return self._insert({
            "key": f"{key}@r{room.id}", "kind": kind, "network": room.network, "room_id": room.id,
            "person_id": room.person_id if room.is_private else None, "locale": lang.locale,
            "text": message.render(lang), "payload": _payload(extras)})

    def to_rooms(self, messages: Sequence[tuple[Room, Localizable]], *, kind: str, key: str,
                 extras: Extras | None = None) -> int:
        """Queue one message per room (each in its room's language) in a single INSERT; returns how many.

        For scheduled passes that must cost one statement per item (e.g. an overdue alert to the secretariat
        and a notice to the group's room), whatever the number of rooms.
        """
        rows = []
        for room, message in messages:
            if not room.active:
                continue
            lang = room_lang(self.config, room)
            rows.append({"key": f"{key}@r{room.id}", "kind": kind, "network": room.network, "room_id": room.id,
                         "person_id": room.person_id if room.is_private else None, "locale": lang.locale,
                         "text": message.render(lang), "payload": _payload(extras), "created_at": self.now,
                         "next_attempt_at": self.now})
        if not rows:
            return 0
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(OutboxMessage).values(rows).on_conflict_do_nothing(index_elements=["key"])
        inserted = {str(key) for (key,) in self.session.execute(stmt.returning(col(OutboxMessage.key))).all()}
        self.queued.update((str(row["key"]), str(row["text"])) for row in rows if row["key"] in inserted)
        return len(inserted)

    def to_person(self, person: Person, message: Localizable, *, kind: str, key: str,
                  extras: Extras | None = None) -> bool:
        """Queue a private message, on the network the person used last; False when they cannot be reached."""
        assert person.id is not None
        account = dm_account(self.session, person.id)
        if account is None:
            return False
        lang = person_lang(self.config, person, account.network)
        return self._insert({
            "key": f"{key}@p{person.id}", "kind": kind, "network": account.network, "room_id": None,
            "person_id": person.id, "locale": lang.locale, "text": message.render(lang), "payload": _payload(extras)})

    def rooms_with_purpose(self, purpose: str, group_id: int | None = None,
                           group_ids: Collection[int] = ()) -> list[Room]:
        """The active rooms with this purpose (of one group, or of any of `group_ids`), in one query."""
        query = select(Room).where(Room.purpose == purpose, Room.active == True)  # noqa: E712
        if group_id is not None:
            query = query.where(Room.group_id == group_id)
        if group_ids:
            query = query.where(col(Room.group_id).in_(group_ids))
        return list(self.session.exec(query.order_by(col(Room.id))).all())

    def to_purpose(self, purpose: str, message: Localizable, *, kind: str, key: str,
                   group_id: int | None = None, extras: Extras | None = None) -> int:
        """Queue a message to every room with this purpose (e.g. the secretariat); returns how many."""
        return sum(self.to_room(room, message, kind=kind, key=key, extras=extras)
                   for room in self.rooms_with_purpose(purpose, group_id))


@dataclass(frozen=True)
class Backlog:
    """One network's undelivered messages: how many wait (to be sent, or tried again after a failure), since when
    the oldest of them was queued, and how many are parked (for a room the bot was removed from: tried once a day,
    kept apart so that they do not look like a delivery that is late)."""

    network: str
    waiting: int = 0
    oldest: datetime | None = None
    parked: int = 0


def backlog(session: Session) -> list[Backlog]:
    """The outbox's undelivered messages per network, in one query (the metrics and `forum-bot check`)."""
    active = func.coalesce(Room.active, True)
    rows = session.execute(
        select(OutboxMessage.network, active, func.count(), func.min(OutboxMessage.created_at))
        .outerjoin(Room, col(Room.id) == OutboxMessage.room_id).where(col(OutboxMessage.sent_at).is_(None))
        .group_by(OutboxMessage.network, active)).all()
    found: dict[str, Backlog] = {}
    for network, is_active, count, oldest in rows:
        was = found.get(network, Backlog(network))
        if is_active:
            found[network] = Backlog(network, count, oldest, was.parked)
        else:
            found[network] = Backlog(network, was.waiting, was.oldest, count)
    return [found[network] for network in sorted(found)]
