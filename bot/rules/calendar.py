"""Forum cadence arithmetic on plain dates (quarters, half-years, months)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, NamedTuple, TypeVar

D = TypeVar("D", bound=date)
PeriodKind = Literal["quarter", "half"]


class CalendarError(ValueError):
    """A bad calendar argument; `code` is machine-usable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise CalendarError("bad_month", f"month must be 1..12, got {month}")


def _as_date(d: date) -> date:
    """Drop any time part (a datetime is a date subclass)."""
    return date(d.year, d.month, d.day)


def days_in_month(year: int, month: int) -> int:
    """Number of days in the month (leap years handled)."""
    _check_month(month)
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def last_day_of_month(year: int, month: int) -> date:
    """The last date of the month."""
    return date(year, month, days_in_month(year, month))


def add_months(d: D, n: int) -> D:
    """Shift by n months, clamping the day to the month end (Jan 31 + 1 = Feb 29 in 2024)."""
    total = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(total, 12)
    month = month0 + 1
    day = min(d.day, days_in_month(year, month))
    return d.replace(year=year, month=month, day=day)


def _check_index(index: int, count: int, code: str, what: str) -> None:
    if not 1 <= index <= count:
        raise CalendarError(code, f"{what} must be 1..{count}, got {index}")


def quarter_of(d: date) -> tuple[int, int]:
    """(year, quarter 1-4) containing d."""
    return d.year, (d.month - 1) // 3 + 1


def quarter_bounds(year: int, q: int) -> tuple[date, date]:
    """(first day, last day) of quarter q."""
    _check_index(q, 4, "bad_quarter", "quarter")
    return date(year, 3 * q - 2, 1), last_day_of_month(year, 3 * q)


def half_of(d: date) -> tuple[int, int]:
    """(year, half 1-2) containing d."""
    return d.year, 1 if d.month <= 6 else 2


def half_bounds(year: int, h: int) -> tuple[date, date]:
    """(first day, last day) of half-year h."""
    _check_index(h, 2, "bad_half", "half")
    return date(year, 6 * h - 5, 1), last_day_of_month(year, 6 * h)


def next_quarter_start(d: date) -> date:
    """First day of the quarter after the one containing d."""
    year, q = quarter_of(d)
    return add_months(quarter_bounds(year, q)[0], 3)


def next_half_start(d: date) -> date:
    """First day of the half-year after the one containing d."""
    year, h = half_of(d)
    return add_months(half_bounds(year, h)[0], 6)


def period_key_for(d: date, kind: PeriodKind) -> str:
    """Canonical key of the quarter ("2024-Q1") or half-year ("2024-H2") containing d."""
    if kind == "quarter":
        year, q = quarter_of(d)
        return f"{year:04d}-Q{q}"
    if kind == "half":
        year, h = half_of(d)
        return f"{year:04d}-H{h}"
    raise CalendarError("bad_kind", f"kind must be 'quarter' or 'half', got {kind!r}")


class CadencePeriod(NamedTuple):
    """One period of a cadence: inclusive bounds and a canonical key."""

    start: date
    end: date
    key: str


@dataclass(frozen=True)
class Cadence:
    """Regular periods of 3 or 6 months, the first one starting on `start_month`.

    Keys are "YYYY-Qn"/"YYYY-Hn" when periods line up with calendar quarters or
    halves (e.g. start_month 1 or 7 for halves); otherwise "YYYY-MM+6m", naming
    the start month, so they never clash with calendar keys.
    """

    name: str
    months_per_period: int
    start_month: int = 1

    def __post_init__(self) -> None:
        if self.months_per_period not in (3, 6):
            raise CalendarError(
                "bad_cadence",
                f"months_per_period must be 3 or 6, got {self.months_per_period}",
            )
        _check_month(self.start_month)

    @property
    def start_months(self) -> tuple[int, ...]:
        """Months in which periods begin, sorted (default halves: (1, 7))."""
        step = self.months_per_period
        return tuple(
            sorted(
                (self.start_month - 1 + k * step) % 12 + 1 for k in range(12 // step)
            )
        )

    @property
    def aligned(self) -> bool:
        """True when periods coincide with calendar quarters/halves."""
        return (self.start_month - 1) % self.months_per_period == 0

    def period_start(self, d: date) -> date:
        """First day of the period containing d."""
        offset = (d.month - self.start_month) % self.months_per_period
        return add_months(date(d.year, d.month, 1), -offset)

    def key_for_start(self, start: date) -> str:
        """Canonical key of the period beginning on `start`."""
        step = self.months_per_period
        if self.aligned:
            letter = "Q" if step == 3 else "H"
            return f"{start.year:04d}-{letter}{(start.month - 1) // step + 1}"
        return f"{start.year:04d}-{start.month:02d}+{step}m"

    def period_of(self, d: date) -> CadencePeriod:
        """(start, end, key) of the period containing d; end is inclusive."""
        start = self.period_start(d)
        end = add_months(start, self.months_per_period) - timedelta(days=1)
        return CadencePeriod(start, end, self.key_for_start(start))

    def next_period_start(self, d: date) -> date:
        """First day of the period after the one containing d."""
        return add_months(self.period_start(d), self.months_per_period)

    def periods_between(self, a: date, b: date) -> Iterator[CadencePeriod]:
        """Periods overlapping the inclusive range a..b, in order (none if b < a)."""
        first, last = _as_date(a), _as_date(b)
        if last < first:
            return
        period = self.period_of(first)
        while period.start <= last:
            yield period
            period = self.period_of(self.next_period_start(period.start))


QUARTERS = Cadence("quarter", 3)
HALVES = Cadence("half", 6)
