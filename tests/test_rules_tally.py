"""Tests for bot.rules.tally."""

from __future__ import annotations

import itertools
from collections import Counter
from fractions import Fraction
from random import Random

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from bot.rules.tally import (
    ApprovalError,
    Choice,
    Majority,
    MajorityError,
    QuorumError,
    TallyError,
    approval_result,
    parse_majority,
    parse_quorum,
    tally,
    validate_approval,
)

HALF = Fraction(1, 2)


def votes(yes: int = 0, no: int = 0, abstain: int = 0) -> list[Choice]:
    """A ballot list with the given counts."""
    counts: tuple[tuple[Choice, int], ...] = (
        ("yes", yes),
        ("no", no),
        ("abstain", abstain),
    )
    return [choice for choice, count in counts for _ in range(count)]


# --------------------------------------------------------------------------- tally


def test_counts_and_turnout() -> None:
    t = tally(
        ["yes", "no", "yes", "abstain"], electorate=8, quorum=None, majority="simple"
    )
    assert (t.yes, t.no, t.abstain, t.cast, t.electorate) == (2, 1, 1, 4, 8)
    assert t.turnout == Fraction(1, 2)
    assert t.quorum_met is True
    assert t.outcome == "adopted"
    assert t.tie is False


def test_simple_majority_tie_is_rejected() -> None:
    t = tally(votes(3, 3, 1), 10, None, "simple")
    assert t.outcome == "rejected"
    assert t.tie is True


def test_simple_majority_one_vote_ahead() -> None:
    assert tally(votes(4, 3), 10, None, "simple").outcome == "adopted"
    assert tally(votes(3, 4), 10, None, "simple").outcome == "rejected"


def test_simple_majority_ignores_abstentions() -> None:
    t = tally(votes(1, 0, 9), 10, None, "simple")
    assert t.outcome == "adopted"


@pytest.mark.parametrize("majority", ["simple", "absolute", "two_thirds"])
def test_all_abstain_is_rejected(majority: Majority) -> None:
    t = tally(votes(0, 0, 5), 5, HALF, majority)
    assert t.outcome == "rejected"
    assert t.quorum_met is True
    assert t.tie is False


def test_quorum_exactly_met() -> None:
    t = tally(votes(3, 1, 1), 10, HALF, "simple")
    assert t.turnout == Fraction(1, 2)
    assert t.quorum_met is True
    assert t.outcome == "adopted"


def test_quorum_just_below() -> None:
    t = tally(votes(3, 1), 10, HALF, "simple")
    assert t.quorum_met is False
    assert t.outcome == "no_quorum"


def test_abstentions_count_for_quorum() -> None:
    assert tally(votes(1, 0, 4), 10, HALF, "simple").outcome == "adopted"
    assert tally(votes(1, 0, 3), 10, HALF, "simple").outcome == "no_quorum"


def test_quorum_two_thirds_exact() -> None:
    assert tally(votes(2, 0), 3, Fraction(2, 3), "simple").quorum_met is True
    assert tally(votes(1, 0), 3, Fraction(2, 3), "simple").quorum_met is False


def test_two_thirds_exactly_met() -> None:
    t = tally(votes(2, 1), 3, None, "two_thirds")
    assert t.outcome == "adopted"


def test_two_thirds_just_below() -> None:
    assert tally(votes(5, 3), 8, None, "two_thirds").outcome == "rejected"
    assert tally(votes(199, 100), 299, None, "two_thirds").outcome == "rejected"
    assert tally(votes(200, 100), 300, None, "two_thirds").outcome == "adopted"


def test_two_thirds_ignores_abstentions() -> None:
    assert tally(votes(2, 1, 10), 13, None, "two_thirds").outcome == "adopted"


def test_absolute_majority_with_abstentions() -> None:
    assert tally(votes(3, 1, 2), 6, None, "absolute").outcome == "rejected"
    assert tally(votes(4, 1, 2), 7, None, "absolute").outcome == "adopted"
    # Simple majority would pass where absolute fails.
    assert tally(votes(3, 1, 3), 7, None, "simple").outcome == "adopted"
    assert tally(votes(3, 1, 3), 7, None, "absolute").outcome == "rejected"


def test_absolute_majority_exactly_half_is_rejected() -> None:
    t = tally(votes(2, 2), 4, None, "absolute")
    assert t.outcome == "rejected"
    assert t.tie is True


