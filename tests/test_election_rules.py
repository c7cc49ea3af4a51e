"""Elections by the rules (issue 15): nobody elected without ballots or quorum, no tie on zero approvals."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.app import Forum
from bot.storage.tables import Decision, Role, Vote
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
