"""Due periods, durations and terms as people write them in English or French."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, TypeVar

from bot.rules import RuleError
from bot.rules.calendar import add_months, days_in_month, last_day_of_month

Kind = Literal["day", "month", "quarter", "half", "year"]
D = TypeVar("D", bound=date)
V = TypeVar("V")

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


class PeriodError(RuleError):
    """A period that could not be understood; `code` is machine-usable."""


class DurationError(RuleError):
    """A duration or term that could not be understood; `code` is machine-usable."""


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
        return cls._part_of_year("quarter", year, quarter, text)

    @classmethod
    def of_half(cls, year: int, half: int, text: str = "") -> Period:
        """A calendar half-year (H1 ends 06-30, H2 ends 12-31)."""
        return cls._part_of_year("half", year, half, text)

    @classmethod
    def _part_of_year(cls, kind: Literal["quarter", "half"], year: int, index: int, text: str) -> Period:
        """The `index`-th quarter or half of `year`, both checked."""
        _check_year(year)
        months, code, allowed = _PARTS[kind]
        if not 1 <= index <= 12 // months:
            raise PeriodError(code, f"{allowed}, got {index}")
        start = date(year, months * (index - 1) + 1, 1)
        return cls(kind, year, index, start, last_day_of_month(year, months * index), text=text)

    @classmethod
    def of_year(cls, year: int, text: str = "") -> Period:
        """A calendar year."""
        _check_year(year)
        return cls("year", year, 1, date(year, 1, 1), date(year, 12, 31), text=text)


# A part of a year: its months, the error code and the range when the index is out of it.
_PARTS: dict[str, tuple[int, str, str]] = {
    "quarter": (3, "bad_quarter", "quarter must be 1 to 4"),
    "half": (6, "bad_half", "half-year must be 1 or 2"),
}


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(
            "bad_year", f"year must be between {MIN_YEAR} and {MAX_YEAR}, got {year}"
        )


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise PeriodError("bad_month", f"month must be 1 to 12, got {month}")


# Month names without accents, lower case; English and French with usual abbreviations.
def _by_word(rows: Iterable[tuple[V, str]]) -> dict[str, V]:
    """Each word of a row's words → the row's value."""
    return {word: value for value, words in rows for word in words.split()}


def _numbered_words(rows: tuple[str, ...]) -> dict[str, int]:
    """Each word of row n (from 1) → n."""
    return _by_word(enumerate(rows, start=1))


_MONTH_NAMES: dict[str, int] = _numbered_words(
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
    )
)

_ORDINALS: dict[str, int] = _numbered_words(
    (
        "1 1er 1re 1ere 1st first premier premiere",
        "2 2e 2eme 2nd second seconde deuxieme",
        "3 3e 3eme 3rd third troisieme",
        "4 4e 4eme 4th fourth quatrieme",
    )
)

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

_DURATION_UNITS: dict[str, timedelta] = _by_word(
    (
        (timedelta(minutes=1), "m min mins mn minute minutes"),
        (timedelta(hours=1), "h hr hrs hour hours heure heures"),
        (timedelta(days=1), "d j day days jour jours"),
        (timedelta(weeks=1), "w s wk week weeks sem semaine semaines"),
    )
)

_TERM_UNITS: dict[str, int] = _by_word(
    (
        (12, "y yr yrs year years a an ans annee annees"),
        (1, "mo mos month months mois"),
    )
)

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
