"""Tests for bot.rules.calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.rules.calendar import (
    HALVES,
    QUARTERS,
    Cadence,
    CadencePeriod,
    CalendarError,
    add_months,
    days_in_month,
    half_bounds,
    half_of,
    last_day_of_month,
    next_half_start,
    next_quarter_start,
    period_key_for,
    quarter_bounds,
    quarter_of,
)

dates = st.dates(min_value=date(1901, 1, 1), max_value=date(2199, 12, 31))


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2024, 2, date(2024, 2, 29)),
        (2023, 2, date(2023, 2, 28)),
        (1900, 2, date(1900, 2, 28)),
        (2000, 2, date(2000, 2, 29)),
        (2024, 4, date(2024, 4, 30)),
        (2024, 12, date(2024, 12, 31)),
        (2024, 1, date(2024, 1, 31)),
    ],
)
def test_last_day_of_month(year: int, month: int, expected: date) -> None:
    assert last_day_of_month(year, month) == expected
    assert days_in_month(year, month) == expected.day


@pytest.mark.parametrize("month", [0, 13, -1])
def test_bad_month(month: int) -> None:
    with pytest.raises(CalendarError) as info:
        last_day_of_month(2024, month)
    assert info.value.code == "bad_month"


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 1, 15), 12, date(2025, 1, 15)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 1, 1), -1, date(2023, 12, 1)),
        (date(2024, 5, 31), 0, date(2024, 5, 31)),
        (date(2024, 2, 29), 24, date(2026, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 8, 31), -14, date(2023, 6, 30)),
    ],
)
def test_add_months(start: date, n: int, expected: date) -> None:
    assert add_months(start, n) == expected


def test_add_months_keeps_datetime() -> None:
    assert add_months(datetime(2024, 1, 31, 18, 0), 1) == datetime(2024, 2, 29, 18, 0)


@pytest.mark.parametrize(
    ("d", "q", "h"),
    [
        (date(2024, 1, 1), 1, 1),
        (date(2024, 3, 31), 1, 1),
        (date(2024, 4, 1), 2, 1),
        (date(2024, 6, 30), 2, 1),
        (date(2024, 7, 1), 3, 2),
        (date(2024, 9, 30), 3, 2),
        (date(2024, 10, 1), 4, 2),
        (date(2024, 12, 31), 4, 2),
    ],
)
def test_quarter_and_half_of(d: date, q: int, h: int) -> None:
    assert quarter_of(d) == (2024, q)
    assert half_of(d) == (2024, h)
    assert period_key_for(d, "quarter") == f"2024-Q{q}"
    assert period_key_for(d, "half") == f"2024-H{h}"


@pytest.mark.parametrize(
    ("q", "first", "last"),
    [
        (1, date(2024, 1, 1), date(2024, 3, 31)),
        (2, date(2024, 4, 1), date(2024, 6, 30)),
        (3, date(2024, 7, 1), date(2024, 9, 30)),
        (4, date(2024, 10, 1), date(2024, 12, 31)),
    ],
)
def test_quarter_bounds(q: int, first: date, last: date) -> None:
    assert quarter_bounds(2024, q) == (first, last)


def test_half_bounds() -> None:
    assert half_bounds(2024, 1) == (date(2024, 1, 1), date(2024, 6, 30))
    assert half_bounds(2024, 2) == (date(2024, 7, 1), date(2024, 12, 31))


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: quarter_bounds(2024, 5), "bad_quarter"),
        (lambda: quarter_bounds(2024, 0), "bad_quarter"),
        (lambda: half_bounds(2024, 3), "bad_half"),
        (lambda: period_key_for(date(2024, 1, 1), "year"), "bad_kind"),  # type: ignore[arg-type]
        (lambda: Cadence("monthly", 1), "bad_cadence"),
        (lambda: Cadence("half", 6, start_month=13), "bad_month"),
    ],
)
def test_errors(call: object, code: str) -> None:
    with pytest.raises(CalendarError) as info:
        call()  # type: ignore[operator]
    assert info.value.code == code


def test_next_starts() -> None:
    assert next_quarter_start(date(2024, 2, 10)) == date(2024, 4, 1)
    assert next_quarter_start(date(2024, 12, 31)) == date(2025, 1, 1)
    assert next_quarter_start(date(2024, 4, 1)) == date(2024, 7, 1)
    assert next_half_start(date(2024, 6, 30)) == date(2024, 7, 1)
    assert next_half_start(date(2024, 7, 1)) == date(2025, 1, 1)
    assert next_quarter_start(datetime(2024, 3, 31, 23, 59)) == date(2024, 4, 1)


def test_default_cadences() -> None:
    assert HALVES.start_months == (1, 7)
    assert QUARTERS.start_months == (1, 4, 7, 10)
    assert HALVES.aligned and QUARTERS.aligned
    assert HALVES.period_of(date(2024, 8, 15)) == CadencePeriod(
        date(2024, 7, 1), date(2024, 12, 31), "2024-H2"
    )
    assert QUARTERS.period_of(date(2024, 2, 29)) == (
        date(2024, 1, 1),
        date(2024, 3, 31),
        "2024-Q1",
    )


def test_half_cadence_starting_in_july_is_calendar_aligned() -> None:
    c = Cadence("plenary", 6, start_month=7)
    assert c.start_months == (1, 7)
    assert c.period_of(date(2024, 3, 1)).key == "2024-H1"


def test_shifted_half_cadence() -> None:
    c = Cadence("plenary", 6, start_month=9)
    assert c.start_months == (3, 9)
    assert not c.aligned
    start, end, key = c.period_of(date(2025, 1, 10))
    assert (start, end, key) == (date(2024, 9, 1), date(2025, 2, 28), "2024-09+6m")
    assert c.period_of(date(2024, 3, 1)) == (
        date(2024, 3, 1),
        date(2024, 8, 31),
        "2024-03+6m",
    )
    assert c.next_period_start(date(2024, 12, 1)) == date(2025, 3, 1)


def test_shifted_quarter_cadence_leap_year() -> None:
    c = Cadence("fiscal", 3, start_month=12)
    assert c.start_months == (3, 6, 9, 12)
    assert c.period_of(date(2024, 1, 5)) == (
        date(2023, 12, 1),
        date(2024, 2, 29),
        "2023-12+3m",
    )


def test_periods_between() -> None:
    got = list(QUARTERS.periods_between(date(2024, 2, 1), date(2024, 7, 1)))
    assert [p.key for p in got] == ["2024-Q1", "2024-Q2", "2024-Q3"]
    assert got[0].start == date(2024, 1, 1)
    assert got[-1].end == date(2024, 9, 30)


def test_periods_between_edges() -> None:
    assert [
        p.key for p in HALVES.periods_between(date(2024, 5, 1), date(2024, 5, 1))
    ] == ["2024-H1"]
    assert list(HALVES.periods_between(date(2024, 5, 1), date(2024, 4, 30))) == []
    keys = [p.key for p in HALVES.periods_between(date(2023, 12, 31), date(2025, 1, 1))]
    assert keys == ["2023-H2", "2024-H1", "2024-H2", "2025-H1"]
    dt_keys = [
        p.key
        for p in HALVES.periods_between(datetime(2024, 6, 30, 12), datetime(2024, 7, 1))
    ]
    assert dt_keys == ["2024-H1", "2024-H2"]


cadences = st.builds(Cadence, st.just("c"), st.sampled_from([3, 6]), st.integers(1, 12))


@given(cadences, dates)
def test_cadence_period_contains_date_and_tiles(c: Cadence, d: date) -> None:
    p = c.period_of(d)
    assert p.start <= d <= p.end
    assert p.start.day == 1
    assert p.start.month in c.start_months
    nxt = c.period_of(p.end + timedelta(days=1))
    assert nxt.start == p.end + timedelta(days=1) == c.next_period_start(d)
    assert nxt.key != p.key


@given(dates)
def test_calendar_helpers_agree_with_cadences(d: date) -> None:
    year, q = quarter_of(d)
    assert QUARTERS.period_of(d) == (
        *quarter_bounds(year, q),
        period_key_for(d, "quarter"),
    )
    year, h = half_of(d)
    assert HALVES.period_of(d) == (*half_bounds(year, h), period_key_for(d, "half"))


@given(dates, st.integers(-600, 600))
def test_add_months_properties(d: date, n: int) -> None:
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day == min(d.day, days_in_month(result.year, result.month))
