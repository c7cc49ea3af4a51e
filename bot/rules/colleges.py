"""Colleges: the sides of a multistakeholder forum, the config's parity rules, and checking them (no I/O).

Every forum has the `government` and `civil-society` colleges; its config may declare others (`parliament`,
`academia`, …). Parity rules say who the co-chairs must be (one per listed college) and how many committee seats
each college holds besides the co-chairs; `on_breach` says whether a role change that breaks them is refused or
only warned about.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

GOVERNMENT = "government"
CIVIL_SOCIETY = "civil-society"
BUILT_IN = (GOVERNMENT, CIVIL_SOCIETY)
# French (and other) words for the built-in colleges; declared colleges are written as the config spells them.
ALIASES = {"gouvernement": GOVERNMENT, "gov": GOVERNMENT, "societe-civile": CIVIL_SOCIETY,
           "civil-society": CIVIL_SOCIETY, "civil_society": CIVIL_SOCIETY, "civilsociety": CIVIL_SOCIETY,
           "sc": CIVIL_SOCIETY}
ON_BREACH = ("refuse", "warn")
_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")


def plain(text: str) -> str:
    """Lower case without accents, spaces and underscores as dashes: `Société civile` → `societe-civile`."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.sub(r"[\s_]+", "-", bare)


@dataclass(frozen=True)
class CollegeRules:
    """The `[colleges]` table of the config."""

    extra: tuple[str, ...] = ()
    cochairs: tuple[str, ...] = ()  # e.g. ("government", "civil-society"): one co-chair from each
    committee: Mapping[str, int] = field(default_factory=dict)  # seats per college besides the co-chairs
    on_breach: str = "refuse"
    secret_min_voters: int = 3  # a secret vote keeps a college's count only when it has this many voters

    @property
    def names(self) -> tuple[str, ...]:
        return (*BUILT_IN, *(name for name in self.extra if name not in BUILT_IN))

    def college(self, text: str) -> str | None:
        """The college `text` names (English, French, any case or accent), None when it names none."""
        word = plain(text)
        word = ALIASES.get(word, word)
        return word if word in self.names else None


def college_name(value: object) -> str:
    """A college name as the config may declare it (lower case, digits, dashes); ValueError otherwise."""
    if not isinstance(value, str) or not _NAME.fullmatch(plain(value)):
        raise ValueError(value)
    return ALIASES.get(plain(value), plain(value))


def parse_college_rules(table: Mapping[str, object]) -> CollegeRules:
    """The `[colleges]` table validated; KeyError names an unknown key, ValueError(key) a bad value."""
    for key in table:
        if key not in ("extra", "cochairs", "committee", "on_breach", "secret_min_voters"):
            raise KeyError(key)
    extra = _names(table.get("extra", []), "extra")
    known = (*BUILT_IN, *extra)
    cochairs = _names(table.get("cochairs", []), "cochairs")
    committee = table.get("committee", {})
    if not isinstance(committee, dict):
        raise ValueError("committee")
    seats = {college_name(k): v for k, v in committee.items()}
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in seats.values()):
        raise ValueError("committee")
    if any(c not in known for c in (*cochairs, *seats)):
        raise ValueError("cochairs" if any(c not in known for c in cochairs) else "committee")
    on_breach = table.get("on_breach", "refuse")
    if on_breach not in ON_BREACH:
        raise ValueError("on_breach")
    minimum = table.get("secret_min_voters", 3)
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
        raise ValueError("secret_min_voters")
    return CollegeRules(extra, cochairs, seats, str(on_breach), minimum)


def _names(value: object, key: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(key)
    try:
        return tuple(college_name(v) for v in value)
    except ValueError:
        raise ValueError(key) from None


# --------------------------------------------------------------------------- parity


@dataclass(frozen=True)
class Breach:
    """One parity rule broken: `role` is cochair or committee; `college` has `have` where `need` are required."""

    role: str
    college: str | None
    have: int
    need: int


def parity_breaches(holders: Iterable[tuple[str, str | None]], rules: CollegeRules) -> list[Breach]:
    """The parity rules the holders (role, college) break. Co-chairs: exactly one from each listed college and
    none from elsewhere; committee: at most the configured seats per college (a vacancy is not a breach)."""
    cochairs: Counter[str | None] = Counter(college for role, college in holders if role == "cochair")
    committee: Counter[str | None] = Counter(college for role, college in holders if role == "committee")
    breaches: list[Breach] = []
    if rules.cochairs:
        wanted: Counter[str | None] = Counter(rules.cochairs)
        for college in sorted(set(cochairs) | set(wanted), key=lambda c: c or ""):
            if cochairs[college] > wanted[college]:
                breaches.append(Breach("cochair", college, cochairs[college], wanted[college]))
    for college, have in sorted(committee.items(), key=lambda item: item[0] or ""):
        need = rules.committee.get(college or "", 0) if rules.committee else have
        if have > need:
            breaches.append(Breach("committee", college, have, need))
    return breaches


def new_breaches(before: Iterable[tuple[str, str | None]], after: Iterable[tuple[str, str | None]],
                 rules: CollegeRules) -> list[Breach]:
    """The breaches a change brings (those already there before it are not blamed on it)."""
    old = set(parity_breaches(list(before), rules))
    return [b for b in parity_breaches(list(after), rules) if b not in old]


def missing_after(holders: Iterable[tuple[str, str | None]], rules: CollegeRules) -> list[Breach]:
    """Co-chair colleges left without their co-chair (what a mandate's end would cause)."""
    have: Counter[str | None] = Counter(college for role, college in holders if role == "cochair")
    wanted = Counter(rules.cochairs)
    return [Breach("cochair", college, have[college], need) for college, need in sorted(wanted.items())
            if have[college] < need]
