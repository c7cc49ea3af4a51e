"""Permissions, walking the registry: every command and subcommand that declares roles refuses, with the
permission answer and without changing the record, whoever holds none of them; it lets through whoever holds
one (admins always). And a command open to everyone is open on purpose: it is listed here.

The walk covers new commands and subcommands by itself; the permission is checked on the node that is run
(`/vote open`), not on its parent (`/vote`, open to everyone)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, inspect, select, table

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.i18n import Lang, T
from bot.messages import Incoming
from bot.parsing import Kind, Param
from bot.registry import Command, CommandName, registry
from bot.router import _roles_text
from tests.support import FORUM_EPOCH
from tests.transcript import play

ROLES = ("member", "cochair", "committee", "secretariat", "observer", "admin")
BOOKKEEPING = {"processed_event", "outbox", "person", "account", "room", "alembic_version"}

# Commands anyone may use, whatever their roles. Dropping `roles=` from a command's declaration (or adding a
# command without it) fails test_open_commands_are_listed until the command is added here, on purpose.
OPEN_AND_CHANGING = {  # they change the record, for the sender's own business
    "agenda",  # proposing an item to a meeting's agenda
    "apply", "propose", "withdraw",  # (withdraw: one's own proposal; the handler checks)
    "vote",  # casting one's own ballot (the handler checks the electorate)
    "action done",  # one's own action item (the handler checks)
    "minutes end",  # the minutes one chairs (#chair; the handler checks: chairs, co-chairs, the secretariat)
    "lang",  # one's own language (the room's: the handler checks)
    "address",  # how one's own titles are written
    "proxy", "proxy cancel",  # one's own vote given to another voter (the domain checks both may vote)
}
OPEN_AND_READING = {
    "calendar", "commitments", "status", "decisions", "help", "start", "whoami", "vote status", "votes", "export",
    "group list", "meetings", "milestones", "proposals", "proposal", "members",
}

SETUP = """\
@at 2024-01-15 09:00
@admin root
[plenary] root: /room plenary
[plenary] root: /lang room en
[plenary] root: /group add open-data Open data
[open-data] root: /room group open-data
[plenary] root: /role @member member open-data
[plenary] root: /role @cochair cochair
[plenary] root: /role @committee committee
[plenary] root: /role @secretariat secretariat
[plenary] root: /role @observer observer
[dm] nobody: /whoami
[plenary] root: /propose Publish the minutes | within two weeks
[plenary] member: /propose Open the procurement data
[plenary] root: /vote open P1 closes=7d
[plenary] root: /meeting plan plenary 2024-03-01 14:00
[dm] applicant: /apply I would like to join
[plenary] root: /commitment add FR0112 Establish a space for dialogue group=open-data
[plenary] root: /milestone add FR0112 H1 2024 First plenary
"""
SENDER = {role: ("root" if role == "admin" else role) for role in ROLES}  # each holds only that role

# A plausible argument for each kind of parameter, pointing at what SETUP made (P1, V1, S1, A1, M1, FR0112).
PLAUSIBLE = {"Ref": "1", "User": "@ghost", "Users": "@ghost", "Slug": "open-data", "Word": "FR0112",
             "Number": "1", "Moment": "2024-04-02 14:00", "Deadline": "7d", "Share": "50%", "Day": "2026-06-30",
             "Period": "Q3 2024", "CommitmentCode": "FR0112", "Text": "because it is planned"}


def _argument(param: Param) -> str:
    kind: Kind = param.kind
    lookup = getattr(kind, "lookup", None)
    if lookup:  # a language is English: the walk's `/lang room en` keeps the room speaking English
        return "en" if "en" in lookup else next(iter(lookup))
    letter = getattr(kind, "letter", None)
    if isinstance(letter, str):
        return f"{letter}1"
    for cls in type(kind).__mro__:
        if cls.__name__ in PLAUSIBLE:
            return PLAUSIBLE[cls.__name__]
    return "1"


def _text(node: Command) -> str:
    """The command with plausible arguments; an object-first subcommand (`/agenda S2 add`) gets its subject."""
    words = []
    for step in _chain(node):
        words.append(step.name)
        if step is not node and step.subject is not None:
            words.append(_argument(step.subject))
    return " ".join(["/" + " ".join(words), *(_argument(p) for p in node.params if not p.optional)])


def _chain(node: Command) -> list[Command]:
    chain = [node]
    while chain[0].parent is not None:
        chain.insert(0, chain[0].parent)
    return chain


def _roles(node: Command) -> frozenset[str] | None:
    """The roles that guard a command: its own, or its nearest parent's."""
    current: Command | None = node
    while current is not None and current.roles is None:
        current = current.parent
    return current.roles if current else None


