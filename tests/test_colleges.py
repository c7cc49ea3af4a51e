"""Colleges and organisations: /college, /role, /accept, /members, /whoami, the members export; parity rules."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlmodel import Session

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config, ConfigError, parse_config
from bot.exports import export
from bot.rules.colleges import Breach, CollegeRules, new_breaches, parity_breaches, parse_college_rules
from tests.support import FORUM_EPOCH
from tests.support.forum_setup import lines, room, start
from tests.transcript import bot_lines, play

PARITY = CollegeRules(extra=("parliament",), cochairs=("government", "civil-society"),
                      committee={"government": 2, "civil-society": 2})


def members_export(forum: Forum) -> list[dict[str, object]]:
    with Session(forum.engine) as session:
        return json.loads(export(session, forum.config, forum.clock.now(), "members", "json"))


async def test_college_set_in_french_and_english_and_shown_everywhere(forum: Forum) -> None:
    out = await play(forum, start() + room("plenary", "plenary") + lines(
        '[plenary] alice: /college @bob gouvernement org="Ministère de la Transformation publique"',
        "[plenary] alice: /role @bob copresident",
        '[plenary] alice: /role @carol cochair college=societe-civile org="Open Knowledge France"',
        "[plenary] alice: /college @dave martians",
        "[plenary] alice: /members", "[dm] bob: /lang en", "[dm] bob: /whoami",
        "[dm] erin: /apply I run an NGO college=civil-society", "[plenary] alice: /accept A1 org=Transparency"))
    said = bot_lines(out)
    assert "[plenary] bot: @bob\u202f: gouvernement, Ministère de la Transformation publique." in said
    assert "«\u202fmartians\u202f» n’est pas un collège ici. Collèges\u202f: gouvernement, société civile." in out
    assert "• @bob\u202f: membre de la coprésidence (gouvernement, Ministère de la Transformation publique)" in out
    assert "  College: government, Ministère de la Transformation publique." in out
    rows = {(r["name"], r["role"]): r for r in members_export(forum)}
    assert rows[("bob", "cochair")]["college"] == "government"
    assert rows[("carol", "cochair")]["organisation"] == "Open Knowledge France"
    assert rows[("erin", "member")]["college"] == "civil-society"  # asked in /apply, kept by /accept
    assert rows[("erin", "member")]["organisation"] == "Transparency"


async def test_declared_college_is_accepted(config: Config) -> None:
    forum = Forum(replace(config, colleges=CollegeRules(extra=("parliament",))), SimulatedClock(FORUM_EPOCH),
                  migrate=False)
    try:
        out = await play(forum, start() + lines("[plenary] alice: /college @dave Parliament org=Sénat"))
        assert "@dave\u202f: parliament, Sénat." in out
    finally:
        forum.engine.dispose()


async def test_parity_refuses_a_second_government_cochair_and_warns_when_configured(config: Config) -> None:
    forum = Forum(replace(config, colleges=PARITY), SimulatedClock(FORUM_EPOCH), migrate=False)
    try:
        out = await play(forum, start() + lines(
            "[dm] alice: /lang en", "[plenary] alice: /role @bob cochair college=government",
            "[plenary] alice: /role @paul cochair college=government",
            "[plenary] alice: /role @carol cochair college=civil-society"))
        assert "Refused: this breaks the parity rules (the co-chairs must be one per college, and government " \
               "would have 2)." in out
        cochairs = {r["name"] for r in members_export(forum) if r["role"] == "cochair"}
        assert cochairs == {"bob", "carol"}
    finally:
        forum.engine.dispose()
    warning = Forum(replace(config, colleges=replace(PARITY, on_breach="warn")), SimulatedClock(FORUM_EPOCH),
                    migrate=False)
    try:
        grants = (f"[plenary] alice: /role @{p} committee college=government" for p in ("g1", "g2", "g3"))
        out = await play(warning, start() + lines("[dm] alice: /lang en", *grants), prefix="w")
        assert "⚠️ Parity: the committee holds 2 seats for government, which would have 3." in out
    finally:
        warning.engine.dispose()


def test_parity_rules_directly() -> None:
    holders = [("cochair", "government"), ("cochair", "civil-society"), ("committee", "government")]
    assert parity_breaches(holders, PARITY) == []
    assert parity_breaches([*holders, ("cochair", "government")], PARITY) == [Breach("cochair", "government", 2, 1)]
    assert parity_breaches([("cochair", None)], PARITY) == [Breach("cochair", None, 1, 0)]
    three = [("committee", "civil-society")] * 3
    assert new_breaches(three, three, PARITY) == []  # already there: not blamed on the change
    assert new_breaches(three[:2], three, PARITY) == [Breach("committee", "civil-society", 3, 2)]
    assert parity_breaches(three, CollegeRules()) == []  # no rules, no breach


def test_college_config_is_checked() -> None:
    rules = parse_college_rules({"extra": ["Académie"], "committee": {"gouvernement": 2}})
    assert rules.names == ("government", "civil-society", "academie")
    assert rules.committee == {"government": 2}
    assert rules.college("Société civile") == "civil-society"
    with pytest.raises(ConfigError, match=r"colleges\.on_breach"):
        parse_config({"colleges": {"on_breach": "shout"}}, {})
    with pytest.raises(ConfigError, match=r"colleges\.cochairs"):
        parse_config({"colleges": {"cochairs": ["martians"]}}, {})
    with pytest.raises(ConfigError, match=r"proxies\.max_per_holder"):
        parse_config({"proxies": {"max_per_holder": -1}}, {})


async def test_secretariat_is_alerted_when_a_mandate_end_would_leave_a_cochair_seat_empty(config: Config) -> None:
    forum = Forum(replace(config, colleges=PARITY), SimulatedClock(FORUM_EPOCH), migrate=False)
    try:
        out = await play(forum, start() + room("secretariat", "secretariat") + lines(
            "[secretariat] alice: /lang room en",
            "[plenary] alice: /role @bob cochair college=government until=2024-03-31",
            "[plenary] alice: /role @carol cochair college=civil-society", "@advance 30d"))
        assert "[secretariat] bot: ⚠️ Parity: when this mandate ends, no co-chair would be left for government." \
            in out
    finally:
        forum.engine.dispose()
