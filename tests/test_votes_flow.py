"""Votes through the commands: restart between opening and deadline, secrecy in the database, tally edges."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import sqltypes
from sqlmodel import Session, col, select

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.exports import export
from bot.storage.tables import Account, Decision, OutboxMessage, Participation, SecretChoice, Vote
from tests.support.forum_setup import committee, propose, start
from tests.transcript import play

START = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)

SETUP = start() + committee() + propose("Publish the minutes")


def kinds(forum: Forum) -> dict[str, int]:
    with Session(forum.engine) as session:
        rows = session.exec(select(OutboxMessage.kind)).all()
    counts: dict[str, int] = {}
    for kind in rows:
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def outbox(forum: Forum, kind: str) -> list[OutboxMessage]:
    with Session(forum.engine) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                 .order_by(col(OutboxMessage.id))).all())


async def test_restart_between_opening_and_deadline(config: Config, db_url: str) -> None:
    first = Forum(config, SimulatedClock(START), migrate=False)
    out = await play(first, SETUP + "[committee] bob: /vote open P1 closes=3d\n[committee] carol: /vote V1 yes\n"
                     "@advance 2d\n", prefix="a")
    assert "Vote V1 is open" in out
    assert len(outbox(first, "vote_reminder")) == 3  # bob, dave, erin: carol has voted
    assert {m.key for m in outbox(first, "vote_reminder")} == {"vote:1:reminder@p2", "vote:1:reminder@p4",
                                                               "vote:1:reminder@p5"}
    first.engine.dispose()
    del first

    clock = SimulatedClock(datetime(2024, 1, 17, 9, 0, tzinfo=UTC))
    second = Forum(replace(config, database_url=db_url), clock, migrate=False)
    # Catching up on the restart changes nothing: the reminder is not sent again, the vote is not closed early.
    second.advance_to(clock.now() + timedelta(hours=1))
    assert len(outbox(second, "vote_reminder")) == 3
    assert "vote_result" not in kinds(second)
    closes = datetime(2024, 1, 18, 8, 0, tzinfo=UTC)
    with Session(second.engine) as session:
        vote = session.get(Vote, 1)
        assert vote is not None and vote.status == "open" and vote.closes_at == closes
    second.advance_to(closes + timedelta(days=5))
    second.advance_to(closes + timedelta(days=6))
    assert len(outbox(second, "vote_result")) == 1
    assert len(outbox(second, "vote_reminder")) == 3
    with Session(second.engine) as session:
        vote = session.get(Vote, 1)
        assert vote is not None and vote.status == "closed" and vote.closed_at == closes
        decisions = session.exec(select(Decision)).all()
        assert [(d.outcome, d.votes_for, d.decided_at) for d in decisions] == [("adopted", 1, closes)]
    # A third start, after the deadline: still one result.
    third = Forum(config, SimulatedClock(closes + timedelta(days=7)), migrate=False)
    third.run_due()
    assert len(outbox(third, "vote_result")) == 1
    second.engine.dispose()
    third.engine.dispose()


async def test_closing_missed_while_down_happens_once_at_restart(config: Config) -> None:
    first = Forum(config, SimulatedClock(START), migrate=False)
    await play(first, SETUP + "[committee] bob: /vote open P1 closes=1d\n", prefix="a")
    first.engine.dispose()
    later = Forum(config, SimulatedClock(START + timedelta(days=3)), migrate=False)
    assert later.run_due() >= 1
    assert later.run_due() == 0
    assert len(outbox(later, "vote_result")) == 1
    # the reminder's moment had passed with the deadline: no reminder after the vote closed
    assert outbox(later, "vote_reminder") == []
    later.engine.dispose()


async def test_no_table_links_a_voter_to_a_secret_choice(forum: Forum) -> None:
    script = SETUP + """
