"""Votes by college through the commands: results by college, double majority, consensus, quorum in each college,
secret ballots counted by college, and the exports."""

from __future__ import annotations

import json

from sqlmodel import Session

from bot.app import Forum
from bot.exports import export
from tests.support.forum_setup import lines, room, start
from tests.transcript import play

GOV, CS = ("g1", "g2", "g3"), ("c1", "c2", "c3")
SETUP = start() + room("plenary", "plenary", english=True) + lines(
    "[dm] alice: /lang en",
    *(f"[plenary] alice: /role @{p} member college=government" for p in GOV),
    *(f"[plenary] alice: /role @{p} member college=civil-society" for p in CS),
    "[plenary] alice: /role @bob cochair", "[plenary] c1: /propose Open the budget data")


def exported(forum: Forum, name: str) -> list[dict[str, object]]:
    with Session(forum.engine) as session:
        return json.loads(export(session, forum.config, forum.clock.now(), name, "json"))


def ballots(vote: int, choices: dict[str, str]) -> str:
    return lines(*(f"[plenary] {who}: /vote V{vote} {choice}" for who, choice in choices.items()))


async def test_double_majority_passes_overall_but_fails_in_one_college(forum: Forum) -> None:
    out = await play(forum, SETUP + lines("[plenary] bob: /vote open P1 majority=double") + ballots(1, {
        "g1": "yes", "g2": "yes", "g3": "yes", "c1": "yes", "c2": "no", "c3": "no"})
        + lines("[plenary] bob: /vote close V1"))
    assert "Majority: double (more yes than no overall and in each college)." in out
    assert "Rejected: the double majority is not reached in civil society." in out
    assert "Yes: 4 · No: 2 · Abstentions: 0" in out
    assert "  • civil society: yes 1 · no 2 · abstentions 0 — turnout 3/3" in out
    assert "  • government: yes 3 · no 0 · abstentions 0 — turnout 3/3" in out
    decision = exported(forum, "decisions")[0]
    assert decision["outcome"] == "rejected" and decision["votes_for"] == 4
    assert decision["by_college"] == {
        "civil-society": {"for": 1, "against": 2, "abstentions": 0, "cast": 3, "electorate": 3},
        "government": {"for": 3, "against": 0, "abstentions": 0, "cast": 3, "electorate": 3},
        "none": {"for": 0, "against": 0, "abstentions": 0, "cast": 0, "electorate": 1}}  # bob has no college
    assert exported(forum, "votes")[0]["by_college"] == decision["by_college"]


async def test_consensus_records_the_objections(forum: Forum) -> None:
    out = await play(forum, SETUP + lines("[plenary] bob: /vote open P1 majorite=consensus") + ballots(1, {
        "g1": "yes", "c2": "no we need four meetings a year"}) + lines("[plenary] bob: /vote close V1"))
    assert "Decision by consensus: adopted when nobody votes against." in out
    assert "Rejected: 1 objection; a consensus needs nobody against." in out
    decision = exported(forum, "decisions")[0]
    assert decision["outcome"] == "rejected" and decision["tie"] is False
    assert decision["objections"] == [{"person": 6, "reason": "we need four meetings a year"}]


async def test_quorum_in_each_college(forum: Forum) -> None:
    out = await play(forum, SETUP + lines("[plenary] bob: /vote open P1 quorum-college=50%") + ballots(1, {
        "g1": "yes", "g2": "yes", "g3": "yes", "c1": "yes"}) + lines("[plenary] bob: /vote close V1"))
    assert "Quorum in each college: 50% of its members must take part." in out
    assert "No quorum in civil society: each college must reach its quorum. Nothing is decided." in out
    assert exported(forum, "decisions")[0]["outcome"] == "no_quorum"


async def test_a_secret_vote_is_counted_by_college_without_a_small_college_choices(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[plenary] alice: /college @bob academia", "[plenary] alice: /college @bob government",
        "[plenary] alice: /college @c3 government", "[plenary] bob: /vote open P1 secret",
        *(f"[dm] {who}: /vote V1 {choice}" for who, choice in (("g1", "yes"), ("g2", "no"), ("g3", "yes"),
                                                              ("bob", "yes"), ("c1", "no"), ("c2", "no"))),
        "[plenary] bob: /vote close V1"))
    assert "“academia” is not a college here." in out
    assert "  • government: yes 3 · no 1 · abstentions 0 — turnout 4/5" in out
    assert "  • civil society: turnout 2/2 (its choices stay secret: too few voters)" in out
    by_college = exported(forum, "decisions")[0]["by_college"]
    assert by_college["civil-society"] == {"for": None, "against": None, "abstentions": None, "cast": 2,
                                           "electorate": 2}


async def test_a_secret_double_majority_needs_large_enough_colleges(forum: Forum) -> None:
    out = await play(forum, SETUP + lines("[plenary] alice: /college @c3 government",
                                          "[plenary] bob: /vote open P1 secret majority=double"))
    assert "A secret vote counted by college needs at least 3 voters in each college; civil society has 2." in out
    assert exported(forum, "votes") == []
