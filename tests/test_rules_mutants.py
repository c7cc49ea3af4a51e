"""What the mutation score of bot/rules/ (scripts/mutation-score) showed no test held: each error's code and
message (operators read them: a bad duration in the configuration, a bad due date in an imported plan), and edges
of the parsers. The rules' own tests are in test_rules_tally.py, test_rules_periods.py and test_rules_calendar.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from fractions import Fraction

import pytest

from bot.rules import calendar as c
from bot.rules import periods as p
from bot.rules import tally as t

ERRORS: list[tuple[Callable[[], object], type[ValueError], str, str]] = [
    (lambda: c.quarter_bounds(2024, 5), c.CalendarError, "bad_quarter", "quarter must be 1..4, got 5"),
    (lambda: c.half_bounds(2024, 3), c.CalendarError, "bad_half", "half must be 1..2, got 3"),
    (lambda: c.period_key_for(date(2024, 1, 1), "year"), c.CalendarError, "bad_kind",  # type: ignore[arg-type]
     "kind must be 'quarter' or 'half', got 'year'"),
    (lambda: c.days_in_month(2024, 13), c.CalendarError, "bad_month", "month must be 1..12, got 13"),
    (lambda: c.Cadence("x", 4), c.CalendarError, "bad_cadence", "months_per_period must be 3 or 6, got 4"),
    (lambda: c.Cadence("x", 3, 0), c.CalendarError, "bad_month", "month must be 1..12, got 0"),
    (lambda: p.parse_period(""), p.PeriodError, "empty", "no period given"),
    (lambda: p.parse_period("Foo 2024"), p.PeriodError, "unknown_month", "unknown month name 'foo'"),
    (lambda: p.parse_period("2024-02-30"), p.PeriodError, "bad_day", "2024-02 has no day 30"),
    (lambda: p.parse_period("2024-13"), p.PeriodError, "bad_month", "month must be 1 to 12, got 13"),
    (lambda: p.parse_period("Q5 2024"), p.PeriodError, "bad_quarter", "quarter must be 1 to 4, got 5"),
    (lambda: p.parse_period("H3 2024"), p.PeriodError, "bad_half", "half-year must be 1 or 2, got 3"),
    (lambda: p.parse_period("1800"), p.PeriodError, "bad_year", "year must be between 1900 and 2200, got 1800"),
    (lambda: p.parse_period("whenever"), p.PeriodError, "unknown_form", "not a period I understand: 'whenever'"),
    (lambda: p.parse_duration(""), p.DurationError, "empty", "nothing given"),
    (lambda: p.parse_duration("3 parsecs"), p.DurationError, "unknown_unit", "unknown duration unit 'parsecs'"),
    (lambda: p.parse_duration("soon"), p.DurationError, "unknown_form", "not understood: 'soon'"),
    (lambda: p.parse_duration("0min"), p.DurationError, "not_positive", "duration must be more than zero"),
    (lambda: p.parse_term("3m"), p.DurationError, "ambiguous_unit", "write 'mo' or 'mois' for months"),
    (lambda: p.parse_term("3 min"), p.DurationError, "ambiguous_unit", "write 'mo' or 'mois' for months"),
    (lambda: p.parse_term("3 mn"), p.DurationError, "ambiguous_unit", "write 'mo' or 'mois' for months"),
    (lambda: p.parse_term("2 weeks"), p.DurationError, "unknown_unit", "unknown term unit 'weeks'"),
    (lambda: p.parse_term("0y"), p.DurationError, "not_positive", "term must be more than zero"),
    (lambda: t.parse_quorum(""), t.QuorumError, "empty", "no quorum given"),
    (lambda: t.parse_quorum("-5%"), t.QuorumError, "out_of_range", "quorum cannot be negative"),
    (lambda: t.parse_quorum("150%"), t.QuorumError, "out_of_range", "quorum cannot exceed 100%"),
    (lambda: t.parse_quorum("most"), t.QuorumError, "unknown_form", "not a quorum I understand: 'most'"),
    (lambda: t.parse_majority(" most "), t.MajorityError, "unknown_majority", "not a majority I understand: 'most'"),
    (lambda: t.majority_reached(1, 0, 0, "unanimity"), t.MajorityError, "unknown_majority",  # type: ignore[arg-type]
     "unknown majority 'unanimity'"),
    (lambda: t.tally(["maybe"], 3), t.TallyError, "bad_choice", "unknown choice 'maybe'"),  # type: ignore[list-item]
    (lambda: t.tally([], -1), t.TallyError, "bad_electorate", "electorate cannot be negative"),
    (lambda: t.tally(["yes", "no", "yes"], 2), t.TallyError, "too_many_ballots", "3 ballots for an electorate of 2"),
    (lambda: t.tally([], 3, Fraction(3, 2)), t.QuorumError, "out_of_range", "quorum must be between 0% and 100%"),
    (lambda: t.approval_result([], ["a"], 0), t.ApprovalError, "bad_seats", "there must be at least one seat"),
    (lambda: t.approval_result([], ["a", "a"], 1), t.ApprovalError, "duplicate_candidate",
     "candidates must be distinct"),
    (lambda: t.validate_approval("ab", ["a", "b"], 2), t.ApprovalError, "bad_ballot",
     "a ballot is a collection of names, not one string"),
    (lambda: t.validate_approval(["a", "a"], ["a", "b"], 2), t.ApprovalError, "duplicate_choice",
     "a candidate is approved twice"),
    (lambda: t.validate_approval(["zed", "a"], ["a", "b"], 2), t.ApprovalError, "unknown_candidate",
     "unknown candidate 'zed'"),
    (lambda: t.validate_approval(["a", "b"], ["a", "b"], 1), t.ApprovalError, "too_many_choices",
     "at most 1 choices, got 2"),
]


@pytest.mark.parametrize(("call", "kind", "code", "message"), ERRORS)
def test_each_error_has_its_code_and_message(call: Callable[[], object], kind: type[ValueError], code: str,
                                             message: str) -> None:
    with pytest.raises(kind) as raised:
        call()
    assert raised.value.code == code  # type: ignore[attr-defined]
    assert str(raised.value) == message


def test_one_month_is_a_term() -> None:
    assert p.parse_term("1mo") == p.Term(0, 1)
    assert p.parse_term("1 mois").total_months == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("50,5 %", Fraction(101, 200)), ("50.5%", Fraction(101, 200)), ("0,25", Fraction(1, 4)),
])
def test_decimal_commas_and_points_in_quorums(text: str, expected: Fraction) -> None:
    assert t.parse_quorum(text) == expected


def test_runs_of_spaces_are_one_space() -> None:
    assert t.parse_quorum("50  %") == Fraction(1, 2)
    assert t.parse_majority("two   thirds") == "two_thirds"
    assert t.parse_majority("majorité\tabsolue") == "absolute"


def test_periods_made_in_code_have_no_text_and_their_fields() -> None:
    month, quarter, half, year = (p.Period.of_month(2024, 2), p.Period.of_quarter(2024, 3), p.Period.of_half(2024, 2),
                                  p.Period.of_year(2024))
    assert [x.text for x in (month, quarter, half, year, p.Period.of_day(2024, 2, 3))] == [""] * 5
    assert (month.month, month.day, month.index) == (2, None, 2)
    assert (year.index, year.month, year.day) == (1, None, None)
    assert p.parse_period("Q3 2024").text == "Q3 2024" and p.parse_period("2025").text == "2025"


def test_an_approval_result_reports_its_seats_and_no_vacancy_when_enough_candidates() -> None:
    result = t.approval_result([["a"], ["b"]], ["a", "b", "c"], 2)
    assert (result.seats, result.vacant, result.ballots) == (2, 0, 2)
    assert t.approval_result([["a"]], ["a"], 3).vacant == 2  # fewer candidates than seats
    assert t.approval_result([], ["a"], 3).vacant == 3  # no ballot elects nobody (issue 15)


@pytest.mark.parametrize("typed", ["2024-02-15", "15 February 2024", "February 15 2024", "H1 2024", "S2 2024",
                                   "2024 Q3", "2024-H2", "first quarter of 2024", "second half 2024"])
def test_a_parsed_period_keeps_what_was_typed(typed: str) -> None:
    assert p.parse_period(typed).text == typed


def test_spaces_around_a_hyphen_and_and_between_amounts() -> None:
    assert p.parse_period("2024 - 02") == p.Period.of_month(2024, 2)
    assert p.parse_duration("1h and 30min") == p.parse_duration("1h 30min") == p.parse_duration("1 h et 30 min")
    assert p.parse_term("1 year and 6 months") == p.Term(1, 6)


def test_a_single_yes_carries_two_thirds_and_the_default_majority_is_simple() -> None:
    assert t.tally(["yes"], 1, None, "two_thirds").outcome == "adopted"
    assert t.majority_reached(1, 0, 0, "two_thirds")
    default = t.tally(["yes", "no"], 2)
    assert default.majority == "simple" and default.outcome == "rejected" and default.tie
