"""Who may see what: one place for the web pages, the chat exports and the command line.

Three audiences: the public (the web site, open data), members (any person with a role, in chat) and the
secretariat. A rule here is a plain question about a record; callers never decide visibility themselves.

What no audience ever sees, whatever the page or export: the choice of a secret ballot (only a closed vote's
totals), who chose what in a secret vote, platform user ids and handles (a person is shown by display name),
private messages (applications' texts, the outbox), the audit log's details, the ballot key and salts.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from sqlmodel import Session, col, select

from bot.domain.votes import VoteStatus
from bot.storage.tables import Person, Vote


class Audience(IntEnum):
    """Ordered: an audience sees everything a lower one sees."""

    PUBLIC = 0
    MEMBER = 1
    SECRETARIAT = 2


# Exports and who may have them; an export not named here is public (the open register).
_EXPORT_AUDIENCE = {"notifications": Audience.SECRETARIAT}
# What chat's /export offers: the secretariat's own exports are read on the command line, not sent in a room.
CHAT_AUDIENCE = Audience.MEMBER


def export_visible(name: str, audience: Audience) -> bool:
    return audience >= _EXPORT_AUDIENCE.get(name, Audience.PUBLIC)


def visible_exports(names: Iterable[str], audience: Audience) -> list[str]:
    """The export names `audience` may have, sorted."""
    return sorted(name for name in names if export_visible(name, audience))


def counts_visible(vote: Vote) -> bool:
    """Whether a vote's yes/no/abstain counts may be shown: always once closed; while open, only when open ballot."""
    return vote.status != VoteStatus.OPEN or not vote.secret


def public_names(session: Session, person_ids: Iterable[int]) -> dict[int, str]:
    """People as the public sees them: their display name, never an account, handle or platform id."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    rows = session.exec(select(Person.id, Person.display_name).where(col(Person.id).in_(ids))).all()
    return {pid: name for pid, name in rows if pid is not None}
