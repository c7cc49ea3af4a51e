"""The writes every message makes without the ORM's unit of work (bot/storage/prebuilt.py): they must still land."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, select

from bot.app import Forum
from bot.audit import record_audit
from bot.domain.votes.lookups import is_eligible
from bot.storage.db import unit_of_work
from bot.storage.tables import Account, AuditEvent, Ballot, Electorate, Participation, Vote
from tests.transcript import play

# `@at` is in the forum's time zone (Europe/Paris: UTC+1 in January).
SETUP = """
@at 2024-01-15 09:00
@admin alice
[plenary] alice: /room plenary
[plenary] alice: /lang room en
[plenary] alice: /role @bob cochair
[plenary] alice: /role @carol member
[plenary] carol: /lang en
[plenary] bob: /propose Publish the minutes
[plenary] bob: /vote open P1 body=plenary closes=7d
"""


def _last_seen(forum: Forum, handle: str) -> datetime | None:
    with Session(forum.engine) as session:
        return session.exec(select(Account.last_seen_at).where(Account.handle == handle)).one()


async def test_the_senders_last_seen_time_follows_each_message(forum: Forum) -> None:
    await play(forum, SETUP)
    assert _last_seen(forum, "carol") == datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
    await play(forum, "@at 2024-01-16 10:30\n[plenary] carol: /whoami\n", prefix="later")
    assert _last_seen(forum, "carol") == datetime(2024, 1, 16, 9, 30, tzinfo=UTC)
    assert _last_seen(forum, "bob") == datetime(2024, 1, 15, 8, 0, tzinfo=UTC)


async def test_a_changed_ballot_replaces_the_choice_and_keeps_one_row(forum: Forum) -> None:
    out = await play(forum, SETUP + "[plenary] carol: /vote V1 yes\n@at 2024-01-16 10:00\n"
                                    "[plenary] carol: /vote V1 no too early\n")
    assert "Your ballot in V1 is changed: no." in out
    with Session(forum.engine) as session:
        (ballot,) = session.exec(select(Ballot)).all()
        assert (ballot.choice, ballot.reason) == ("no", "too early")
        assert ballot.cast_at == datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
        assert ballot.changed_at == datetime(2024, 1, 16, 9, 0, tzinfo=UTC)
        assert len(session.exec(select(Participation)).all()) == 1


async def test_a_participation_left_without_its_ballot_gets_the_ballot_back(forum: Forum) -> None:
    """A participation and its ballot are written together; if a ballot were ever missing, changing it must not
    silently update nothing."""
    await play(forum, SETUP + "[plenary] carol: /vote V1 yes\n")
    with unit_of_work(forum.engine) as session:
        for ballot in session.exec(select(Ballot)).all():
            session.delete(ballot)
    out = await play(forum, "[plenary] carol: /vote V1 abstain\n", prefix="again")
    assert "Your ballot in V1 is changed: abstain." in out
    with Session(forum.engine) as session:
        assert [b.choice for b in session.exec(select(Ballot)).all()] == ["abstain"]


async def test_core_statements_see_what_the_session_has_not_flushed_yet(forum: Forum) -> None:
    await play(forum, SETUP)
    with unit_of_work(forum.engine) as session:
        vote = session.exec(select(Vote)).one()
        alice = session.exec(select(Account.person_id).where(Account.handle == "alice")).one()
        assert vote.id is not None and not is_eligible(session, vote, alice)  # the admin is not a plenary member
        session.add(Electorate(vote_id=vote.id, person_id=alice))
        assert is_eligible(session, vote, alice)
        session.rollback()


async def test_audit_entries_are_numbered_in_the_order_they_are_recorded(forum: Forum) -> None:
    with unit_of_work(forum.engine) as session:
        for n in range(3):
            record_audit(session, datetime(2024, 1, 1, tzinfo=UTC), None, f"test.step{n}", "test", n,
                         {"n": n} if n else None)
    with Session(forum.engine) as session:
        rows = session.exec(select(AuditEvent).where(col(AuditEvent.action).startswith("test."))
                            .order_by(col(AuditEvent.id))).all()
    assert [(r.action, r.object_id, r.details) for r in rows] == [
        ("test.step0", "0", None), ("test.step1", "1", {"n": 1}), ("test.step2", "2", {"n": 2})]