GUARDED = [cmd for cmd in registry.all_commands() if cmd.handler is not None and _roles(cmd) is not None]
OPEN = {cmd.path for cmd in registry.all_commands() if cmd.handler is not None and _roles(cmd) is None}


def _counts(engine: Engine) -> dict[str, int]:
    names = sorted(t for t in inspect(engine).get_table_names() if t not in BOOKKEEPING)
    query = select(*(select(func.count()).select_from(table(t)).scalar_subquery().label(t) for t in names))
    with engine.connect() as connection:
        return dict(connection.execute(query).one()._mapping)


@pytest.fixture
def english_forum(config: Config) -> Iterator[Forum]:
    forum = Forum(replace(config, default_language="en"), SimulatedClock(FORUM_EPOCH), migrate=False)
    yield forum
    forum.engine.dispose()


class Sender:
    def __init__(self, forum: Forum) -> None:
        self.forum, self.n = forum, 0

    def __call__(self, user: str, text: str) -> tuple[str, list[str]]:
        self.n += 1
        result = asyncio.run(self.forum.handle(Incoming(
            network="console", event_id=f"perm:{self.n}", room_id="plenary", room_title="plenary", user_id=user,
            handle=user, display_name=user, text=text)))
        return result.outcome, result.replies


def test_open_commands_are_listed() -> None:
    assert OPEN_AND_CHANGING.isdisjoint(OPEN_AND_READING)
    unlisted = OPEN - OPEN_AND_CHANGING - OPEN_AND_READING
    assert not unlisted, f"open to everyone but not listed as such (roles= forgotten?): {sorted(unlisted)}"
    gone = (OPEN_AND_CHANGING | OPEN_AND_READING) - OPEN
    assert not gone, f"listed as open to everyone but guarded, or no longer a command: {sorted(gone)}"


def test_every_guarded_command_checks_its_own_roles(english_forum: Forum) -> None:
    forum = english_forum
    assert "!!" not in asyncio.run(play(forum, SETUP, prefix="setup"))
    send = Sender(forum)
    lang = Lang("en", ZoneInfo(forum.config.timezone))  # the room's language (SETUP), whoever writes
    assert {"vote open", "vote close", "group add", "minutes start", "election open"} <= {c.path for c in GUARDED}
    for node in GUARDED:
        roles = _roles(node)
        assert roles is not None
        message = node.denied or T("Only {roles} may use {command}.", roles=_roles_text(node),
                                   command=CommandName(node))
        refusal = message.render(lang)
        text = _text(node)
        refused = ["nobody", *(SENDER[r] for r in ROLES if r != "admin" and r not in roles)]
        allowed = [SENDER[r] for r in ROLES if r == "admin" or r in roles]
        for user in refused:
            before = _counts(forum.engine)
            outcome, replies = send(user, text)
            assert (outcome, replies) == ("denied", [refusal]), f"{user} sent {text!r}"
            assert _counts(forum.engine) == before, f"{user} was refused {text!r} but the record changed"
        for user in allowed:
            outcome, replies = send(user, text)
            assert refusal not in replies, f"{user} holds one of {sorted(roles)} but was refused {text!r}"
            assert outcome != "error", f"{user} sent {text!r}: {replies}"


def test_open_commands_that_only_read_change_nothing(english_forum: Forum) -> None:
    forum = english_forum
    assert "!!" not in asyncio.run(play(forum, SETUP, prefix="setup"))
    send = Sender(forum)
    for node in registry.all_commands():
        if node.path in OPEN_AND_READING:
            before = _counts(forum.engine)
            outcome, replies = send("nobody", _text(node))
            assert outcome in ("ok", "refused", "bad_arguments"), f"{_text(node)!r}: {outcome} {replies}"
            assert _counts(forum.engine) == before, f"{_text(node)!r} is listed as only reading but changed the record"
