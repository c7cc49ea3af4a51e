"""Elections by the rules (issue 15): nobody elected without ballots or quorum, no tie on zero approvals."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from bot.app import Forum
from bot.domain.votes import Outcome, VoteStatus
from bot.exports import export
from bot.storage.tables import Account, Decision, Role, Vote
from tests.support.forum_setup import lines, roles, room, start
from tests.transcript import play

SETUP = start() + room("plenary", "plenary", english=True) + roles(
    [("bob", "cochair"), ("carol", "member"), ("dave", "member"), ("erin", "member")]) + lines(
    *(f"[dm] {p}: /lang en" for p in ("bob", "carol", "dave", "erin")))


def decisions(forum: Forum) -> list[Decision]:
    with Session(forum.engine) as session:
        return list(session.exec(select(Decision).order_by(col(Decision.id))).all())


def committee_holders(forum: Forum) -> set[int]:
    with Session(forum.engine) as session:
        return {r.person_id for r in session.exec(select(Role).where(Role.role == "committee")).all()}


async def test_an_election_without_ballots_elects_nobody(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[plenary] bob: /election open Committee seats=2 candidates=@carol,@dave closes=1d public",
        "@advance 1d"))
    assert "No quorum: nobody took part. Nobody is elected." in out
    assert "Tie" not in out and "/election resolve" not in out
    [decision] = decisions(forum)
    assert (decision.outcome, decision.elected, decision.tie) == ("no_quorum", [], False)
    assert committee_holders(forum) == set()
    with Session(forum.engine) as session:
        vote = session.get(Vote, 1)
        assert vote is not None and vote.status == "closed"


async def test_an_election_under_its_quorum_elects_nobody(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[plenary] bob: /election open Committee seats=1 candidates=@carol,@dave closes=1d quorum=50% public",
        "[plenary] carol: /vote V1 @carol", "@advance 1d"))
    assert "No quorum: 1 of 4 took part; 50% were needed. Nobody is elected." in out
    assert [(d.outcome, d.elected) for d in decisions(forum)] == [("no_quorum", [])]
    assert committee_holders(forum) == set()


async def test_zero_approvals_elect_nobody_and_are_no_tie(forum: Forum) -> None:
    """carol is approved; dave and erin are level at zero: the second seat stays vacant, nothing to settle."""
    out = await play(forum, SETUP + lines(
        "[plenary] bob: /election open Committee seats=2 candidates=@carol,@dave,@erin closes=1d public",
        "[plenary] carol: /vote V1 @carol", "@advance 1d", "[plenary] bob: /election resolve V1 @dave"))
    assert "1 seat stays vacant: no other candidate was approved." in out
    assert "Election V1 has no tie to settle." in out
    [decision] = decisions(forum)
    assert decision.outcome == "elected" and decision.tie is False and len(decision.elected or []) == 1
    assert len(committee_holders(forum)) == 1


async def test_a_tie_settled_by_the_cochairs_is_recorded_and_exported(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[plenary] bob: /election open Committee seats=1 candidates=@carol,@dave closes=1d public",
        "[plenary] carol: /vote V1 @carol", "[plenary] dave: /vote V1 @dave", "@advance 1d",
        "[plenary] bob: /election resolve V1 @dave", "[plenary] bob: /decisions"))
    assert "elected: @dave (tie settled by @bob)" in out
    [decision] = decisions(forum)
    with Session(forum.engine) as session:
        bob = session.exec(select(Account).where(Account.handle == "bob")).one()
        assert (decision.outcome, decision.tie, decision.settled_by) == ("elected", True, bob.person_id)
        assert decision.settled_at == forum.clock.now()
        [row] = json.loads(export(session, forum.config, forum.clock.now(), "decisions", "json"))
        [vote_row] = json.loads(export(session, forum.config, forum.clock.now(), "votes", "json"))
    assert (row["outcome"], row["tie"], row["settled_by"]) == ("elected", True, "bob")
    assert (vote_row["status"], vote_row["outcome"], vote_row["tie"], vote_row["settled_by"]) == (
        "closed", "elected", True, "bob")


async def test_statuses_and_outcomes_use_one_vocabulary(forum: Forum) -> None:
    await play(forum, SETUP + lines(
        "[plenary] carol: /propose Publish the minutes", "[plenary] bob: /vote open P1 closes=1d",
        "[plenary] carol: /vote V1 yes", "[plenary] dave: /vote V1 no",
        "[plenary] bob: /election open Committee seats=1 candidates=@carol,@dave closes=2d public",
        "[plenary] carol: /vote V2 @carol", "[plenary] dave: /vote V2 @dave", "@advance 2d"))
    with Session(forum.engine) as session:
        votes = session.exec(select(Vote)).all()
        assert {v.status for v in votes} <= set(VoteStatus)
        assert {(v.result or {}).get("outcome") for v in votes} <= set(Outcome)
        assert {d.outcome for d in session.exec(select(Decision)).all()} <= set(Outcome)
        rows = json.loads(export(session, forum.config, forum.clock.now(), "votes", "json"))
    assert [(r["status"], r["outcome"], r["tie"]) for r in rows] == [("closed", "rejected", True), ("tie", "tie", True)]
