"""Due periods, durations and terms as people write them in English or French."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, TypeVar

from bot.rules.calendar import add_months, days_in_month, last_day_of_month

Kind = Literal["day", "month", "quarter", "half", "year"]
D = TypeVar("D", bound=date)

MIN_YEAR = 1900
MAX_YEAR = 2200

ACCEPTED_FORMS_EXAMPLES: tuple[str, ...] = (
    "2024-02-15",
    "2024-02",
    "February 2024",
    "février 2024",
    "Q3 2024",
    "T3 2024",
    "H1 2024",
    "S1 2024",
    "2025",
)


class PeriodError(ValueError):
    """A period that could not be understood; `code` is machine-usable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class DurationError(ValueError):
    """A duration or term that could not be understood; `code` is machine-usable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- Period


@dataclass(frozen=True)
class Period:
    """A due period; `end` (the last day) is the due date.

    `index` is the month (day and month kinds), quarter, half, or 1 for a year.
    `text` is what the person wrote and is ignored by equality.
    """

    kind: Kind
    year: int
    index: int
    start: date
    end: date
    month: int | None = None
    day: int | None = None
    text: str = field(default="", compare=False)

    @property
    def due(self) -> date:
        """The due date: the last day of the period."""
        return self.end

    def contains(self, d: date) -> bool:
        """Whether d falls within the period (inclusive)."""
        return self.start <= date(d.year, d.month, d.day) <= self.end

    def key(self) -> str:
        """Canonical language-neutral key: 2024-02-15, 2024-02, 2024-Q3, 2024-H1, 2025."""
        if self.kind == "day":
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.kind == "month":
            return f"{self.year:04d}-{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.index}"
        if self.kind == "half":
            return f"{self.year:04d}-H{self.index}"
        return f"{self.year:04d}"

    @classmethod
    def of_day(cls, year: int, month: int, day: int, text: str = "") -> Period:
        """A single day; validates the date."""
        _check_year(year)
        _check_month(month)
        if not 1 <= day <= days_in_month(year, month):
            raise PeriodError("bad_day", f"{year:04d}-{month:02d} has no day {day}")
        d = date(year, month, day)
        return cls("day", year, month, d, d, month, day, text)

    @classmethod
    def of_month(cls, year: int, month: int, text: str = "") -> Period:
        """A calendar month."""
        _check_year(year)
        _check_month(month)
        end = last_day_of_month(year, month)
        return cls("month", year, month, date(year, month, 1), end, month, None, text)

    @classmethod
    def of_quarter(cls, year: int, quarter: int, text: str = "") -> Period:
        """A calendar quarter (Q1 ends 03-31 ... Q4 ends 12-31)."""
        _check_year(year)
        if not 1 <= quarter <= 4:
            raise PeriodError("bad_quarter", f"quarter must be 1 to 4, got {quarter}")
        start = date(year, 3 * quarter - 2, 1)
        return cls(
            "quarter",
            year,
            quarter,
            start,
            last_day_of_month(year, 3 * quarter),
            text=text,
        )

    @classmethod
    def of_half(cls, year: int, half: int, text: str = "") -> Period:
        """A calendar half-year (H1 ends 06-30, H2 ends 12-31)."""
        _check_year(year)
        if not 1 <= half <= 2:
            raise PeriodError("bad_half", f"half-year must be 1 or 2, got {half}")
        start = date(year, 6 * half - 5, 1)
        return cls(
            "half", year, half, start, last_day_of_month(year, 6 * half), text=text
        )

    @classmethod
    def of_year(cls, year: int, text: str = "") -> Period:
        """A calendar year."""
        _check_year(year)
        return cls("year", year, 1, date(year, 1, 1), date(year, 12, 31), text=text)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(
            "bad_year", f"year must be between {MIN_YEAR} and {MAX_YEAR}, got {year}"
        )


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise PeriodError("bad_month", f"month must be 1 to 12, got {month}")


# Month names without accents, lower case; English and French with usual abbreviations.
_MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan janvier janv",
        "february feb febr fevrier fevr fev",
        "march mar mars",
        "april apr avril avr",
        "may mai",
        "june jun juin",
        "july jul juillet juil",
        "august aug aout",
        "september sep sept septembre",
        "october oct octobre",
        "november nov novembre",
        "december dec decembre",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTH_NAMES[_name] = _number

_ORDINALS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "1 1er 1re 1ere 1st first premier premiere",
        "2 2e 2eme 2nd second seconde deuxieme",
        "3 3e 3eme 3rd third troisieme",
        "4 4e 4eme 4th fourth quatrieme",
    ),
    start=1,
):
    for _name in _names.split():
        _ORDINALS[_name] = _number

_PERIOD_WORDS: dict[str, Kind] = {
    "quarter": "quarter",
    "trimestre": "quarter",
    "half": "half",
    "semestre": "half",
}

_SEP = r"[ /-]?"
_RE_YEAR = re.compile(r"(\d{4})")
_RE_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_RE_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_RE_MONTH_SLASH = re.compile(r"(\d{1,2})/(\d{4})")
_RE_LETTER_FIRST = re.compile(rf"([qths]) ?(\d+){_SEP}(\d{{4}})")
_RE_YEAR_FIRST = re.compile(rf"(\d{{4}}){_SEP}([qths]) ?(\d+)")
_RE_NAMED_MONTH = re.compile(r"([a-z]+) ?(\d{4})")
_RE_DAY_NAMED = re.compile(r"(\d{1,2})(?:er|st|nd|rd|th)? ([a-z]+) (\d{4})")
_RE_NAMED_DAY = re.compile(r"([a-z]+) (\d{1,2})(?:st|nd|rd|th)? (\d{4})")
_RE_ORDINAL = re.compile(
    r"([a-z0-9]+) (quarter|trimestre|half|semestre) (?:(?:of|de|d) )?(\d{4})"
)


def _normalize(text: str) -> str:
    """Lower case, no accents, dots and commas as spaces, single spaces, tight hyphens."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"[.,]", " ", plain)
    plain = re.sub(r"\s+", " ", plain).strip()
    return re.sub(r" ?- ?", "-", plain)


