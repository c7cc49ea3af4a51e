"""One day as people write it, and deadlines: a date without a time is the end of that day (forum time zone).

Days: `2025-12-31`, `31/12/2025`, `31.12.2025`, `31 décembre 2025`, `December 31, 2025`, `1er mars` (no year: the
next such day from today), `fin 2024` / `end of 2024` and any due period (`2025-12`, `T3 2025`: its last day),
`aujourd'hui`/`today`, `demain`/`tomorrow`, `hier`/`yesterday`, `dans 3 jours`/`in 3 days` (days, weeks, months).
A deadline is a duration from now (`7j`, `1 mois`), a day (then the end of it) or a day and a time (`14:00`, `14h`,
`14h30`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.rules.calendar import add_months, days_in_month
from bot.rules.dates.durations import DurationError, Span, parse_span
from bot.rules.dates.words import MONTH_NAMES, normalize


class DayError(ValueError):
    """A day or a deadline that could not be understood; `code` is machine-usable (`ambiguous_unit`: m)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_OFFSETS = {"aujourd hui": 0, "aujourdhui": 0, "today": 0, "demain": 1, "tomorrow": 1, "apres-demain": 2,
            "hier": -1, "yesterday": -1, "avant-hier": -2}
_RE_IN = re.compile(r"(?:dans|in|d ici) (.+?)(?: from now)?")
_RE_DAY_SLASH = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_RE_NO_YEAR = re.compile(r"(\d{1,2})(?:er|re|st|nd|rd|th)? ([a-z]+)|([a-z]+) (\d{1,2})(?:st|nd|rd|th)?")
_RE_END = re.compile(r"(?:fin|fin de|fin d|end of|the end of|by the end of|a la fin de) (.+)")
_RE_CLOCK = re.compile(r"(\d{1,2})(?:[:h](\d{2})?)?")


@dataclass(frozen=True)
class DaySpec:
    """A day as written, resolved against today (the forum's local date): absolute, or relative to today."""

    text: str
    day: date | None = None
    offset: Span | None = None
    month_day: tuple[int, int] | None = None
    back: int = 0

    def on(self, today: date) -> date:
        if self.day is not None:
            return self.day
        if self.offset is not None:
            return self.offset.after(today)
        if self.month_day is not None:
            return _next_month_day(today, *self.month_day)
        return today + timedelta(days=self.back)


def _next_month_day(today: date, month: int, day: int) -> date:
    for year in range(today.year, today.year + 9):  # 29 February: the next leap year
        if day <= days_in_month(year, month) and date(year, month, day) >= today:
            return date(year, month, day)
    raise DayError("bad_day", f"no day {day} in month {month}")


def _no_year(s: str, text: str) -> DaySpec | None:
    match = _RE_NO_YEAR.fullmatch(s)
    if not match:
        return None
    number, name = (match[1], match[2]) if match[1] else (match[4], match[3])
    if name not in MONTH_NAMES:
        return None
    month, day = MONTH_NAMES[name], int(number)
    if not 1 <= day <= days_in_month(2024, month):
        raise DayError("bad_day", f"no day {day} in {name}")
    return DaySpec(text, month_day=(month, day))


def _relative(s: str, text: str) -> DaySpec | None:
    if s in _OFFSETS:
        return DaySpec(text, back=_OFFSETS[s])
    if match := _RE_IN.fullmatch(s):
        try:
            span = parse_span(match[1])
        except DurationError as exc:
            raise DayError(exc.code, str(exc)) from exc
        whole = Span(span.months, timedelta(days=span.delta.days))
        if span.delta != whole.delta:
            raise DayError("not_days", "a day is counted in days, weeks or months")
        return DaySpec(text, offset=whole)
    return None


def parse_day(text: str) -> DaySpec:
    """A day in English or French; raise DayError when not understood."""
    from bot.rules.periods import PeriodError, parse_period

    s = normalize(text)
    if not s:
        raise DayError("empty", "no day given")
    if found := _relative(s, text) or _no_year(s, text):
        return found
    if match := _RE_DAY_SLASH.fullmatch(text.strip()):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        if not (1 <= month <= 12 and 1 <= day <= days_in_month(year, month)):
            raise DayError("bad_day", f"not a day: {text!r}")
        return DaySpec(text, day=date(year, month, day))
    if match := _RE_END.fullmatch(s):
        s = match[1]
    try:
        period = parse_period(s)
    except PeriodError as exc:
        raise DayError(exc.code, str(exc)) from exc
    if period.kind == "ongoing":
        raise DayError("no_day", "an ongoing period has no day")
    return DaySpec(text, day=period.end)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The end of `day` in time zone `tz`: the first instant of the next day (a deadline is kept until then)."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)


@dataclass(frozen=True)
class DeadlineSpec:
    """When something closes, as written: a duration from now, a day (through its end) or a day and a time."""

    text: str
    span: Span | None = None
    day: DaySpec | None = None
    clock: time | None = None

    @property
    def whole_day(self) -> bool:
        """A day without a time: closes at the end of that day."""
        return self.day is not None and self.clock is None

    def resolve(self, now: datetime, tz: ZoneInfo) -> datetime:
        local = now.astimezone(tz)
        if self.span is not None:
            return self.span.after(local)
        assert self.day is not None
        day = self.day.on(local.date())
        if self.clock is None:  # the last instant of the day: shown as 23:59, a ballot at 23:59:59 still counts
            return end_of_day(day, tz) - timedelta(microseconds=1)
        return datetime.combine(day, self.clock, tzinfo=tz)


def _clock(text: str) -> time | None:
    match = _RE_CLOCK.fullmatch(normalize(text))
    if not match or (":" not in text and "h" not in text.lower()):
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def parse_deadline(text: str) -> DeadlineSpec:
    """`7j`, `1 mois`, `2025-03-01`, `demain`, `31/12/2025 18:00`, `2025-03-01T18:00`, `1er mars 14h`."""
    stripped = text.strip()
    try:
        return DeadlineSpec(text, span=parse_span(stripped))
    except DurationError as exc:
        if exc.code == "ambiguous_unit":
            raise DayError(exc.code, str(exc)) from exc
    head, _, last = re.sub(r"(\d)T(\d)", r"\1 \2", stripped).rpartition(" ")
    clock = _clock(last) if head else None
    if clock is not None:
        head = re.sub(r"\s+(?:a|à|at)$", "", head.strip())
        return DeadlineSpec(text, day=parse_day(head), clock=clock)
    return DeadlineSpec(text, day=parse_day(stripped))


__all__ = ["DayError", "DaySpec", "DeadlineSpec", "add_months", "end_of_day", "parse_day", "parse_deadline"]