def test_electorate_zero_with_quorum() -> None:
    t = tally([], 0, HALF, "simple")
    assert t.outcome == "no_quorum"
    assert t.turnout == Fraction(0)
    assert t.quorum_met is False


def test_electorate_zero_without_quorum() -> None:
    t = tally([], 0, None, "simple")
    assert t.outcome == "rejected"
    assert t.quorum_met is True
    assert t.cast == 0


def test_quorum_none_means_no_requirement() -> None:
    t = tally(votes(1), 100, None, "simple")
    assert t.quorum_met is True
    assert t.outcome == "adopted"
    assert t.turnout == Fraction(1, 100)


def test_zero_quorum_is_met_by_nobody() -> None:
    assert tally([], 10, Fraction(0), "simple").quorum_met is True


def test_tally_records_rules() -> None:
    t = tally(votes(1), 1, HALF, "two_thirds")
    assert t.quorum == HALF
    assert t.majority == "two_thirds"


def test_turnout_is_fraction_not_float() -> None:
    t = tally(votes(1), 3, None, "simple")
    assert isinstance(t.turnout, Fraction)
    assert t.turnout == Fraction(1, 3)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"ballots": votes(3), "electorate": 2}, "too_many_ballots"),
        ({"ballots": votes(1), "electorate": 0}, "too_many_ballots"),
        ({"ballots": [], "electorate": -1}, "bad_electorate"),
        ({"ballots": ["maybe"], "electorate": 3}, "bad_choice"),
        ({"ballots": [], "electorate": 3, "quorum": Fraction(3, 2)}, "out_of_range"),
        ({"ballots": [], "electorate": 3, "quorum": Fraction(-1, 2)}, "out_of_range"),
        ({"ballots": [], "electorate": 3, "majority": "unanimous"}, "unknown_majority"),
    ],
)
def test_tally_errors(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(TallyError) as info:
        tally(**kwargs)  # type: ignore[arg-type]
    assert info.value.code == code


choices = st.lists(st.sampled_from(["yes", "no", "abstain"]), max_size=40)
majorities = st.sampled_from(["simple", "absolute", "two_thirds"])
quorums = st.one_of(st.none(), st.fractions(min_value=0, max_value=1))


@given(choices, st.integers(0, 20), quorums, majorities, st.randoms())
def test_outcome_invariant_under_ballot_order(
    ballots: list[Choice],
    extra: int,
    quorum: Fraction | None,
    majority: Majority,
    rnd: Random,
) -> None:
    electorate = len(ballots) + extra
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert tally(shuffled, electorate, quorum, majority) == tally(
        ballots, electorate, quorum, majority
    )


def stricter_adopts_more(ballots: list[Choice], electorate: int, quorum: Fraction | None) -> list[str]:
    """The ways in which a stricter majority (absolute, two thirds) adopts where the simple one does not (none), and
    the cases met, by name: "absolute adopts", "only simple adopts"..."""
    outcome = {m: tally(ballots, electorate, quorum, m).outcome for m in ("simple", "absolute", "two_thirds")}
    cases = []
    for strict in ("absolute", "two_thirds"):
        if outcome[strict] == "adopted":
            cases.append(f"{strict} adopts")
            if outcome["simple"] != "adopted":
                cases.append(f"{strict} adopts, simple does not")
        elif outcome["simple"] == "adopted":
            cases.append(f"only simple adopts, not {strict}")
    return cases


@given(choices, st.integers(0, 20), quorums)
def test_stricter_majority_never_adopts_more(
    ballots: list[Choice], extra: int, quorum: Fraction | None
) -> None:
    cases = stricter_adopts_more(ballots, len(ballots) + extra, quorum)
    for case in cases:
        event(case)  # `pytest --hypothesis-show-statistics` shows how often each case is met
    assert not [case for case in cases if case.endswith("simple does not")]


def test_stricter_majority_never_adopts_more_every_small_vote() -> None:
    """Every vote of up to 6 yes, 6 no, 4 abstentions and 2 silent members, with and without a quorum: the
    property holds, and its premise is met (a stricter majority adopts) as well as its converse's failure (only
    the simple one does), so it is not true for want of cases."""
    met: Counter[str] = Counter()
    for yes, no, abstain, silent in itertools.product(range(7), range(7), range(5), range(3)):
        ballots = votes(yes, no, abstain)
        for quorum in (None, HALF):
            met.update(stricter_adopts_more(ballots, len(ballots) + silent, quorum))
    assert not [case for case in met if case.endswith("simple does not")]
    for strict in ("absolute", "two_thirds"):
        assert met[f"{strict} adopts"] > 100 and met[f"only simple adopts, not {strict}"] > 100, met


@given(choices, st.integers(0, 20), quorums, majorities)
def test_counts_add_up(
    ballots: list[Choice], extra: int, quorum: Fraction | None, majority: Majority
) -> None:
    t = tally(ballots, len(ballots) + extra, quorum, majority)
    assert t.cast == t.yes + t.no + t.abstain == len(ballots)
    assert 0 <= t.turnout <= 1
    assert (t.outcome == "no_quorum") == (not t.quorum_met)


# --------------------------------------------------------------------------- parse_quorum


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50%", Fraction(1, 2)),
        ("50 %", Fraction(1, 2)),
        (" 50% ", Fraction(1, 2)),
        ("0.5", Fraction(1, 2)),
        ("0,5", Fraction(1, 2)),
        ("1/2", Fraction(1, 2)),
        ("1 / 2", Fraction(1, 2)),
        ("2/3", Fraction(2, 3)),
        ("33.5%", Fraction(67, 200)),
        ("0%", Fraction(0)),
        ("100%", Fraction(1)),
        ("1", Fraction(1)),
        ("0", Fraction(0)),
    ],
)
def test_parse_quorum(text: str, expected: Fraction) -> None:
    assert parse_quorum(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("150%", "out_of_range"),
        ("101 %", "out_of_range"),
        ("-10%", "out_of_range"),
        ("-0.5", "out_of_range"),
        ("3/2", "out_of_range"),
        ("50", "out_of_range"),
        ("half", "unknown_form"),
        ("1/0", "unknown_form"),
        ("%", "unknown_form"),
        ("", "empty"),
    ],
)
def test_parse_quorum_errors(text: str, code: str) -> None:
    with pytest.raises(QuorumError) as info:
        parse_quorum(text)
    assert info.value.code == code
    assert isinstance(info.value, ValueError)


