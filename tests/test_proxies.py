"""Proxies (issue 17): given for a vote, a meeting or until a date, used with for=, taken back by voting oneself,
limited by the config, counted in the result and the register, kept in the audit log; a secret ballot by proxy
stays secret."""

from __future__ import annotations

import json
from dataclasses import replace

from sqlmodel import Session, select

from bot.app import Forum
from bot.exports import export
from bot.rules.proxies import ProxyRules
from bot.storage.tables import AuditEvent, ProxyBallot
from tests.support.forum_setup import lines, room, start
from tests.transcript import play

MEMBERS = ("anne", "paul", "lea", "marc")
SETUP = start() + room("plenary", "plenary", english=True) + lines(
    "[dm] alice: /lang en", *(f"[dm] {p}: /lang en" for p in MEMBERS),
    *(f"[plenary] alice: /role @{p} member" for p in MEMBERS),
    "[plenary] alice: /role @bob cochair", "[plenary] lea: /propose Meet four times a year",
    "[plenary] bob: /vote open P1")


def exported(forum: Forum, name: str) -> list[dict[str, object]]:
    with Session(forum.engine) as session:
        return json.loads(export(session, forum.config, forum.clock.now(), name, "json"))


async def test_a_proxy_for_one_vote_is_used_counted_and_audited(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[dm] anne: /proxy @paul V1", "[plenary] paul: /vote V1 no for=@anne", "[plenary] paul: /vote V1 yes",
        "[plenary] lea: /vote V1 yes", "[dm] anne: /proxy", "[plenary] bob: /vote close V1"))
    assert "You gave your proxy to @paul for vote V1." in out
    assert "[dm paul] bot: @anne gave you their proxy for vote V1." in out
    assert "Your ballot for @anne in V1 is recorded: no." in out
    assert "[dm anne] bot: @paul cast your ballot in V1 with the proxy you gave." in out
    assert "• to @paul for vote V1" in out
    assert "1 ballot was cast by proxy." in out
    assert "Yes: 2 · No: 1" in out
    decision = exported(forum, "decisions")[0]
    assert decision["proxies"] == 1 and decision["votes_against"] == 1
    with Session(forum.engine) as session:
        actions = [a.action for a in session.exec(select(AuditEvent)).all()]
    assert "proxy.give" in actions and "vote.proxy_ballot" in actions


async def test_the_giver_who_votes_takes_the_vote_back(forum: Forum) -> None:
    out = await play(forum, SETUP + lines(
        "[dm] anne: /procuration @paul V1", "[plenary] paul: /voter V1 contre au-nom-de=@anne",
        "[plenary] anne: /vote V1 yes", "[plenary] paul: /vote V1 no for=@anne",
        "[plenary] bob: /vote close V1"))
    assert "[dm paul] bot: @anne has voted in V1 themselves: your proxy for them no longer counts in this vote." in out
    assert "@anne has voted in V1 themselves: your proxy no longer counts in this vote." in out
    assert "Yes: 1 · No: 0" in out
    assert exported(forum, "decisions")[0]["proxies"] == 0


async def test_refusals_follow_the_rules(forum: Forum) -> None:
    forum.config = replace(forum.config, proxies=ProxyRules(max_per_holder=1, same_college=False,
                                                             in_secret_votes=True))
    out = await play(forum, SETUP + lines(
        "[dm] anne: /proxy @anne V1", "[dm] anne: /proxy @paul V1", "[dm] lea: /proxy @paul V1",
        "[dm] anne: /proxy @paul V1", "[dm] alice: /proxy @paul V1", "[dm] anne: /proxy @paul",
        "[plenary] marc: /vote V1 yes for=@lea", "[dm] anne: /proxy cancel V1",
        "[plenary] paul: /vote V1 yes for=@anne", "[dm] anne: /proxy cancel V1"))
    assert "You cannot give a proxy to yourself." in out
    assert "@paul already holds as many proxies as the rules allow for that." in out
    assert "You have already given a proxy for that: cancel it first" in out
    assert "You have no vote to give" in out
    assert "Say what the proxy covers: a vote (V4), a meeting (S2) or until=DATE." in out
    assert "You hold no proxy from @lea for V1." in out
    assert "[dm paul] bot: @anne cancelled the proxy they gave you for vote V1." in out
    assert "You hold no proxy from @anne for V1." in out
    assert "You have no proxy to cancel there." in out


async def test_a_secret_ballot_by_proxy_stays_secret(forum: Forum) -> None:
    out = await play(forum, start() + room("plenary", "plenary", english=True) + lines(
        "[dm] alice: /lang en", *(f"[dm] {p}: /lang en" for p in MEMBERS),
        *(f"[plenary] alice: /role @{p} member" for p in MEMBERS),
        "[plenary] alice: /role @bob cochair", "[plenary] lea: /propose Meet four times a year",
        "[plenary] bob: /vote open P1 secret", "[dm] anne: /proxy @paul until=2024-12-31",
        "[plenary] paul: /vote V1 yes for=@anne", "[dm] paul: /vote V1 yes for=@anne",
        "[plenary] bob: /vote close V1"))
    assert "Vote V1 is secret: your ballot was NOT recorded" in out
    assert "Your ballot for @anne in V1 is recorded: a secret ballot." in out
    assert "1 ballot was cast by proxy." in out
    with Session(forum.engine) as session:
        rows = session.exec(select(ProxyBallot)).all()
        details = [a.details for a in session.exec(select(AuditEvent)).all()]
    assert len(rows) == 1  # who cast for whom, never the choice
    assert not any("yes" in json.dumps(d) for d in details if d)


async def test_a_meeting_proxy_counts_the_giver_present(forum: Forum) -> None:
    out = await play(forum, SETUP.replace("[plenary] bob: /vote open P1\n", "") + lines(
        "[plenary] alice: /meeting plan plenary 2024-01-15 10:00 CESE", "[dm] anne: /proxy @paul S1",
        "@at 2024-01-15 10:00", "[plenary] alice: /minutes start S1",
        "[plenary] paul: #here", "[plenary] lea: #here",
        "[plenary] bob: /vote open P1 electorate=present", "[plenary] paul: /vote V1 yes for=@anne"))
    assert "Vote V1 is open on P1: 3 people may vote until" in out  # paul, lea, and anne by proxy
    assert "Your ballot for @anne in V1 is recorded: yes." in out
