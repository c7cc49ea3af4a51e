"""A closed vote's outcome is final (issue 15): /answer cannot contradict it, a settled proposal is voted again
only once a co-chair reopens it (with the reason kept), and answers keep their history."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.app import Forum
from bot.storage.tables import AuditEvent, Proposal, ProposalEvent
from tests.support.forum_setup import committee, lines, propose, start
from tests.transcript import play

SETUP = start() + committee() + propose("Publish the minutes")
REJECTED = SETUP + lines("[committee] bob: /vote open P1 closes=1d", "[committee] carol: /vote V1 no",
                         "[committee] dave: /vote V1 no", "@advance 1d")


def proposal(forum: Forum) -> Proposal:
    with Session(forum.engine) as session:
        found = session.get(Proposal, 1)
        assert found is not None
        return found


async def test_an_answer_cannot_contradict_the_vote(forum: Forum) -> None:
    out = await play(forum, REJECTED + lines("[committee] bob: /answer P1 accepted we like it after all"))
    assert "Proposal P1 was rejected by the vote V1 (D1); that decision is final" in out
    assert proposal(forum).status == "rejected" and proposal(forum).answer is None
    out = await play(forum, lines("[committee] bob: /answer P1 evaluating the secretariat follows it up",
                                  "[committee] bob: /proposal P1"), prefix="b")
    assert "Proposal P1: answer recorded (being evaluated)" in out
    found = proposal(forum)
    assert (found.status, found.answer) == ("rejected", "evaluating")  # the follow-up leaves the decision alone
    assert "Status: rejected." in out


async def test_a_rejected_proposal_is_voted_again_only_once_reopened(forum: Forum) -> None:
    out = await play(forum, REJECTED + lines(
        "[committee] bob: /vote open P1", "[committee] carol: /reopen P1 new facts",
        "[committee] bob: /reopen P1", "[committee] bob: /reopen P1 the budget is now voted",
        "[committee] bob: /reopen P1 twice", "[committee] bob: /vote open P1", "[committee] bob: /proposal P1"))
    assert ("Proposal P1 is rejected: that is final. A co-chair may reopen it, with the reason, before it is put "
            "to the vote again: /reopen P1 <reason>.") in out
    assert "Proposal P1 is open again; the reason is kept in its history." in out
    assert "Proposal P1 is still open (open): there is nothing to reopen." in out
    assert "Vote V2 is open on P1" in out
    assert "reopened by @bob: the budget is now voted" in out
    with Session(forum.engine) as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "proposal.reopen")).all()
        assert len(audit) == 1


async def test_a_withdrawn_proposal_is_voted_only_once_reopened_in_french(forum: Forum) -> None:
    out = await play(forum, start() + lines(
        "[comite] alice: /salon comite", "[comite] alice: /role @bruno copresident",
        "[comite] alice: /role @claire comite", "[comite] claire: /proposer Un titre", "[comite] claire: /retirer P1",
        "[comite] bruno: /voter ouvrir P1", "[comite] bruno: /rouvrir P1 retirée par erreur",
        "[comite] bruno: /voter ouvrir P1"))
    assert "La proposition P1 est retirée\u202f: c’est définitif." in out
    assert "Le vote V1 est ouvert sur P1" in out


async def test_answer_changes_keep_their_history(forum: Forum) -> None:
    await play(forum, SETUP + lines("[committee] bob: /answer P1 evaluating we look at it",
                                    "[committee] bob: /answer P1 rejected no budget",
                                    "[committee] bob: /answer P1 accepted budget found"))
    with Session(forum.engine) as session:
        steps = session.exec(select(ProposalEvent).where(ProposalEvent.action == "answer")
                             .order_by(col(ProposalEvent.id))).all()
        assert [(e.answer, e.text) for e in steps] == [("evaluating", "we look at it"), ("rejected", "no budget"),
                                                       ("accepted", "budget found")]
    assert proposal(forum).status == "accepted"