# --------------------------------------------------------------------------- parse_majority


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("simple", "simple"),
        ("Simple majority", "simple"),
        ("majorité simple", "simple"),
        ("majorité relative", "simple"),
        ("absolute", "absolute"),
        ("absolute majority", "absolute"),
        ("absolue", "absolute"),
        ("Majorité absolue", "absolute"),
        ("2/3", "two_thirds"),
        ("2 / 3", "two_thirds"),
        ("two-thirds", "two_thirds"),
        ("two thirds majority", "two_thirds"),
        ("two_thirds", "two_thirds"),
        ("deux-tiers", "two_thirds"),
        ("deux tiers", "two_thirds"),
        ("majorité des deux tiers", "two_thirds"),
        ("Majorité des 2/3", "two_thirds"),
    ],
)
def test_parse_majority(text: str, expected: Majority) -> None:
    assert parse_majority(text) == expected


@pytest.mark.parametrize("text", ["", "unanimous", "3/4", "majority", "plus"])
def test_parse_majority_errors(text: str) -> None:
    with pytest.raises(MajorityError) as info:
        parse_majority(text)
    assert info.value.code == "unknown_majority"


# --------------------------------------------------------------------------- approval

CANDIDATES = ["Alice", "Bob", "Chloé", "Driss"]


def test_approval_clear_winners() -> None:
    ballots = [{"Alice", "Bob"}, {"Alice", "Chloé"}, {"Alice", "Bob"}, {"Chloé"}, set()]
    r = approval_result(ballots, CANDIDATES, seats=2)
    assert dict(r.counts) == {"Alice": 3, "Bob": 2, "Chloé": 2, "Driss": 0}
    assert r.elected == ("Alice",)
    assert r.tied_for_last == ("Bob", "Chloé")
    assert r.seats_left == 1
    assert r.ballots == 5


def test_approval_no_tie() -> None:
    ballots = [["Bob", "Chloé"], ["Chloé"], ["Bob", "Driss"], ["Chloé", "Alice"]]
    r = approval_result(ballots, CANDIDATES, seats=2)
    assert r.elected == ("Chloé", "Bob")
    assert r.tied_for_last == ()
    assert r.seats_left == 0
    assert r.ranking == ("Chloé", "Bob", "Alice", "Driss")
    assert list(r.counts) == ["Chloé", "Bob", "Alice", "Driss"]
    assert r.counts["Driss"] == 1


