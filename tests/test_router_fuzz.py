"""Property: no message, however odd, raises out of the router or inside it; every command gets an answer; a
refused command changes nothing but the bookkeeping (processed events, the outbox).

"Inside it" matters: the router turns any exception into a polite "something went wrong" answer (outcome
"error", and a logged traceback), so counting answers alone would let a crashing handler pass."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, inspect, select, table
from sqlmodel import Session, col

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.errors import ArgError
from bot.messages import Incoming
from bot.parsing import MAX_COMMAND_LENGTH, clean_text, tokenize
from bot.registry import Command, descend, registry
from bot.router import split_command
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from bot.storage.tables import OutboxMessage, Room

INTERNAL_ERROR = "error"  # Router.handle's outcome when a handler raised something other than a UserError
CHANGES_ALLOWED = {"ok", "hook"}  # a command that ran, or a plain line taken into the minutes
BOOKKEEPING = {"processed_event", "outbox", "person", "account", "room", "alembic_version"}
NAMES = sorted({name for cmd in registry.all_commands() for name in (cmd.path, cmd.path_fr)})
TOKENS = ["P1", "V1", "A1", "M1", "S1", "@bob", "@ghost:example.org", "yes", "pour", "abstain", "50%", "150%",
          "7d", "-3j", "2024-02-30", "2024-03-01", "14:00", "H1 2024", "Q5 2024", "<b>bold</b>", "&amp;",
          "'; DROP TABLE person;--", "\x00", "\u202e", "é", "🤷", "x" * 300, "secret", "body=plenary",
          "quorum=2/3", "closes=", "=", '"unbalanced', "“smart”", "open-data", "group", "fr", "en", "room"]
SENDERS = ["root", "zoe", "bob"]  # an admin, a person with no role, a member of open-data
ROOMS = ["plenary", "open-data", "dm"]

# The record the fuzz starts from, so that well-formed commands reach their handlers (P1, P2, V1, V2, S1, A1,
# M1, T1 …), sent by root in the plenary unless said otherwise. Each must succeed (checked).
SEED = [("root", "plenary", "/room plenary"), ("root", "plenary", "/group add open-data Open data"),
        ("root", "open-data", "/room group open-data"), ("bob", "dm", "/whoami"), ("zoe", "dm", "/whoami"),
        ("root", "plenary", "/role @bob member open-data"),
        ("root", "plenary", "/propose Publish the minutes | within two weeks"),
        ("bob", "open-data", "/propose Open the procurement data"),
        ("root", "plenary", "/vote open P1 body=plenary closes=7d"),
        ("root", "plenary", "/election open Board seats=2 candidates=@root,@bob closes=14d term=2y"),
        ("root", "open-data", "/meeting plan open-data 2024-02-10 10:00 CESE, room 2"),
        ("root", "plenary", "/meeting plan plenary 2024-03-01 14:00"),
        ("zoe", "dm", "/apply I lead an open-data association and would like to join"),
        ("root", "plenary", "/commitment add FR0112 Establish a space for dialogue group=open-data"),
        ("root", "plenary", "/milestone add FR0112 H1 2024 First plenary"),
        ("root", "open-data", "/minutes start S1 confirm"), ("root", "open-data", "#action @bob draft the letter"),
        ("root", "open-data", "/minutes end")]

# Before the random messages, a tour: one plausible use of each command (then a few odd ones), in an order in
# which most of them succeed, so that every handler is run at least once whatever the random draw (checked: a
# new command needs a line here). Sent by root in the plenary unless said otherwise.
TOUR = [
    "/agenda S1", "/agenda S1 add Vote on P1", "/agenda S1 approve", "/applications", "/accept A1 open-data",
    "/decline A1 the call is for organisations only", ("bob", "dm", "/apply I would like to join too"),
    "/decline A2 the call is for organisations only", "/cadence", "/calendar",
    "/commitment add FR0113 Another commitment group=open-data", "/commitment import fr-2023-2025-FR0112",
    "/commitments", "/status FR0112", "/status", "/decisions", "/decisions minutes", "/help", "/help vote",
    "/start", "/whoami", ("bob", "open-data", "/vote open P2 body=group closes=7d quorum=50% majority=2/3 secret"),
    "/vote open P2 body=group closes=7d quorum=50% majority=2/3 secret", ("bob", "open-data", "/vote V3 yes"),
    ("bob", "open-data", "/vote V3 withdraw"), "/vote V1 yes because", "/proxy @bob V1", "/vote V1 no for=@carol",
    "/proxy", "/proxy cancel V1", "/vote status V1", "/votes",
    "/election open Treasurer seats=1 candidates=@bob closes=14d term=2y public", "/vote V4 @bob",
    "/election resolve V4 @bob", "/export decisions csv", "/export members json", "/export meetings ics",
    "/group add transport Transport and mobility", "/group list", ("bob", "dm", "/lang en"),
    ("bob", "dm", "/address masculine"),
    ("root", "open-data", "/lang room fr"), "/meeting plan plenary 2024-04-02 14:00 Town hall",
    "/meeting move S2 2024-03-05 14:00", "/meeting cancel S3 not enough members available", "/meetings",
    "/milestone add FR0112 Q3 2024 Mid-term review", ("bob", "open-data", "/milestone done M1 https://example.org/r"),
    "/milestones", "/milestones FR0112", "/milestones overdue", "/minutes start S2", "#here @bob", "#topic Budget",
    "#agreed Publish the budget", "#action @bob write it due=2024-03-20", "#link https://example.org/b budget",
    "#chair @bob", "#undo", "/minutes end",
    ("bob", "dm", "/action done T1"), ("bob", "dm", "/action done T2"), "/propose Meet twice a year", "/proposals",
    "/proposals all", "/proposal P1", "/withdraw P3", "/answer P1 accepted it will be in the next action plan",
    "/role @bob member open-data until=2026-06-30", '/college @bob government org="Ministry"', "/members",
    "/members open-data",
    ("root", "dm:elsewhere", "/room committee"),
    ("bob", "open-data", "/update FR0112 60% substantial call launched https://example.org/call"),
    ("bob", "open-data", "/update M2 started the review"), "/update FR0112 60% substantial call launched",
    "/update M2 started the review", "/milestone done M2 https://example.org/r", "/vote close V1",
    "/vote close V3", "/vote close V4", "/vote cancel V2 opened by mistake",
    "/reopen P1 the budget it lacked is now voted", "/vote status V1", "/decisions", "/role @bob member open-data end",
]

# Plausible values for each kind of argument (by class name, the most specific first), so that many generated
# commands get past the parser; wrong and odd values are mixed in.
REFS = ["P1", "P2", "V1", "V2", "S1", "S2", "A1", "M1", "T1", "1", "2", "#1", "P999999999", "0"]
VALUES = {
    "Ref": REFS, "User": ["@root", "@zoe", "@bob", "@ghost", "@ghost:example.org", "bob"],
    "Users": ["@root,@bob", "@bob", "@zoe,@ghost", "@root;@root"],
    "Slug": ["open-data", "nope", "plenary", "x" * 41],
    "Word": ["FR0112", "M1", "overdue", "plenary", "committee", "open-data", "decisions", "milestones", "members",
             "votes", "meetings", "updates", "vote", "help", "60%", "complete"],
    "Number": ["0", "1", "2", "4", "-1", "1000001"],
    "Moment": ["2024-02-20 10:00", "2024-02-20", "2024-02-30 10:00", "2023-01-01 09:00", "2024-02-20 25:00",
               "2024-02-20 9h"],
    "Deadline": ["7d", "30m", "0d", "-3j", "2024-02-20 18:00", "2023-01-01"],
    "Share": ["50%", "2/3", "0", "1", "0.5", "150%", "1/0"],
    "Day": ["2026-06-30", "2024-02-30", "2023-01-01"],
    "Period": ["H1 2024", "Q3 2024", "Q5 2024", "2024-02", "2025", "February 2024", "next week"],
    "CommitmentCode": ["FR0112", "FR0113", "fr0112", "XX-1"],
    "MajorityKind": ["simple", "absolute", "2/3", "absolue", "most"],
    "TermKind": ["2y", "18mo", "2 ans", "two"],
    "Text": ["yes", "no", "abstain", "withdraw", "pour", "@root @bob", "@bob", "accepted it is planned",
             "https://example.org/report", "60% substantial call launched", "add Vote on P7", "approve",
             "fr", "en room", "room fr"],
}


def _kind_values(kind: object) -> st.SearchStrategy[str]:
    lookup = getattr(kind, "lookup", None)
    if lookup:  # a Choice: its words, in both languages
        return st.sampled_from(sorted(lookup))
    letter = getattr(kind, "letter", None)
    if isinstance(letter, str):  # a Ref: mostly numbers of the right kind of object, the first ones existing
        return st.sampled_from([f"{letter}1", f"{letter}2", f"{letter.lower()}1", "1", f"{letter}9", *REFS])
    for cls in type(kind).__mro__:
        if cls.__name__ in VALUES:
            return st.sampled_from(VALUES[cls.__name__])
    return st.sampled_from(TOKENS)


def _value(kind: object) -> st.SearchStrategy[str]:
    plausible = _kind_values(kind)
    return st.one_of(plausible, plausible, plausible, plausible, st.sampled_from(TOKENS), st.text(max_size=12))


def _typed(node: Command) -> st.SearchStrategy[str]:
    """`/path` with an argument for each parameter (optional ones sometimes left out) and some options."""
    params = [st.one_of(_value(p.kind), st.just("")) if p.optional else _value(p.kind) for p in node.params]
    options = [_value(o.kind).map(lambda v, o=o: f"{o.name}={v}") if o.kind is not None else st.just(o.name)
               for o in node.options]
    return st.builds(
        lambda name, values, chosen, extra: " ".join(["/" + name, *values, *chosen, *extra]),
        st.sampled_from([node.path, node.path_fr]), st.tuples(*params),
        st.lists(st.sampled_from(options), max_size=3).flatmap(lambda picked: st.tuples(*picked))
        if options else st.just(()),
        st.one_of(st.just(()), st.just(()), st.just(()), st.tuples(st.sampled_from(TOKENS))))


HANDLED = [cmd for cmd in registry.all_commands() if cmd.handler is not None]
typed_command = st.sampled_from(HANDLED).flatmap(_typed)
command_text = st.builds(
    lambda name, args, prefix: f"{prefix}{name} {' '.join(args)}",
    st.sampled_from(NAMES), st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=20)), max_size=6),
    st.sampled_from(["/", "!", "/", "/"]))
long_text = st.one_of(st.just("/" + "a" * 10_000),
                      st.sampled_from(NAMES).map(lambda name: f"/{name} " + "x" * MAX_COMMAND_LENGTH))
minutes_line = st.builds(lambda tag, rest: f"{tag} {rest}",
                         st.sampled_from(["#here", "#topic", "#info", "#idea", "#agreed", "#disagreed", "#action",
                                          "#link", "#undo", "#chair", "#unchair", "#startvote", "#unknown"]),
                         st.one_of(st.sampled_from(VALUES["User"] + VALUES["Text"]), st.text(max_size=30)))
messages = st.one_of(typed_command, typed_command, typed_command, command_text, st.text(max_size=200),
                     long_text, st.builds(lambda t: "/" + t, st.text(max_size=50)), minutes_line)


def _counter(engine: Engine) -> Callable[[], dict[str, int]]:
    """The number of rows in each table that is not bookkeeping, counted in one statement."""
    names = sorted(t for t in inspect(engine).get_table_names() if t not in BOOKKEEPING)
    query = select(*(select(func.count()).select_from(table(t)).scalar_subquery().label(t) for t in names))

    def counts() -> dict[str, int]:
        with engine.connect() as connection:
            return dict(connection.execute(query).one()._mapping)

    return counts


class Errors(logging.Handler):
    """Every record at ERROR or above, whoever logs it (the router logs an internal error with its traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _last_outbox_id(session: Session) -> int:
    return session.execute(select(func.max(OutboxMessage.id))).scalar_one() or 0


def _posted_in_room(session: Session, msg: Incoming, after: int) -> bool:
    """Whether a message was queued, after outbox row `after`, to the room the command came from: a command whose
    answer is a post to the whole room (the result of `/vote close` sent in the vote's room) has no reply."""
    query = (select(func.count()).select_from(OutboxMessage).join(Room, col(Room.id) == OutboxMessage.room_id)
             .where(col(OutboxMessage.id) > after, Room.network == msg.network,
                    Room.platform_room_id == msg.room_id))
    return session.execute(query).scalar_one() > 0


def _node(text: str) -> Command | None:
    """The command or subcommand a text names, as the router finds it."""
    parts = split_command(clean_text(text))
    node = registry.find(parts[0]) if parts else None
    if node is None:
        return None
    try:
        return descend(node, tokenize(parts[1]))[0]
    except ArgError:
        return node


def _incoming(event: str, sender: str, room: str, text: str) -> Incoming:
    private = room.startswith("dm")
    return Incoming(network="console", event_id=event, room_id=f"dm:{sender}" if room == "dm" else room,
                    user_id=sender, handle=sender, display_name=sender, text=text, is_private=private)


def test_random_messages(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/fuzz.sqlite3")
    upgrade(engine)
    config = Config(database_url=str(engine.url), admins={"console": ("root",)})
    forum = Forum(config, SimulatedClock(datetime(2024, 1, 15, 9, 0, tzinfo=UTC)), engine=engine, migrate=False)
    loop = asyncio.new_event_loop()
    ids = itertools.count()
    stats = {"examples": 0, "answered": 0}

    # First contact grants the bootstrap admin role; the seed builds a record to act on: not part of the property.
    for n, (sender, room, text) in enumerate([("root", "plenary", "/whoami"), *SEED]):
        seeded = loop.run_until_complete(forum.handle(_incoming(f"seed:{n}", sender, room, text)))
        assert seeded.outcome in CHANGES_ALLOWED, f"seed {text!r}: {seeded.outcome} {seeded.replies}"

    counts = _counter(engine)
    assert len(counts()) > 10  # proposals, votes, meetings …
    errors = Errors()
    logging.getLogger().addHandler(errors)

    def one(text: str, sender: str, room: str) -> str:
        before = counts()
        with Session(engine) as session:
            last_outbox = _last_outbox_id(session)
        errors.records.clear()
        msg = _incoming(f"fuzz:{next(ids)}", sender, room, text)
        result = loop.run_until_complete(forum.handle(msg))
        assert result.outcome != INTERNAL_ERROR, f"internal error on {text!r} ({sender} in {room})"
        assert not errors.records, f"{text!r} logged: " + "; ".join(
            logging.Formatter().format(record) for record in errors.records)
        if split_command(clean_text(text)) is not None:
            if not result.replies:
                with Session(engine) as session:
                    assert _posted_in_room(session, msg, last_outbox), f"no answer to {text!r} ({result.outcome})"
            stats["answered"] += 1
        if result.outcome not in CHANGES_ALLOWED:
            assert counts() == before, f"{text!r} was refused ({result.outcome}) but changed data"
        return result.outcome

    ran: set[str] = set()  # the commands whose handler ran: it did its work, or refused for a reason of its own
    for line in TOUR:
        sender, room, text = line if isinstance(line, tuple) else ("root", "plenary", line)
        node = _node(text)
        if one(text, sender, room) in ("ok", "refused") and node is not None:
            ran.add(node.path)
    missing = [cmd.path for cmd in HANDLED if cmd.path not in ran]
    assert not missing, f"the tour never ran {missing}: add a plausible use of each to TOUR"

    @settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(text=messages, sender=st.sampled_from(SENDERS), room=st.sampled_from(ROOMS))
    def check(text: str, sender: str, room: str) -> None:
        stats["examples"] += 1
        one(text, sender, room)

    try:
        check()
    finally:
        logging.getLogger().removeHandler(errors)
        loop.close()
        engine.dispose()
    assert stats["examples"] >= 2000
    assert stats["answered"] > 1000
