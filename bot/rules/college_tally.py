"""Counting by college: double majority, consensus, quorum in each college (no I/O).

A vote's overall count comes from bot/rules/tally.py; these rules then decide with the count of each college:

- `double`: adopted only when the yes carry (more yes than no) overall *and* in each college that has voters;
- `consensus`: adopted when nobody votes against (at least one yes);
- a quorum in each college (`quorum_each`): the vote reaches quorum only when each college with an electorate does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from bot.rules.tally import Outcome, majority_reached, quorum_met

COLLEGE_MAJORITIES = ("double", "consensus")


@dataclass(frozen=True)
class CollegeCount:
    """One college's part of a vote; `yes`/`no`/`abstain` are None when a secret vote may not show them."""

    cast: int
    electorate: int
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None

    @property
    def turnout(self) -> Fraction:
        return Fraction(self.cast, self.electorate) if self.electorate else Fraction(0)

    def carried(self) -> bool:
        return majority_reached(self.yes or 0, self.no or 0, self.abstain or 0, "simple")


@dataclass(frozen=True)
class CollegeVerdict:
    outcome: Outcome
    short_of_quorum: tuple[str, ...] = ()  # colleges below `quorum_each`
    against: tuple[str, ...] = ()  # colleges where the yes do not carry (double majority)


def base_majority(majority: str) -> str:
    """The majority the overall count is made with (double and consensus count like simple overall)."""
    return "simple" if majority in COLLEGE_MAJORITIES else majority


def college_verdict(outcome: Outcome, yes: int, no: int, majority: str, by_college: Mapping[str, CollegeCount],
                    quorum_each: Fraction | None) -> CollegeVerdict:
    """The outcome once the colleges are taken into account; `outcome` is the overall count's."""
    short = tuple(sorted(c for c, n in by_college.items()
                         if n.electorate and not quorum_met(n.cast, n.electorate, quorum_each)))
    if outcome == "no_quorum" or short:
        return CollegeVerdict("no_quorum", short)
    if majority == "consensus":
        return CollegeVerdict("adopted" if yes > 0 and no == 0 else "rejected")
    if majority == "double":
        against = tuple(sorted(c for c, n in by_college.items() if n.electorate and not n.carried()))
        return CollegeVerdict("adopted" if outcome == "adopted" and not against else "rejected", (), against)
    return CollegeVerdict(outcome)


def visible_college_counts(choices: Mapping[str, Mapping[str, int]], cast: Mapping[str, int],
                           electorate: Mapping[str, int], secret: bool, min_voters: int) -> dict[str, CollegeCount]:
    """Each college's count; in a secret vote the choices of a college with fewer than `min_voters` voters in its
    electorate are not shown (they could tell who chose what)."""
    counts: dict[str, CollegeCount] = {}
    for college in sorted(electorate):
        chosen = choices.get(college)
        if secret and (electorate[college] < min_voters or chosen is None):
            counts[college] = CollegeCount(cast.get(college, 0), electorate[college])
            continue
        chosen = chosen or {}
        counts[college] = CollegeCount(cast.get(college, 0), electorate[college], chosen.get("yes", 0),
                                       chosen.get("no", 0), chosen.get("abstain", 0))
    return counts