def test_approval_ties_ordered_by_candidate_order() -> None:
    r = approval_result([["Driss", "Alice"]], CANDIDATES, seats=2)
    assert r.elected == ("Alice", "Driss")
    assert r.ranking == ("Alice", "Driss", "Bob", "Chloé")


def test_approval_tie_for_single_seat() -> None:
    r = approval_result([["Alice"], ["Bob"]], CANDIDATES, seats=1)
    assert r.elected == ()
    assert r.tied_for_last == ("Alice", "Bob")
    assert r.seats_left == 1


def test_approval_tie_within_seats_is_not_a_tie() -> None:
    r = approval_result(
        [["Alice", "Bob"], ["Alice", "Bob"], ["Chloé"]], CANDIDATES, seats=2
    )
    assert r.elected == ("Alice", "Bob")
    assert r.tied_for_last == ()


def test_approval_no_ballots_elects_nobody_and_is_no_tie() -> None:
    r = approval_result([], CANDIDATES, seats=2)
    assert r.elected == ()
    assert r.tied_for_last == ()
    assert r.seats_left == 0
    assert r.vacant == 2
    assert dict(r.counts) == dict.fromkeys(CANDIDATES, 0)


def test_approval_zero_approvals_never_elect() -> None:
    """Bob and Chloé are level at zero behind Alice: one seat stays vacant, no tie to settle."""
    r = approval_result([["Alice"]], CANDIDATES, seats=2)
    assert r.elected == ("Alice",)
    assert r.tied_for_last == ()
    assert r.vacant == 1


def test_approval_fewer_candidates_than_seats() -> None:
    r = approval_result([["Alice"], ["Bob"]], ["Alice", "Bob"], seats=3)
    assert r.elected == ("Alice", "Bob")
    assert r.tied_for_last == ()
    assert r.seats_left == 0
    assert r.vacant == 1


def test_approval_ballot_over_seat_limit() -> None:
    with pytest.raises(ApprovalError) as info:
        approval_result([["Alice"], ["Alice", "Bob", "Chloé"]], CANDIDATES, seats=2)
    assert info.value.code == "too_many_choices"


def test_approval_unknown_candidate() -> None:
    with pytest.raises(ApprovalError) as info:
        approval_result([["Alice", "Zoé"]], CANDIDATES, seats=2)
    assert info.value.code == "unknown_candidate"


@pytest.mark.parametrize(
    ("choices", "candidates", "seats", "code"),
    [
        (["Alice", "Bob", "Chloé"], CANDIDATES, 2, "too_many_choices"),
        (["Zoé"], CANDIDATES, 2, "unknown_candidate"),
        (["alice"], CANDIDATES, 2, "unknown_candidate"),
        (["Alice", "Alice"], CANDIDATES, 2, "duplicate_choice"),
        ("Alice", CANDIDATES, 2, "bad_ballot"),
        (["Alice"], CANDIDATES, 0, "bad_seats"),
        (["Alice"], ["Alice", "Alice"], 1, "duplicate_candidate"),
    ],
)
def test_validate_approval_errors(
    choices: list[str], candidates: list[str], seats: int, code: str
) -> None:
    with pytest.raises(ApprovalError) as info:
        validate_approval(choices, candidates, seats)
    assert info.value.code == code


def test_validate_approval_ok() -> None:
    assert validate_approval(["Bob", "Alice"], CANDIDATES, 2) == frozenset(
        {"Alice", "Bob"}
    )
    assert validate_approval([], CANDIDATES, 2) == frozenset()


approval_ballots = st.lists(
    st.lists(st.sampled_from(CANDIDATES), max_size=2, unique=True), max_size=30
)


@given(approval_ballots, st.integers(2, 4), st.randoms())
def test_approval_invariants(ballots: list[list[str]], seats: int, rnd: Random) -> None:
    r = approval_result(ballots, CANDIDATES, seats)
    assert sum(r.counts.values()) == sum(len(b) for b in ballots)
    if r.tied_for_last:
        assert len(r.elected) + r.seats_left == seats
    else:
        assert len(r.elected) + r.vacant == seats
    assert all(r.counts[e] > 0 for e in (*r.elected, *r.tied_for_last))
    assert len(r.elected) <= seats
    if r.tied_for_last:
        assert len(r.tied_for_last) > r.seats_left > 0
        assert {r.counts[c] for c in r.tied_for_last} == {r.counts[r.tied_for_last[0]]}
        assert all(r.counts[e] > r.counts[r.tied_for_last[0]] for e in r.elected)
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert approval_result(shuffled, CANDIDATES, seats) == r
