"""Tests for bot.rules.periods."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import get_args

import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from bot.rules.periods import (
    ACCEPTED_FORMS_EXAMPLES,
    DurationError,
    Kind,
    Period,
    PeriodError,
    Term,
    parse_duration,
    parse_period,
    parse_term,
)

ENGLISH_MONTHS = [
    ("January", "Jan", 1),
    ("February", "Feb", 2),
    ("March", "Mar", 3),
    ("April", "Apr", 4),
    ("May", "May", 5),
    ("June", "Jun", 6),
    ("July", "Jul", 7),
    ("August", "Aug", 8),
    ("September", "Sept", 9),
    ("October", "Oct", 10),
    ("November", "Nov", 11),
    ("December", "Dec", 12),
]
FRENCH_MONTHS = [
    ("janvier", "janv.", 1),
    ("février", "févr.", 2),
    ("mars", "mars", 3),
    ("avril", "avr.", 4),
    ("mai", "mai", 5),
    ("juin", "juin", 6),
    ("juillet", "juil.", 7),
    ("août", "août", 8),
    ("septembre", "sept.", 9),
    ("octobre", "oct.", 10),
    ("novembre", "nov.", 11),
    ("décembre", "déc.", 12),
]
MONTH_ENDS_2023 = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


@pytest.mark.parametrize(("full", "abbr", "month"), ENGLISH_MONTHS + FRENCH_MONTHS)
def test_every_month_name_and_abbreviation(full: str, abbr: str, month: int) -> None:
    for text in (
        f"{full} 2023",
        f"{abbr} 2023",
        f"{full.upper()} 2023",
        f"{abbr.rstrip('.')} 2023",
    ):
        p = parse_period(text)
        assert (p.kind, p.year, p.index) == ("month", 2023, month), text
        assert p.start == date(2023, month, 1)
        assert p.end == date(2023, month, MONTH_ENDS_2023[month - 1])
        assert p.key() == f"2023-{month:02d}"


@pytest.mark.parametrize(
    "text",
    [
        "February 2024",
        "Feb 2024",
        "feb. 2024",
        "FEB 2024",
        "février 2024",
        "fevrier 2024",
        "FÉVRIER 2024",
        "fév. 2024",
        "fev 2024",
        "FÉVR. 2024",
        "févr 2024",
        "  février    2024  ",
        "2024-02",
        "2024-2",
        "02/2024",
    ],
)
def test_february_2024_variants(text: str) -> None:
    p = parse_period(text)
    assert p.kind == "month"
    assert p.key() == "2024-02"
    assert p.end == date(2024, 2, 29)
    assert p.text == text.strip()


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("mars 2024", 3),
        ("mar 2024", 3),
        ("march 2024", 3),
        ("mai 2024", 5),
        ("may 2024", 5),
        ("juillet 2024", 7),
        ("juil. 2024", 7),
        ("jul 2024", 7),
        ("août 2024", 8),
        ("aout 2024", 8),
        ("AOÛT 2024", 8),
        ("aug. 2024", 8),
        ("juin 2024", 6),
        ("june 2024", 6),
    ],
)
def test_confusable_month_names(text: str, month: int) -> None:
    assert parse_period(text).index == month


@pytest.mark.parametrize(
    ("year", "last_day"),
    [(2024, 29), (2023, 28), (1900, 28), (2000, 29), (2100, 28)],
)
def test_february_leap_years(year: int, last_day: int) -> None:
    assert parse_period(f"février {year}").end == date(year, 2, last_day)
    assert parse_period(f"{year}-02").end == date(year, 2, last_day)


@pytest.mark.parametrize(
    ("text", "key", "start", "end"),
    [
        ("Q1 2024", "2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("Q2 2024", "2024-Q2", date(2024, 4, 1), date(2024, 6, 30)),
        ("Q3 2024", "2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("Q4 2024", "2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("T1 2024", "2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("t3 2024", "2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("T4 2024", "2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("q3  2024", "2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024 Q3", "2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-Q3", "2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-T2", "2024-Q2", date(2024, 4, 1), date(2024, 6, 30)),
        ("3e trimestre 2024", "2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("first quarter 2024", "2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("H1 2024", "2024-H1", date(2024, 1, 1), date(2024, 6, 30)),
        ("H2 2024", "2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
        ("S1 2024", "2024-H1", date(2024, 1, 1), date(2024, 6, 30)),
        ("s2 2024", "2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
        ("2024-H1", "2024-H1", date(2024, 1, 1), date(2024, 6, 30)),
        ("2024 S2", "2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
        ("1er semestre 2024", "2024-H1", date(2024, 1, 1), date(2024, 6, 30)),
        ("1ᵉʳ semestre 2024", "2024-H1", date(2024, 1, 1), date(2024, 6, 30)),
        ("2e semestre 2024", "2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
        ("2ème semestre 2024", "2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
        ("deuxième semestre 2024", "2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
        ("first half 2024", "2024-H1", date(2024, 1, 1), date(2024, 6, 30)),
        ("Second Half 2024", "2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
        ("second half of 2024", "2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
        ("2025", "2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("2024-02-15", "2024-02-15", date(2024, 2, 15), date(2024, 2, 15)),
        ("2024-2-5", "2024-02-05", date(2024, 2, 5), date(2024, 2, 5)),
        ("2024-02-29", "2024-02-29", date(2024, 2, 29), date(2024, 2, 29)),
        ("1er février 2024", "2024-02-01", date(2024, 2, 1), date(2024, 2, 1)),
        ("15 mars 2024", "2024-03-15", date(2024, 3, 15), date(2024, 3, 15)),
        ("February 15, 2024", "2024-02-15", date(2024, 2, 15), date(2024, 2, 15)),
    ],
)
def test_forms(text: str, key: str, start: date, end: date) -> None:
    p = parse_period(text)
    assert (p.key(), p.start, p.end, p.due) == (key, start, end, end)


def test_period_fields() -> None:
    day = parse_period("2024-02-15")
    assert (day.kind, day.year, day.index, day.month, day.day) == (
        "day",
        2024,
        2,
        2,
        15,
    )
    quarter = parse_period("T3 2024")
    assert (quarter.kind, quarter.year, quarter.index, quarter.month, quarter.day) == (
        "quarter",
        2024,
        3,
        None,
        None,
    )
    assert parse_period("S2 2024").kind == "half"
    assert parse_period("2025").kind == "year"
    assert parse_period(" Feb 2024 ").text == "Feb 2024"


def test_equality_ignores_text() -> None:
    assert parse_period("février 2024") == parse_period("2024-02")
    assert parse_period("T3 2024") == parse_period("2024-Q3")
    assert parse_period("Q3 2024") != parse_period("Q3 2025")


def test_contains() -> None:
    p = parse_period("Q1 2024")
    assert p.contains(date(2024, 3, 31))
    assert p.contains(datetime(2024, 1, 1, 0, 0))
    assert not p.contains(date(2024, 4, 1))
    assert not p.contains(date(2023, 12, 31))


@pytest.mark.parametrize("text", ACCEPTED_FORMS_EXAMPLES)
def test_accepted_examples_parse(text: str) -> None:
    assert parse_period(parse_period(text).key()) == parse_period(text)


def test_accepted_examples_content() -> None:
    assert ACCEPTED_FORMS_EXAMPLES[0] == "2024-02-15"
    assert "février 2024" in ACCEPTED_FORMS_EXAMPLES
    assert "T3 2024" in ACCEPTED_FORMS_EXAMPLES


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("2024-02-30", "bad_day"),
        ("2023-02-29", "bad_day"),
        ("2024-04-31", "bad_day"),
        ("2024-01-00", "bad_day"),
        ("Q5 2024", "bad_quarter"),
        ("Q0 2024", "bad_quarter"),
        ("T5 2024", "bad_quarter"),
        ("2024-Q5", "bad_quarter"),
        ("H3 2024", "bad_half"),
        ("S0 2024", "bad_half"),
        ("3e semestre 2024", "bad_half"),
        ("13/2024", "bad_month"),
        ("2024-13", "bad_month"),
        ("2024-00", "bad_month"),
        ("1899", "bad_year"),
        ("2201", "bad_year"),
        ("Q1 1899", "bad_year"),
        ("février 2201", "bad_year"),
        ("2201-01-01", "bad_year"),
        ("foo 2024", "unknown_month"),
        ("31 smarch 2024", "unknown_month"),
        ("hello", "unknown_form"),
        ("next week", "unknown_form"),
        ("2024/02/15", "unknown_form"),
        ("Q3", "unknown_form"),
        ("février", "unknown_form"),
        ("20245", "unknown_form"),
        ("dixième semestre 2024", "unknown_form"),
    ],
)
def test_invalid_forms(text: str, code: str) -> None:
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    assert info.value.code == code
    assert str(info.value)


def test_period_error_is_value_error() -> None:
    with pytest.raises(ValueError, match="1 to 4"):
        parse_period("Q5 2024")


def test_constructors_validate() -> None:
    assert Period.of_day(2024, 2, 29).key() == "2024-02-29"
    with pytest.raises(PeriodError) as info:
        Period.of_day(2023, 2, 29)
    assert info.value.code == "bad_day"
    with pytest.raises(PeriodError) as info:
        Period.of_half(2024, 3)
    assert info.value.code == "bad_half"
    assert Period.of_year(2200).end == date(2200, 12, 31)


# --------------------------------------------------------------------------- properties

years = st.integers(min_value=1900, max_value=2200)


@st.composite
def periods(draw: st.DrawFn) -> Period:
    kind = draw(st.sampled_from(["day", "month", "quarter", "half", "year"]))
    year = draw(years)
    if kind == "day":
        d = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
        return Period.of_day(d.year, d.month, d.day)
    if kind == "month":
        return Period.of_month(year, draw(st.integers(1, 12)))
    if kind == "quarter":
        return Period.of_quarter(year, draw(st.integers(1, 4)))
    if kind == "half":
        return Period.of_half(year, draw(st.integers(1, 2)))
    return Period.of_year(year)


@given(periods())
def test_key_round_trip(p: Period) -> None:
    again = parse_period(p.key())
    assert again == p
    assert again.key() == p.key()


@given(periods())
def test_due_date_inside_and_day_after_outside(p: Period) -> None:
    assert p.start <= p.due
    assert p.contains(p.due)
    assert p.contains(p.start)
    assert not p.contains(p.due + timedelta(days=1))
    assert not p.contains(p.start - timedelta(days=1))


# The period of a kind that holds a date (every kind the parser knows: a KeyError for a new one, never a pass).
PERIOD_HOLDING = {
    "day": lambda d: Period.of_day(d.year, d.month, d.day),
    "month": lambda d: Period.of_month(d.year, d.month),
    "quarter": lambda d: Period.of_quarter(d.year, (d.month - 1) // 3 + 1),
    "half": lambda d: Period.of_half(d.year, (d.month - 1) // 6 + 1),
    "year": lambda d: Period.of_year(d.year),
}


def test_every_kind_of_period_is_checked() -> None:
    assert set(PERIOD_HOLDING) == set(get_args(Kind))


@given(periods())
def test_day_after_due_starts_a_new_period_of_same_kind(p: Period) -> None:
    event(p.kind)
    nxt = p.due + timedelta(days=1)
    assume(nxt.year <= 2200)
    following = PERIOD_HOLDING[p.kind](nxt)
    assert following.kind == p.kind and following.start == nxt and following != p
    assert parse_period(following.key()) == following
    assert PERIOD_HOLDING[p.kind](p.due) == p  # and the due date is in p itself, as its last day
    if p.kind == "day":
        assert p.start == p.due and following.due == nxt
    else:
        assert nxt.day == 1
        assert nxt.month in {"month": range(1, 13), "quarter": (1, 4, 7, 10), "half": (1, 7), "year": (1,)}[p.kind]


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30min", timedelta(minutes=30)),
        ("30 mn", timedelta(minutes=30)),
        ("90 min", timedelta(minutes=90)),
        ("48h", timedelta(hours=48)),
        ("48 H", timedelta(hours=48)),
        ("7d", timedelta(days=7)),
        ("7j", timedelta(days=7)),
        ("7 jours", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("2s", timedelta(weeks=2)),
        ("2 semaines", timedelta(weeks=2)),
        ("1h 30min", timedelta(hours=1, minutes=30)),
        ("1h30min", timedelta(hours=1, minutes=30)),
        ("1 jour et 12 heures", timedelta(days=1, hours=12)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("soon", "unknown_form"),
        ("30", "unknown_form"),
        ("1h30", "unknown_form"),
        ("-3h", "unknown_form"),
        ("3x", "unknown_unit"),
        ("2y", "unknown_unit"),
        ("0h", "not_positive"),
        ("30m", "ambiguous_unit"),  # minutes (min) or mois (mo)? The bot asks.
        ("1h 30m", "ambiguous_unit"),
        ("2 mois", "months"),  # a deadline counts months (bot.rules.dates.durations.parse_span), a duration not
    ],
)
def test_parse_duration_errors(text: str, code: str) -> None:
    with pytest.raises(DurationError) as info:
        parse_duration(text)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2y", Term(2, 0)),
        ("2a", Term(2, 0)),
        ("2ans", Term(2, 0)),
        ("2 ans", Term(2, 0)),
        ("1 an", Term(1, 0)),
        ("3 years", Term(3, 0)),
        ("24mo", Term(2, 0)),
        ("24mois", Term(2, 0)),
        ("18 mois", Term(1, 6)),
        ("18 months", Term(1, 6)),
        ("1 an 6 mois", Term(1, 6)),
        ("1y6mo", Term(1, 6)),
    ],
)
def test_parse_term(text: str, expected: Term) -> None:
    assert parse_term(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("18m", "ambiguous_unit"),
        ("2w", "unknown_unit"),
        ("0 ans", "not_positive"),
        ("", "empty"),
        ("forever", "unknown_form"),
    ],
)
def test_parse_term_errors(text: str, code: str) -> None:
    with pytest.raises(DurationError) as info:
        parse_term(text)
    assert info.value.code == code


def test_term_add_to_is_month_end_safe() -> None:
    assert Term(0, 1).add_to(date(2024, 1, 31)) == date(2024, 2, 29)
    assert Term(0, 1).add_to(date(2023, 1, 31)) == date(2023, 2, 28)
    assert Term(2, 0).add_to(date(2024, 2, 29)) == date(2026, 2, 28)
    assert Term(1, 6).add_to(date(2024, 8, 31)) == date(2026, 2, 28)
    assert Term(0, 1).total_months == 1
    assert Term(1, 6).total_months == 18


def test_term_add_to_keeps_datetime() -> None:
    result = Term(0, 1).add_to(datetime(2024, 1, 31, 9, 30))
    assert result == datetime(2024, 2, 29, 9, 30)
    assert isinstance(result, datetime)
