"""The college rules of a vote, counted directly: double majority, consensus, quorum in each college, and what a
secret vote may show of a college."""

from __future__ import annotations

from fractions import Fraction

from bot.rules.college_tally import CollegeCount, base_majority, college_verdict, visible_college_counts
from bot.rules.proxies import ProxyRules, parse_proxy_rules, proxy_refusal

GOV_YES = CollegeCount(cast=3, electorate=4, yes=3, no=0, abstain=0)
CS_NO = CollegeCount(cast=3, electorate=4, yes=1, no=2, abstain=0)
CS_YES = CollegeCount(cast=3, electorate=4, yes=2, no=1, abstain=0)


def test_double_majority_needs_the_yes_to_carry_in_each_college() -> None:
    split = {"government": GOV_YES, "civil-society": CS_NO}
    verdict = college_verdict("adopted", 4, 2, "double", split, None)
    assert verdict.outcome == "rejected" and verdict.against == ("civil-society",)
    assert college_verdict("adopted", 5, 1, "double", {"government": GOV_YES, "civil-society": CS_YES},
                           None).outcome == "adopted"
    assert college_verdict("rejected", 2, 3, "double", {"government": GOV_YES}, None).outcome == "rejected"
    # a college that has nobody in the electorate is not asked
    assert college_verdict("adopted", 3, 0, "double", {"government": GOV_YES, "academia": CollegeCount(0, 0)},
                           None).outcome == "adopted"
    # simple, absolute, 2/3: the colleges change nothing
    assert college_verdict("adopted", 4, 2, "simple", split, None).outcome == "adopted"


def test_consensus_is_adopted_when_nobody_is_against() -> None:
    assert college_verdict("adopted", 3, 0, "consensus", {}, None).outcome == "adopted"
    assert college_verdict("adopted", 9, 1, "consensus", {}, None).outcome == "rejected"
    assert college_verdict("rejected", 0, 0, "consensus", {}, None).outcome == "rejected"  # nobody for either
    assert base_majority("consensus") == base_majority("double") == "simple"
    assert base_majority("two_thirds") == "two_thirds"


def test_quorum_in_each_college() -> None:
    low = CollegeCount(cast=1, electorate=4, yes=1, no=0, abstain=0)
    verdict = college_verdict("adopted", 4, 0, "simple", {"government": GOV_YES, "civil-society": low},
                              Fraction(2, 5))
    assert verdict.outcome == "no_quorum" and verdict.short_of_quorum == ("civil-society",)
    exactly = CollegeCount(cast=2, electorate=5, yes=2, no=0, abstain=0)  # 40% reached exactly counts
    assert college_verdict("adopted", 5, 0, "simple", {"government": GOV_YES, "civil-society": exactly},
                           Fraction(2, 5)).outcome == "adopted"
    assert college_verdict("no_quorum", 0, 0, "double", {}, None).outcome == "no_quorum"


def test_a_secret_vote_hides_the_choices_of_a_small_college() -> None:
    counts = visible_college_counts({"government": {"yes": 3}, "academia": {"no": 1}},
                                    {"government": 3, "academia": 1}, {"government": 4, "academia": 2}, True, 3)
    assert counts["government"] == CollegeCount(3, 4, 3, 0, 0)
    assert counts["academia"] == CollegeCount(1, 2)  # 2 voters < 3: turnout only
    shown = visible_college_counts({"academia": {"no": 1}}, {"academia": 1}, {"academia": 2}, False, 3)
    assert shown["academia"] == CollegeCount(1, 2, 0, 1, 0)  # an open vote shows everything


def test_proxy_limits() -> None:
    rules = ProxyRules(max_per_holder=1, same_college=True, in_secret_votes=False)
    ok = {"giver": 1, "holder": 2, "held": 0, "giver_college": "government", "holder_college": "government",
          "secret": False}
    assert proxy_refusal(rules, **ok) is None
    assert proxy_refusal(rules, **{**ok, "holder": 1}) == "self"
    assert proxy_refusal(rules, **{**ok, "held": 1}) == "too_many"
    assert proxy_refusal(rules, **{**ok, "holder_college": "civil-society"}) == "other_college"
    assert proxy_refusal(rules, **{**ok, "secret": True}) == "secret"
    assert proxy_refusal(ProxyRules(max_per_holder=2), **{**ok, "held": 1}) is None
    assert parse_proxy_rules({"max_per_holder": 2, "same_college": True}) == ProxyRules(2, True, True)