def _month_number(name: str) -> int:
    try:
        return _MONTH_NAMES[name]
    except KeyError:
        raise PeriodError("unknown_month", f"unknown month name {name!r}") from None


def _letter_period(letter: str, index: int, year: int, text: str) -> Period:
    if letter in "qt":
        return Period.of_quarter(year, index, text)
    return Period.of_half(year, index, text)


def _parse_normalized(s: str, text: str) -> Period:
    if m := _RE_YEAR.fullmatch(s):
        return Period.of_year(int(m[1]), text)
    if m := _RE_DAY.fullmatch(s):
        return Period.of_day(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _RE_MONTH.fullmatch(s):
        return Period.of_month(int(m[1]), int(m[2]), text)
    if m := _RE_MONTH_SLASH.fullmatch(s):
        return Period.of_month(int(m[2]), int(m[1]), text)
    if m := _RE_LETTER_FIRST.fullmatch(s):
        return _letter_period(m[1], int(m[2]), int(m[3]), text)
    if m := _RE_YEAR_FIRST.fullmatch(s):
        return _letter_period(m[2], int(m[3]), int(m[1]), text)
    if (m := _RE_ORDINAL.fullmatch(s)) and m[1] in _ORDINALS:
        index, year = _ORDINALS[m[1]], int(m[3])
        if _PERIOD_WORDS[m[2]] == "quarter":
            return Period.of_quarter(year, index, text)
        return Period.of_half(year, index, text)
    if m := _RE_NAMED_MONTH.fullmatch(s):
        _check_year(int(m[2]))
        return Period.of_month(int(m[2]), _month_number(m[1]), text)
    if m := _RE_DAY_NAMED.fullmatch(s):
        return Period.of_day(int(m[3]), _month_number(m[2]), int(m[1]), text)
    if m := _RE_NAMED_DAY.fullmatch(s):
        return Period.of_day(int(m[3]), _month_number(m[1]), int(m[2]), text)
    raise PeriodError("unknown_form", f"not a period I understand: {text!r}")


def parse_period(text: str) -> Period:
    """Parse a due period in English or French; raise PeriodError when not understood."""
    stripped = text.strip()
    if not stripped:
        raise PeriodError("empty", "no period given")
    return _parse_normalized(_normalize(stripped), stripped)


# --------------------------------------------------------------------------- durations

_DURATION_UNITS: dict[str, timedelta] = {}
for _unit, _names in (
    (timedelta(minutes=1), "m min mins mn minute minutes"),
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
    """Split "1h 30m" / "1 an 6 mois" into [(1, "h"), (30, "m")]; raise if anything is left."""
    s = _normalize(text)
    if not s:
        raise DurationError("empty", "nothing given")
    compact = s.replace(" et ", " ").replace(" and ", " ")
    parts = _RE_AMOUNTS.findall(compact)
    if not parts or _RE_AMOUNTS.sub("", compact).strip():
        raise DurationError("unknown_form", f"not understood: {text.strip()!r}")
    return [(int(n), unit) for n, unit in parts]


def parse_duration(text: str) -> timedelta:
    """Parse "30m", "48h", "7d"/"7j", "2w"/"2s" (semaines), "1h 30m"; must be positive."""
    total = timedelta()
    for amount, unit in _amounts(text):
        if unit not in _DURATION_UNITS:
            raise DurationError("unknown_unit", f"unknown duration unit {unit!r}")
        total += amount * _DURATION_UNITS[unit]
    if total <= timedelta():
        raise DurationError("not_positive", "duration must be more than zero")
    return total


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
