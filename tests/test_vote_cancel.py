"""Votes and elections cancelled by the co-chairs, with a reason, recorded and announced; an identical election
opened twice is questioned first (issue 15)."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from bot.app import Forum
from bot.exports import export
from bot.storage.tables import Decision, OutboxMessage, Proposal, SecretChoice, Vote
from tests.support.forum_setup import committee, lines, propose, start
from tests.transcript import play

SETUP = start() + committee() + propose("Publish the minutes")


async def test_a_vote_is_cancelled_with_its_reason_recorded_and_announced(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[committee] bob: /vote open P1 closes=3d secret", "[dm] carol: /vote V1 yes",
        "[committee] carol: /vote cancel V1 wrong body",
        "[committee] bob: /vote cancel V1",
        "[committee] bob: /vote cancel V1 it should go to the plenary",
        "[committee] bob: /vote cancel V1 again", "[dm] dave: /vote V1 no",
        "@advance 4d", "[committee] bob: /vote status V1", "[committee] bob: /decisions"))
    assert "Vote V1 is cancelled by @bob: Publish the minutes" in out
    assert "Reason: it should go to the plenary" in out
    assert "Vote V1 is already closed or cancelled; only an open vote can be cancelled." in out
    assert "Cancelled January 15, 2024" in out
    assert "cancelled — the management committee — reason: it should go to the plenary" in out
    assert "Vote V1 is closed:" not in out  # the scheduler never counts it
    with Session(forum.engine) as session:
        vote = session.get(Vote, 1)
        assert vote is not None and vote.status == "cancelled" and vote.salt is None
        assert session.exec(select(SecretChoice)).all() == []
        [decision] = session.exec(select(Decision)).all()
        assert (decision.outcome, decision.reason, decision.vote_id) == ("cancelled", "it should go to the plenary", 1)
        proposal = session.get(Proposal, 1)
        assert proposal is not None and proposal.status == "open"
        kinds = [m.kind for m in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()]
        assert kinds.count("vote_cancelled") == 1 and "vote_result" not in kinds
        [row] = json.loads(export(session, forum.config, forum.clock.now(), "decisions", "json"))
    assert (row["outcome"], row["reason"]) == ("cancelled", "it should go to the plenary")


async def test_only_cochairs_cancel_and_the_proposal_can_be_voted_again(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[committee] bob: /vote open P1", "[committee] carol: /vote cancel V1 I changed my mind",
        "[committee] bob: /voter annuler V1 mauvaise instance", "[committee] bob: /vote open P1"))
    assert "Vote V2 is open on P1" in out
    with Session(forum.engine) as session:
        assert [v.status for v in session.exec(select(Vote).order_by(col(Vote.id))).all()] == ["cancelled", "open"]


async def test_an_election_is_cancelled(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[committee] bob: /election open Chair seats=1 candidates=@carol,@dave",
        "[committee] bob: /vote cancel V1 candidates were not called for"))
    assert "Election V1 is cancelled by @bob: Chair" in out


async def test_an_identical_election_opened_twice_is_questioned(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[plenary] bob: /election open Chair seats=1 candidates=@carol,@dave",
        "[plenary] bob: /election open chair  seats=1 candidates=@carol,@dave",
        "[plenary] bob: /election open Chair seats=1 candidates=@carol,@dave again"))
    assert ("Election V1 with the same title is already open for the plenary. To open another one "
            "anyway, send the command again with the word again.") in out
    with Session(forum.engine) as session:
        assert len(session.exec(select(Vote)).all()) == 2
