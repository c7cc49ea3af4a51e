"""The kinds of dates: days, moments, deadlines, durations and due periods, in English or French.

Relative days (`demain`, `dans 3 jours`, `1er mars`) are read against the forum's local date, which the router
sets with `today_is(...)` while it binds a command's arguments (a kind never reads a clock)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.errors import ArgError
from bot.i18n import Raw, T
from bot.parsing.kinds import Kind, Token
from bot.rules import periods
from bot.rules.dates.days import DayError, DeadlineSpec, parse_day, parse_deadline
from bot.rules.dates.durations import DurationError

_TODAY: ContextVar[date | None] = ContextVar("forum_today", default=None)
_CLOCK = re.compile(r"\d{1,2}([:h]\d{0,2})?", re.IGNORECASE)


@contextmanager
def today_is(day: date) -> Iterator[None]:
    """While binding a command: the forum's local date, against which relative days are read."""
    token = _TODAY.set(day)
    try:
        yield
    finally:
        _TODAY.reset(token)


def _today() -> date:
    today = _TODAY.get()
    if today is None:
        raise ValueError("a relative day needs the forum's date")
    return today


def ambiguous_m(text: str) -> ArgError:
    """`m` alone: minutes or months? The answer asks."""
    return ArgError(T("“{value}”: is m minutes or months? Write min for minutes (30min) or mo/mois for months "
                      "(2mois).", value=Raw(text)))


def _reraise(text: str, exc: DayError | DurationError) -> None:
    if exc.code == "ambiguous_unit":
        raise ambiguous_m(text) from exc


class Duration(Kind):
    """A duration: `30min`, `48h`, `7j`, `2w`; `m` alone is asked about (minutes or mois?)."""

    expected = T("a duration like 30min, 48h, 7d or 2w")

    def __init__(self, minutes_m: bool = False) -> None:
        self.minutes_m = minutes_m  # the console's @advance: a transcript's syntax, where m is minutes

    def convert(self, text: str) -> timedelta:
        try:
            return periods.parse_duration(text, minutes_m=self.minutes_m)
        except DurationError as exc:
            _reraise(text, exc)
            raise


class Day(Kind):
    """A day: `2024-03-01`, `31/12/2025`, `31 décembre 2025`, `1er mars`, `fin 2024`, `2025-12`, `demain`…"""

    expected = T("a date like 2024-03-01, 31/12/2025 or December 31, 2025")

    def convert(self, text: str) -> date:
        spec = parse_day(text)
        return spec.day if spec.day is not None else spec.on(_today())

    def parse(self, tokens: Sequence[Token], i: int, raw: str) -> tuple[Any, int]:
        for width in (3, 2):
            if i + width <= len(tokens):
                try:
                    return self.convert(" ".join(t.text for t in tokens[i:i + width])), i + width
                except ValueError:
                    continue
        return self.convert_or_fail(tokens[i].text), i + 1


class Moment(Kind):
    """A day with an optional time (`2024-03-01 14:00`, `2024-03-01T14:00`, `31/12/2025 14h`), in local time."""

    expected = T("a date and time like 2024-03-01 14:00")

    def __init__(self, require_time: bool = False) -> None:
        self.require_time = require_time

    def convert(self, text: str) -> datetime:
        spec = parse_deadline(text)
        if spec.span is not None or (spec.clock is None and self.require_time):
            raise ValueError(text)
        assert spec.day is not None
        day = spec.day.day if spec.day.day is not None else spec.day.on(_today())
        return datetime.combine(day, spec.clock or time(0, 0))

    def parse(self, tokens: Sequence[Token], i: int, raw: str) -> tuple[Any, int]:
        for width in (5, 4, 3, 2):
            if i + width <= len(tokens) and _CLOCK.fullmatch(tokens[i + width - 1].text):
                try:
                    return self.convert(" ".join(t.text for t in tokens[i:i + width])), i + width
                except ValueError:
                    continue
        return self.convert_or_fail(tokens[i].text), i + 1


class Deadline(Kind):
    """When something closes: a duration from now (`7d`, `1 mois`), a day (through its end, forum time) or a day
    and a time."""

    expected = T("a duration like 7d or a date like 2024-03-01 18:00")

    def convert(self, text: str) -> DeadlineSpec:
        try:
            return parse_deadline(text)
        except DayError as exc:
            _reraise(text, exc)
            raise


class Period(Kind):
    """A due period as people write it: 2024-02-15, February 2024, Q3 2024, H1 2024, 2025 …"""

    expected = T("a period like 2024-02-15, 2024-02, February 2024, Q3 2024, H1 2024 or 2025")

    def convert(self, text: str) -> Any:
        return periods.parse_period(text)

    def parse(self, tokens: Sequence[Token], i: int, raw: str) -> tuple[Any, int]:
        if i + 1 < len(tokens):
            try:
                return self.convert(tokens[i].text + " " + tokens[i + 1].text), i + 2
            except ValueError:
                pass
        return self.convert_or_fail(tokens[i].text), i + 1
