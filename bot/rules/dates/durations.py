"""Durations (`30min`, `48h`, `7j`, `2 semaines`, `1 mois`) and terms of office (`2a`, `18 mois`).

`m` alone is ambiguous (minutes in English, often mois in French): a duration with `m` is refused with
code `ambiguous_unit` so the bot can ask; `min`/`mn` are minutes, `mo`/`mois` months. The console's `@advance`
(a transcript's own syntax, not a person's) still reads `m` as minutes (`minutes_m=True`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from bot.rules import RuleError
from bot.rules.calendar import add_months
from bot.rules.dates.words import normalize

D = TypeVar("D", bound=date)
AMBIGUOUS = "m"


class DurationError(RuleError):
    """A duration or term that could not be understood; `code` is machine-usable."""


_DURATION_UNITS: dict[str, timedelta] = {}
for _unit, _names in (
    (timedelta(minutes=1), "min mins mn minute minutes"),
    (timedelta(hours=1), "h hr hrs hour hours heure heures"),
    (timedelta(days=1), "d j day days jour jours"),
    (timedelta(weeks=1), "w s wk week weeks sem semaine semaines"),
):
    for _name in _names.split():
        _DURATION_UNITS[_name] = _unit

_TERM_UNITS: dict[str, int] = {}
for _months, _names in (
    (12, "y yr yrs year years a an ans annee annees"),
    (1, "mo mos month months mois"),
):
    for _name in _names.split():
        _TERM_UNITS[_name] = _months

_RE_AMOUNTS = re.compile(r"(\d+) ?([a-z]+)")


def _amounts(text: str) -> list[tuple[int, str]]:
    """Split "1h 30min" / "1 an 6 mois" into [(1, "h"), (30, "min")]; raise if anything is left."""
    s = normalize(text)
    if not s:
        raise DurationError("empty", "nothing given")
    compact = s.replace(" et ", " ").replace(" and ", " ")
    parts = _RE_AMOUNTS.findall(compact)
    if not parts or _RE_AMOUNTS.sub("", compact).strip():
        raise DurationError("unknown_form", f"not understood: {text.strip()!r}")
    return [(int(n), unit) for n, unit in parts]


@dataclass(frozen=True)
class Span:
    """A duration that may hold whole months (`1 mois 2 j`): months are calendar months, added month-end safe."""

    months: int = 0
    delta: timedelta = timedelta()

    def after(self, start: D) -> D:
        return add_months(start, self.months) + self.delta


def parse_span(text: str, minutes_m: bool = False) -> Span:
    """Parse a duration that may count months ("1 mois", "2mo", "1 month 2 weeks"); `m` alone is ambiguous."""
    months, total = 0, timedelta()
    for amount, unit in _amounts(text):
        if unit == AMBIGUOUS and not minutes_m:
            raise DurationError("ambiguous_unit", "m: minutes (min) or months (mois)?")
        if unit == AMBIGUOUS:
            total += amount * timedelta(minutes=1)
        elif unit in _DURATION_UNITS:
            total += amount * _DURATION_UNITS[unit]
        elif _TERM_UNITS.get(unit) == 1:
            months += amount
        else:
            raise DurationError("unknown_unit", f"unknown duration unit {unit!r}")
    if months < 0 or total < timedelta() or (months == 0 and total == timedelta()):
        raise DurationError("not_positive", "duration must be more than zero")
    return Span(months, total)


def parse_duration(text: str, minutes_m: bool = False) -> timedelta:
    """Parse "30min", "48h", "7d"/"7j", "2w"/"2s" (semaines), "1h 30min"; must be positive; no months."""
    span = parse_span(text, minutes_m)
    if span.months:
        raise DurationError("months", "a number of months is not a fixed duration")
    return span.delta


@dataclass(frozen=True)
class Term:
    """A term of office in whole years and months (normalised: months < 12)."""

    years: int
    months: int = 0

    @property
    def total_months(self) -> int:
        """The whole term in months."""
        return self.years * 12 + self.months

    def add_to(self, d: D) -> D:
        """d shifted by the term, month-end safe (2024-01-31 + 1 month = 2024-02-29)."""
        return add_months(d, self.total_months)


def parse_term(text: str) -> Term:
    """Parse "2y", "2a", "2 ans", "24mo", "18 mois", "1 an 6 mois"; "m" is refused as ambiguous."""
    months = 0
    for amount, unit in _amounts(text):
        if unit in ("m", "min", "mn"):
            raise DurationError("ambiguous_unit", "write 'mo' or 'mois' for months")
        if unit not in _TERM_UNITS:
            raise DurationError("unknown_unit", f"unknown term unit {unit!r}")
        months += amount * _TERM_UNITS[unit]
    if months <= 0:
        raise DurationError("not_positive", "term must be more than zero")
    return Term(*divmod(months, 12))
