"""The wordings action plans use around a due period, in English and French (see the table in
tests/test_plan_wordings.py, collected from published OGP action plans):

- a deadline after a preposition: `avant le 30 juin 2026`, `au plus tard fin 2026`, `d'ici fin 2025`, `by March
  2026`, `no later than Q2 2026`, `end of 2025`: the period named;
- a plan's span or a range: `2025-2027`, `2025 – 2027`, `septembre 2025 à juin 2026`, `de janvier à juin 2025`,
  `from 1 July 2025 to 30 June 2026`, `Q1 2024 – Q4 2025`: due at the end of its last part;
- `en continu`, `ongoing`, `continuous`, `permanent`: no due date (never overdue).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.rules.periods import ONGOING, Period, PeriodError

Base = Callable[[str, str], Period]

_ONGOING = {ONGOING, "en continu", "continu", "en cours", "continuous", "continuously", "permanent", "permanente",
            "tout au long du plan", "throughout", "throughout the plan", "recurrent", "recurring", "en permanence"}
# Longest first: "au plus tard le" before "au plus tard".
_LEADS = sorted((
    "avant le", "avant la", "avant", "au plus tard le", "au plus tard en", "au plus tard", "d ici le", "d ici la",
    "d ici a", "d ici", "jusqu au", "jusqu a", "pour le", "pour", "en", "courant", "le", "echeance",
    "by the end of", "by end of", "by", "no later than", "not later than", "before", "until", "till", "in",
    "due", "due by", "deadline", "during", "on",
    "fin", "fin de", "fin d", "a la fin de", "a la fin du", "end of", "the end of", "end", "at the end of",
), key=len, reverse=True)
_RANGE = [
    re.compile(r"(?:de|du|d) (.+?) (?:a|au|jusqu a|jusqu au) (.+)"),
    re.compile(r"(?:entre|between) (.+?) (?:et|and) (.+)"),
    re.compile(r"(?:from) (.+?) (?:to|until|till|through) (.+)"),
    re.compile(r"(.+?) (?:a|au|to|until|till|through|jusqu a|jusqu au) (.+)"),
]
_SPLIT = re.compile(r"-|/")


def _strip_lead(s: str) -> str | None:
    for lead in _LEADS:
        if s.startswith(lead + " "):
            return s[len(lead) + 1:]
    return None


def _single(s: str, text: str, base: Base) -> Period:
    """A period, possibly after prepositions (`au plus tard fin 2026`: two of them)."""
    try:
        return base(s, text)
    except PeriodError:
        rest = _strip_lead(s)
        if rest is None:
            raise
        return _single(rest, text, base)


def _borrow_year(first: str, last: Period) -> str:
    """`de janvier à juin 2025`: the first part takes the year of the last."""
    return f"{first} {last.year}" if not re.search(r"\d{4}", first) else first


def _splits(s: str) -> list[tuple[str, str]]:
    """Every way of reading `s` as two parts: words first (`à`, `to`…), then at each dash or slash."""
    found = [(m[1], m[2]) for pattern in _RANGE if (m := pattern.fullmatch(s))]
    return found + [(s[:m.start()].strip(), s[m.end():].strip()) for m in _SPLIT.finditer(s)]


def _range(s: str, text: str, base: Base) -> Period | None:
    for head, tail in _splits(s):
        try:
            last = _single(tail, text, base)
            first = _single(_borrow_year(head, last), text, base)
        except PeriodError:
            continue
        if first.kind in ("range", ONGOING) or last.kind in ("range", ONGOING):
            continue
        return Period.of_range(first, last, text)
    return None


def parse_wording(s: str, text: str, base: Base) -> Period:
    """`s` normalised (bot.rules.dates.words.normalize), `text` as written; `base` reads the plain forms."""
    if s in _ONGOING:
        return Period.ongoing(text)
    try:
        return _single(s, text, base)
    except PeriodError as exc:
        found = _range(s, text, base) or _range(_strip_lead(s) or "", text, base)
        if found is None:
            raise PeriodError(exc.code, str(exc)) from None
        return found
