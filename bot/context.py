"""What a handler sees: the sender, the room, the transaction, the clock, and how to answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.audit import record_audit
from bot.clock import Clock
from bot.config import Config
from bot.domain import UnitOfWork
from bot.domain.people import group_by_slug, resolve
from bot.errors import PermissionDenied, UserError
from bot.i18n import Lang, Localizable, Raw, T
from bot.messages import Extras
from bot.notify import Outbox, person_lang
from bot.storage.tables import Account, Person, Room, WorkingGroup


@dataclass
class Context:
    """One incoming message being handled, inside one transaction."""

    session: Session
    config: Config
    clock: Clock
    person: Person
    account: Account
    room: Room
    event_id: str
    now: datetime
    outbox: Outbox
    message_id: str | None = None
    roles: set[str] = field(default_factory=set)
    _replies: int = 0

    @property
    def network(self) -> str:
        return self.room.network

    @property
    def person_id(self) -> int:
        assert self.person.id is not None
        return self.person.id

    @property
    def lang(self) -> Lang:
        return person_lang(self.config, self.person, self.network, self.room)

    @property
    def uow(self) -> UnitOfWork:
        """This message's transaction as the domain takes it."""
        return UnitOfWork(self.session, self.outbox, self.now, self.config)

    def reply(self, message: Localizable, *, kind: str = "reply", extras: Extras | None = None) -> None:
        """Answer where the message came from, in the sender's language."""
        self._replies += 1
        key = f"reply:{self.network}:{self.event_id}:{self._replies}"
        if self.message_id:
            extras = (extras or Extras()).with_reply_to(self.message_id)
        self.outbox.to_room(self.room, message, kind=kind, key=key, extras=extras, lang=self.lang)

    def reply_private(self, message: Localizable, *, kind: str = "reply",
                      extras: Extras | None = None) -> None:
        """Answer in the sender's private chat with the bot."""
        if self.room.is_private:
            self.reply(message, kind=kind, extras=extras)
            return
        self._replies += 1
        key = f"reply:{self.network}:{self.event_id}:{self._replies}"
        self.outbox.to_person(self.person, message, kind=kind, key=key, extras=extras)

    def audit(self, action: str, object_type: str, object_id: object, **details: Any) -> None:
        """Record a change in the audit log."""
        record_audit(self.session, self.now, self.person.id, action, object_type, object_id, details)

    def person_by_ref(self, ref: str) -> Person:
        """The person named @ref (a placeholder is made for someone who has not written yet)."""
        person = resolve(self.session, self.network, ref, self.now)
        if person is None:
            raise UserError(T("I do not know {who}.", who=ref))
        return person

    def group(self, slug: str) -> WorkingGroup:
        """The working group `slug`, or an answer saying it does not exist."""
        group = group_by_slug(self.session, slug)
        if group is None:
            raise UserError(T("There is no group {slug}. Send /group list to see them.", slug=Raw(slug)))
        return group

    def has_role(self, *roles: str) -> bool:
        return "admin" in self.roles or bool(self.roles & set(roles))

    def require_role(self, *roles: str) -> None:
        """Object-level permission (e.g. the author or a co-chair); command-level checks live in the registry."""
        if not self.has_role(*roles):
            raise PermissionDenied(T("You are not allowed to do this."))