[committee] bob: /vote open P1 secret
[committee] carol: /vote V1 no
[dm] carol: /vote V1 yes
[dm] dave: /vote V1 no
[dm] dave: /vote V1 abstain because
[dm] erin: /vote V1 no
[dm] erin: /vote V1 withdraw
[dm] erin: /vote V1 no
[dm] bob: /vote V1 yes
"""
    out = await play(forum, script)
    assert "your ballot was NOT recorded" in out
    with Session(forum.engine) as session:
        open_slots = session.exec(select(SecretChoice.slot)).all()
        assert len(open_slots) == 4 and all(open_slots)  # while open: opaque slots, one per voter
    out = await play(forum, "[committee] bob: /vote close V1\n", prefix="c")
    assert "Yes: 2 · No: 1 · Abstentions: 1" in out
    with Session(forum.engine) as session:
        people = {a.handle: a.person_id for a in session.exec(select(Account).where(
            col(Account.handle).in_(["carol", "dave", "erin", "bob"]))).all()}
    assert len(people) == 4
    with forum.engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        for table in tables:
            columns = [c["name"] for c in inspect(conn).get_columns(table)]
            has_choice = any(c in columns for c in ("choice", "choices"))
            has_person = any(c.startswith("person") or c.endswith("_by") for c in columns)
            if table != "ballot":
                assert not (has_choice and has_person), table
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
            for row in rows:
                flat = json.dumps({k: str(v) for k, v in row.items()}).lower()
                if table == "secret_choice":
                    assert row["slot"] is None
                    assert set(row.keys()) == {"id", "vote_id", "slot", "choice", "college"}  # college: no person
                    continue
                # no other row names a secret choice next to a voter
                if table in ("outbox", "audit_event") and any(str(p) == str(row.get("person_id")) for p in
                                                              people.values()):
                    for word in ('"yes"', '"no"', '"abstain"', "choice=", ": yes", ": no", "abstain."):
                        assert word not in flat, (table, row)
        assert conn.execute(text("SELECT COUNT(*) FROM ballot")).scalar() == 0
        assert conn.execute(text("SELECT salt FROM vote WHERE id = 1")).scalar() is None
        assert conn.execute(text("SELECT COUNT(*) FROM participation WHERE vote_id = 1")).scalar() == 4
        ids = [r[0] for r in conn.execute(text("SELECT id FROM secret_choice")).all()]
        assert all(len(i) == 32 for i in ids)
    with Session(forum.engine) as session:
        assert sorted(session.exec(select(SecretChoice.choice)).all()) == ["abstain", "no", "yes", "yes"]
        assert len(session.exec(select(Participation)).all()) == 4


async def test_secret_choice_table_has_no_rowid(forum: Forum) -> None:
    """Nothing in secret_choice tells in which order the choices came (bot/storage/tables/votes.py): no column with a
    sequence or a time on either database, and on SQLite no hidden rowid (a WITHOUT ROWID table, stored in the order
    of its random key)."""
    with forum.engine.connect() as conn:
        columns = {c["name"]: c for c in inspect(conn).get_columns("secret_choice")}
        assert set(columns) == {"id", "vote_id", "slot", "choice", "college"}  # no time, no sequence, no person
        assert [name for name, c in columns.items() if c.get("default") or c.get("autoincrement") is True] == []
        assert inspect(conn).get_pk_constraint("secret_choice")["constrained_columns"] == ["id"]
        assert isinstance(columns["id"]["type"], sqltypes.String)  # a random key, not an integer counting up
        if conn.dialect.name == "sqlite":
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'secret_choice'")).scalar_one()
            assert sql.rstrip().endswith("WITHOUT ROWID"), sql
            with pytest.raises(OperationalError, match="no such column: rowid"):
                conn.execute(text("SELECT rowid FROM secret_choice")).all()


@pytest.mark.parametrize(("ballots", "options", "expected"), [
    (["yes", "no"], "", "Rejected: a tie (1 yes, 1 no) does not carry."),
    (["abstain", "abstain", "abstain", "abstain"], "", "Rejected."),
    (["yes", "abstain"], "quorum=50%", "Adopted."),  # quorum exactly met: 2 of 4
    (["yes"], "quorum=50%", "No quorum: 1 of 4 took part (25%); 50% were needed."),
    (["yes", "yes", "no"], "majority=2/3", "Adopted."),  # 2/3 exactly met
    (["yes", "abstain", "abstain"], "majority=absolute", "Rejected."),  # 1 of 3 ballots: not more than half
    (["yes", "abstain", "abstain"], "", "Adopted."),  # the same ballots carry a simple majority
    (["yes", "yes", "abstain", "abstain"], "majority=absolute", "Rejected."),  # 2 of 4: not more than half
    (["yes", "yes", "yes", "abstain"], "majority=absolute", "Adopted."),
    ([], "", "Rejected."),
])
async def test_tally_edges_through_commands(forum: Forum, ballots: list[str], options: str, expected: str) -> None:
    voters = ["bob", "carol", "dave", "erin"]
    lines = [f"[committee] bob: /vote open P1 {options}"]
    lines += [f"[committee] {voter}: /vote V1 {choice}" for voter, choice in zip(voters, ballots, strict=False)]
    lines.append("[committee] bob: /vote close V1")
    out = await play(forum, SETUP + "\n".join(lines) + "\n")
    result = out.split("Vote V1 is closed", 1)[1]
    assert expected in result
    rows = json.loads(export(Session(forum.engine), forum.config, forum.clock.now(), "decisions", "json"))
    assert rows[0]["votes_for"] == ballots.count("yes")
    assert rows[0]["abstentions"] == ballots.count("abstain")
    assert rows[0]["turnout"] == round(len(ballots) / 4, 4)


async def test_buttons_and_reactions_payloads(forum: Forum) -> None:
    await play(forum, SETUP + "[committee] alice: /lang room fr\n[committee] bob: /vote open P1\n"
               "[committee] bob: /propose Second\n"
               "[committee] bob: /vote open P2 secret\n")
    opened = outbox(forum, "vote_opened")
    assert len(opened) == 2
    open_payload, secret_payload = opened[0].payload or {}, opened[1].payload or {}
    assert open_payload["reactions"] == {"👍": "/vote V1 yes", "👎": "/vote V1 no", "🤷": "/vote V1 abstain"}
    assert open_payload["unreact"] == "/vote V1 withdraw"
    assert [b["label"] for b in open_payload["buttons"][0]] == ["Pour", "Contre", "Abstention"]  # French room
    assert "reactions" not in secret_payload
    assert all(b["private"] for b in secret_payload["buttons"][0])
    out = await play(forum, "[dm] carol: /start vote_V2\n[dm] carol: /start vote_V9\n", prefix="s")
    assert "Your ballot in V2" in out and "There is no vote V9" in out


async def test_exports_keys(forum: Forum) -> None:
    await play(forum, SETUP + "[committee] bob: /vote open P1\n[committee] carol: /vote V1 yes\n"
               "[committee] bob: /vote close V1\n")
    with Session(forum.engine) as session:
        decisions = json.loads(export(session, forum.config, forum.clock.now(), "decisions", "json"))
        votes = json.loads(export(session, forum.config, forum.clock.now(), "votes", "json"))
        csv_text = export(session, forum.config, forum.clock.now(), "decisions", "csv")
    assert set(decisions[0]) >= {"id", "title", "outcome", "decided_at", "body", "votes_for", "votes_against",
                                 "abstentions", "turnout"}
    assert decisions[0]["outcome"] == "adopted" and decisions[0]["id"] == "D1" and decisions[0]["vote"] == "V1"
    assert decisions[0]["decided_at"].startswith("2024-01-15T08:00")
    assert votes[0]["id"] == "V1" and votes[0]["status"] == "closed" and votes[0]["cast"] == 1
    assert csv_text.splitlines()[0].startswith("id,title,outcome,decided_at,body")


async def test_open_votes_are_in_the_calendar_and_whoami(forum: Forum) -> None:
    from bot.calendar_feed import calendar_events

    out = await play(forum, SETUP + "[committee] bob: /vote open P1 closes=2d\n[dm] dave: /whoami\n"
                     "[dm] carol: /vote V1 yes\n[dm] carol: /whoami\n")
    assert "Votes waiting for your ballot:\n  • V1 Publish the minutes" in out.split("[dm] carol: /vote V1 yes")[0]
    assert "Votes waiting" not in out.split("[dm] carol: /whoami")[1]
    with Session(forum.engine) as session:
        events = [e for e in calendar_events(session, forum.clock.now()) if e.uid.startswith("vote-")]
    assert [(e.uid, e.start) for e in events] == [("vote-1@forum-bot", datetime(2024, 1, 17, 8, 0, tzinfo=UTC))]
