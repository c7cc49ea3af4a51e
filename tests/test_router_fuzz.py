"""Property: no message, however odd, raises out of the router; every command gets an answer; a refused
command changes nothing but the bookkeeping (processed events, the outbox)."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, table
from sqlmodel import Session

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.messages import Incoming
from bot.parsing import clean_text
from bot.registry import registry
from bot.router import split_command
from bot.storage.db import make_engine
from bot.storage.migrate import upgrade
from tests.support import FORUM_EPOCH

BOOKKEEPING = {"processed_event", "outbox", "person", "account", "room", "alembic_version"}
NAMES = sorted({name for cmd in registry.all_commands() for name in (cmd.path, cmd.path_fr)})
TOKENS = ["P1", "V1", "A1", "M1", "S1", "@bob", "@ghost:example.org", "yes", "pour", "abstain", "50%", "150%",
          "7d", "-3j", "2024-02-30", "2024-03-01", "14:00", "H1 2024", "Q5 2024", "<b>bold</b>", "&amp;",
          "'; DROP TABLE person;--", "\x00", "\u202e", "é", "🤷", "x" * 300, "secret", "body=plenary",
          "quorum=2/3", "closes=", "=", '"unbalanced', "“smart”", "open-data", "group", "fr", "en", "room"]

command_text = st.builds(
    lambda name, args, prefix: f"{prefix}{name} {' '.join(args)}",
    st.sampled_from(NAMES), st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=20)), max_size=6),
    st.sampled_from(["/", "!", "/", "/"]))
messages = st.one_of(command_text, st.text(max_size=200), st.just("/" + "a" * 10_000),
                     st.builds(lambda t: "/" + t, st.text(max_size=50)))


def _counts(session: Session) -> dict[str, int]:
    tables = [t for t in inspect(session.get_bind()).get_table_names() if t not in BOOKKEEPING]
    return {t: session.execute(select(func.count()).select_from(table(t))).scalar_one()
            for t in tables}


def test_random_messages(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/fuzz.sqlite3")
    upgrade(engine)
    config = Config(database_url=str(engine.url), admins={"console": ("root",)})
    forum = Forum(config, SimulatedClock(FORUM_EPOCH), engine=engine, migrate=False)
    loop = asyncio.new_event_loop()
    ids = itertools.count()
    stats = {"examples": 0, "answered": 0}

    for sender in ("root", "zoe"):  # first contact grants the bootstrap admin role: not part of the property
        loop.run_until_complete(forum.handle(Incoming(network="console", event_id=f"hello:{sender}",
                                                      room_id="plenary", user_id=sender, handle=sender,
                                                      text="/whoami")))

    @settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(text=messages, sender=st.sampled_from(["root", "zoe"]), private=st.booleans())
    def check(text: str, sender: str, private: bool) -> None:
        stats["examples"] += 1
        with Session(engine) as session:
            before = _counts(session)
        event = f"fuzz:{next(ids)}"
        result = loop.run_until_complete(forum.handle(Incoming(
            network="console", event_id=event, room_id=f"dm:{sender}" if private else "plenary",
            user_id=sender, handle=sender, display_name=sender, text=text, is_private=private)))
        if split_command(clean_text(text)) is not None:
            assert result.replies, f"no answer to {text!r} ({result.outcome})"
            stats["answered"] += 1
        if result.outcome != "ok":
            with Session(engine) as session:
                assert _counts(session) == before, f"{text!r} was refused ({result.outcome}) but changed data"

    try:
        check()
    finally:
        loop.close()
        engine.dispose()
    assert stats["examples"] >= 2000
    assert stats["answered"] > 1000
