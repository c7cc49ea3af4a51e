"""What makes minutes read like a MeetBot meeting: everyone heard in the room is present, `#action` lines go to
every person they name, `#chair`/`#unchair` give and take back the chair, `#undo` strikes the last item (a line
of its own: nothing is deleted), `#link` keeps a web address."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, and_, col, or_, select

from bot.domain import UnitOfWork
from bot.domain.meetings import MeetingRefusal
from bot.domain.meetings.minutes import ITEM_TAGS, Minutes, Tag, minutes_of, record
from bot.domain.people import handle_key, resolve
from bot.rules.evidence import read_evidence
from bot.storage.tables import Account, ActionItem, MinutesEntry, MinutesSession, Person

# @alice on the console and Telegram, @alice:example.org on Matrix (a sentence's full stop is not part of it).
MENTION = re.compile(r"@[\w.\-=/+]+(?::[\w.\-]+(?::\d+)?)?")
_WORD = re.compile(r"[\w.\-]+")
_LEADING_MENTIONS = re.compile(r"^(?:@[\w.\-=/+]+(?::[\w.\-]+(?::\d+)?)?[\s,;]*)+")


class NothingToUndo(MeetingRefusal):
    """No item left to strike: none at all, or (for someone who is not a chair) none of the sender's."""


class StartedThem(MeetingRefusal):
    """The person who started the minutes stays their chair."""


class NotALink(MeetingRefusal):
    """`#link` without a web address in it."""


def mentions(text: str) -> list[str]:
    """The @handles a line names, in order, once each (`@bob.` is @bob)."""
    found: list[str] = []
    for match in MENTION.findall(text):
        handle = match.rstrip(".-")
        if handle not in found:
            found.append(handle)
    return found


def known(session: Session, network: str, handles: list[str], now: datetime) -> tuple[list[Person], list[str]]:
    """The people these @handles name on this network, and the handles nobody has (no placeholder is made)."""
    people: list[Person] = []
    unknown: list[str] = []
    for handle in handles:
        person = resolve(session, network, handle, now, create=False)
        if person is None:
            unknown.append(handle)
        elif person not in people:
            people.append(person)
    return people, unknown


def note_speaker(uow: UnitOfWork, minutes: MinutesSession, person_id: int) -> bool:
    """Someone spoke in the room while the minutes are open: present, as MeetBot counts attendees. True when
    that is news (nothing of theirs, nor a standing #here naming them, was recorded yet)."""
    struck = select(MinutesEntry.undoes_id).where(MinutesEntry.session_id == minutes.id,
                                                  col(MinutesEntry.undoes_id).is_not(None))
    named_here = and_(col(MinutesEntry.tag) == Tag.HERE, col(MinutesEntry.person_id) == person_id,
                      col(MinutesEntry.id).not_in(struck))
    seen = uow.session.exec(select(MinutesEntry.id).where(
        MinutesEntry.session_id == minutes.id, or_(col(MinutesEntry.author_id) == person_id, named_here))
        .limit(1)).first()
    if seen is not None:
        return False
    record(uow, minutes, Tag.SPOKE, person_id, author_id=person_id)
    return True


@dataclass(frozen=True)
class ActionLine:
    """An `#action` line read: whom it goes to, the @handles nobody has, and what is to be done."""

    owners: list[Person]
    unknown: list[str]
    text: str


def _nicks(session: Session, network: str, present: list[int]) -> dict[str, int]:
    """The bare nicks of the people present (`bob`; on Matrix, `bob` for @bob:example.org too) → who they are."""
    nicks: dict[str, int] = {}
    for account in session.exec(select(Account).where(Account.network == network,
                                                      col(Account.person_id).in_(present))).all():
        if account.handle:
            key = handle_key(account.handle)
            nicks.setdefault(key, account.person_id)
            nicks.setdefault(key.split(":")[0], account.person_id)
    return nicks


def read_action(session: Session, network: str, taken: Minutes, body: str, now: datetime) -> ActionLine:
    """MeetBot's reading: the action goes to every person it names, by @handle or by the bare nick of someone
    present. Leading @handles (`#action @bob send it`) are not part of the text; other words are kept as typed."""
    owners, unknown = known(session, network, mentions(body), now)
    nicks = _nicks(session, network, taken.present)
    words = [w.strip(".-").lower() for w in _WORD.findall(MENTION.sub(" ", body))]
    named = [nicks[w] for w in words if w in nicks]
    for person_id in named:
        if all(o.id != person_id for o in owners):
            person = session.get(Person, person_id)
            assert person is not None
            owners.append(person)
    return ActionLine(owners, unknown, _LEADING_MENTIONS.sub("", body).strip())


def link_of(text: str) -> str:
    """The web address of a `#link` line (refused without one; an invalid one raises `BadLink`)."""
    link = read_evidence(text).link
    if link is None:
        raise NotALink()
    return link


def is_chair(session: Session, minutes: MinutesSession, person_id: int) -> bool:
    return person_id in minutes_of(session, minutes).chairs


def set_chairs(uow: UnitOfWork, minutes: MinutesSession, people: list[Person], by: int, chair: bool) -> list[int]:
    """`#chair @a @b` (chair) or `#unchair @a`: the chairs afterwards. The one who started the minutes stays."""
    if not chair and any(p.id == minutes.started_by for p in people):
        raise StartedThem(minutes.meeting_id)
    for person in people:
        record(uow, minutes, Tag.CHAIR if chair else Tag.UNCHAIR, person.id, author_id=by)
    uow.session.flush()
    return minutes_of(uow.session, minutes).chairs


def undo(uow: UnitOfWork, minutes: MinutesSession, by: int, as_chair: bool) -> MinutesEntry:
    """`#undo`: strike the last item still standing that `by` added (a chair: that anyone added). The undo is
    recorded as a line of its own; an action item struck with its line is marked undone, not deleted."""
    standing = [e for e in minutes_of(uow.session, minutes).entries if as_chair or e.author_id == by]
    if not standing:
        raise NothingToUndo(minutes.meeting_id)
    item = standing[-1]
    assert item.id is not None and item.tag in ITEM_TAGS
    record(uow, minutes, Tag.UNDO, item.author_id, item.text, author_id=by, undoes_id=item.id)
    for action in uow.session.exec(select(ActionItem).where(ActionItem.entry_id == item.id)).all():
        action.undone_at = uow.now
    uow.session.flush()
    return item
