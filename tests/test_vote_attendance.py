"""Quorum from attendance (issue 17): a vote opened during a meeting with `electorate=present` is counted on the
members of the body recorded present in its minutes, not on all of them."""

from __future__ import annotations

import json

from sqlmodel import Session

from bot.app import Forum
from bot.exports import export
from tests.support.forum_setup import lines, room, start
from tests.transcript import play

MEMBERS = ("g1", "g2", "c1", "c2", "c3")
SETUP = start() + room("plenary", "plenary", english=True) + lines(
    "[dm] alice: /lang en",
    *(f"[plenary] alice: /role @{p} member" for p in MEMBERS),
    "[plenary] alice: /role @bob cochair", "[plenary] c1: /propose Meet four times a year",
    "[plenary] alice: /meeting plan plenary 2024-01-15 10:00 CESE",
    "@at 2024-01-15 10:00", "[plenary] alice: /minutes start S1")


def decisions(forum: Forum) -> list[dict[str, object]]:
    with Session(forum.engine) as session:
        return json.loads(export(session, forum.config, forum.clock.now(), "decisions", "json"))


async def test_a_vote_on_attendance_counts_only_those_present(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[plenary] g1: #here", "[plenary] c1: #here", "[plenary] bob: #here",
        "[plenary] bob: /vote open P1 electorate=present",
        "[plenary] g1: /vote V1 yes", "[plenary] c1: /vote V1 yes", "[plenary] c2: /vote V1 no",
        "[plenary] bob: /vote close V1"))
    assert "Vote V1 is open on P1: 3 people may vote until" in out
    assert "Counted on the members present at the meeting (and the proxies they hold)." in out
    assert "You are not in the electorate of V1" in out  # c2 is a member but was not recorded present
    decision = decisions(forum)[0]
    assert (decision["outcome"], decision["electorate"], decision["cast"]) == ("adopted", 3, 2)


async def test_the_french_option_and_the_refusals(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[plenary] bob: /voter ouvrir P1 corps=presents",
        "[plenary] g1: #here", "[plenary] alice: /minutes end",
        "[plenary] bob: /vote open P1 electorate=present"))
    assert "None of those recorded present (#here) may vote in the plenary." in out
    assert "electorate=present counts the members present at a meeting: start its minutes in this room first" in out
    assert "Vote V1 is open" not in out and not decisions(forum)
