"""Vote counting: quorum, majorities, and approval elections for N seats."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, get_args

from bot.rules import RuleError

Choice = Literal["yes", "no", "abstain"]
Majority = Literal["simple", "absolute", "two_thirds"]
Outcome = Literal["adopted", "rejected", "no_quorum"]

CHOICES: tuple[Choice, ...] = get_args(Choice)
MAJORITIES: tuple[Majority, ...] = get_args(Majority)


class TallyError(RuleError):
    """Bad vote-counting input; `code` is machine-usable."""


class QuorumError(TallyError):
    """A quorum that could not be understood or is out of range."""


class MajorityError(TallyError):
    """A majority rule that could not be understood."""


class ApprovalError(TallyError):
    """An invalid approval ballot or election setup."""


# --------------------------------------------------------------------------- tally


@dataclass(frozen=True)
class Tally:
    """The counted result of a yes/no/abstain vote."""

    yes: int
    no: int
    abstain: int
    cast: int
    electorate: int
    turnout: Fraction
    quorum_met: bool
    outcome: Outcome
    tie: bool
    quorum: Fraction | None = None
    majority: Majority = "simple"


def _count(ballots: Iterable[Choice]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for ballot in ballots:
        if ballot not in CHOICES:
            raise TallyError("bad_choice", f"unknown choice {ballot!r}")
        counts[ballot] += 1
    return counts


def _check_quorum(quorum: Fraction | None) -> None:
    if quorum is not None and not 0 <= quorum <= 1:
        raise QuorumError("out_of_range", "quorum must be between 0% and 100%")


def quorum_met(cast: int, electorate: int, quorum: Fraction | None) -> bool:
    """Whether cast/electorate reaches the quorum (exactly reached counts; None = no quorum)."""
    if quorum is None:
        return True
    if electorate == 0:
        return False
    return Fraction(cast, electorate) >= quorum


def majority_reached(yes: int, no: int, abstain: int, majority: Majority) -> bool:
    """Whether the yes votes carry under the majority rule."""
    if majority == "simple":
        return yes > no
    if majority == "absolute":
        return 2 * yes > yes + no + abstain
    if majority == "two_thirds":
        return yes + no > 0 and 3 * yes >= 2 * (yes + no)
    raise MajorityError("unknown_majority", f"unknown majority {majority!r}")


def tally(
    ballots: Iterable[Choice],
    electorate: int,
    quorum: Fraction | None = None,
    majority: Majority = "simple",
) -> Tally:
    """Count ballots; abstentions count toward the quorum but never as yes.

    `tie` means as many yes as no votes, at least one of each.
    """
    if electorate < 0:
        raise TallyError("bad_electorate", "electorate cannot be negative")
    _check_quorum(quorum)
    counts = _count(ballots)
    yes, no, abstain = counts["yes"], counts["no"], counts["abstain"]
    cast = yes + no + abstain
    if cast > electorate:
        raise TallyError(
            "too_many_ballots", f"{cast} ballots for an electorate of {electorate}"
        )
    met = quorum_met(cast, electorate, quorum)
    carried = majority_reached(yes, no, abstain, majority)
    outcome: Outcome = "no_quorum" if not met else "adopted" if carried else "rejected"
    return Tally(
        yes=yes,
        no=no,
        abstain=abstain,
        cast=cast,
        electorate=electorate,
        turnout=Fraction(cast, electorate) if electorate else Fraction(0),
        quorum_met=met,
        outcome=outcome,
        tie=yes == no > 0,
        quorum=quorum,
        majority=majority,
    )


# --------------------------------------------------------------------------- parsing

_RE_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?) ?%")
_RE_DECIMAL = re.compile(r"\d+(?:[.,]\d+)?")
_RE_RATIO = re.compile(r"(\d+) ?/ ?(\d+)")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.sub(r"\s+", " ", plain).strip()


def _fraction_of(s: str) -> Fraction:
    if m := _RE_PERCENT.fullmatch(s):
        return Fraction(m[1].replace(",", ".")) / 100
    if _RE_DECIMAL.fullmatch(s):
        return Fraction(s.replace(",", "."))
    if (m := _RE_RATIO.fullmatch(s)) and int(m[2]) != 0:
        return Fraction(int(m[1]), int(m[2]))
    raise QuorumError("unknown_form", f"not a quorum I understand: {s!r}")


def parse_quorum(text: str) -> Fraction:
    """Parse "50%", "50 %", "0.5", "0,5", "1/2", "2/3" into a Fraction in 0..1."""
    s = _plain(text)
    if not s:
        raise QuorumError("empty", "no quorum given")
    if s.startswith("-"):
        raise QuorumError("out_of_range", "quorum cannot be negative")
    value = _fraction_of(s)
    if value > 1:
        raise QuorumError("out_of_range", "quorum cannot exceed 100%")
    return value


_MAJORITY_WORDS: dict[str, Majority] = {
    "simple": "simple",
    "relative": "simple",
    "absolute": "absolute",
    "absolue": "absolute",
    "2/3": "two_thirds",
    "two thirds": "two_thirds",
    "two_thirds": "two_thirds",
    "deux tiers": "two_thirds",
}
_MAJORITY_FILLER = re.compile(
    r"\b(majority|majorite|qualified|qualifiee|of|the|des|de|la|a)\b"
)


def parse_majority(text: str) -> Majority:
    """Parse a majority rule in English or French ("absolue", "deux-tiers", "2/3", ...)."""
    s = _plain(text).replace("-", " ")
    s = re.sub(r"\s*/\s*", "/", s)
    s = re.sub(r"\s+", " ", _MAJORITY_FILLER.sub(" ", s)).strip()
    if s in _MAJORITY_WORDS:
        return _MAJORITY_WORDS[s]
    raise MajorityError(
        "unknown_majority", f"not a majority I understand: {text.strip()!r}"
    )


# --------------------------------------------------------------------------- approval


@dataclass(frozen=True)
class ApprovalResult:
    """Approval election outcome; `counts` lists every candidate in ranking order.

    `seats_left` is how many seats the tie in `tied_for_last` leaves to share (0 when
    no tie); `vacant` is how many seats stay empty for lack of candidates.
    """

    counts: Mapping[str, int]
    ranking: tuple[str, ...]
    elected: tuple[str, ...]
    tied_for_last: tuple[str, ...]
    seats_left: int
    vacant: int
    seats: int
    ballots: int


def _check_setup(candidates: Sequence[str], seats: int) -> None:
    if seats < 1:
        raise ApprovalError("bad_seats", "there must be at least one seat")
    if len(set(candidates)) != len(candidates):
        raise ApprovalError("duplicate_candidate", "candidates must be distinct")


def validate_approval(
    choices: Collection[str], candidates: Sequence[str], seats: int
) -> frozenset[str]:
    """Check one ballot: known candidates only, each once, at most `seats` of them."""
    _check_setup(candidates, seats)
    if isinstance(choices, str):
        raise ApprovalError(
            "bad_ballot", "a ballot is a collection of names, not one string"
        )
    chosen = frozenset(choices)
    if len(chosen) != len(choices):
        raise ApprovalError("duplicate_choice", "a candidate is approved twice")
    unknown = sorted(chosen.difference(candidates))
    if unknown:
        raise ApprovalError("unknown_candidate", f"unknown candidate {unknown[0]!r}")
    if len(chosen) > seats:
        raise ApprovalError(
            "too_many_choices", f"at most {seats} choices, got {len(chosen)}"
        )
    return chosen


def _split_at_boundary(
    ranking: Sequence[str], counts: Mapping[str, int], seats: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(clearly elected, tied across the last seat)."""
    if len(ranking) <= seats:
        return tuple(ranking), ()
    boundary = counts[ranking[seats - 1]]
    if boundary > counts[ranking[seats]]:
        return tuple(ranking[:seats]), ()
    elected = tuple(c for c in ranking if counts[c] > boundary)
    tied = tuple(c for c in ranking if counts[c] == boundary)
    return elected, tied


def approval_result(
    ballots: Iterable[Collection[str]], candidates: Sequence[str], seats: int
) -> ApprovalResult:
    """Count approval ballots for `seats` seats; ties across the last seat are reported, not broken."""
    _check_setup(candidates, seats)
    tallies = dict.fromkeys(candidates, 0)
    cast = 0
    for ballot in ballots:
        for name in validate_approval(ballot, candidates, seats):
            tallies[name] += 1
        cast += 1
    order = {name: i for i, name in enumerate(candidates)}
    ranking = tuple(sorted(candidates, key=lambda c: (-tallies[c], order[c])))
    counts = {name: tallies[name] for name in ranking}
    elected, tied = _split_at_boundary(ranking, counts, seats)
    return ApprovalResult(
        counts=counts,
        ranking=ranking,
        elected=elected,
        tied_for_last=tied,
        seats_left=seats - len(elected) if tied else 0,
        vacant=max(0, seats - len(candidates)),
        seats=seats,
        ballots=cast,
    )
