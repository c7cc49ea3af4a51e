"""How the colleges of a vote are said: the rules announced, the count of each college, the verdict they give,
the ballots cast by proxy."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlmodel import Session

from bot.domain.votes.colleges import NO_COLLEGE, count_of, rules_of
from bot.i18n import TN, Lines, Localizable, Percent, Raw, T
from bot.storage.tables import Vote
from bot.wording.colleges import college_label

COLLEGE_MAJORITY_LABELS = {
    "double": T("Majority: double (more yes than no overall and in each college)."),
    "consensus": T("Decision by consensus: adopted when nobody votes against."),
}


def label(college: str) -> Localizable:
    return T("no college") if college == NO_COLLEGE else college_label(college)


def _colleges(names: list[str]) -> Lines:
    return Lines([label(c) for c in names], sep=", ")


def college_rules_text(session: Session, vote: Vote) -> Localizable | None:
    """The college rules of a vote, for its announcement and status (None when it has none)."""
    rules = rules_of(session, vote.id)
    lines: list[Localizable | None] = []
    if rules and rules.quorum_each:
        lines.append(T("Quorum in each college: {share} of its members must take part.",
                       share=Percent(float(Fraction(rules.quorum_each)))))
    if rules and rules.electorate == "present":
        lines.append(T("Counted on the members present at the meeting (and the proxies they hold)."))
    return Lines(lines) if lines else None


def college_verdict_text(result: dict[str, Any]) -> Localizable | None:
    """Why the colleges decided otherwise than the overall count (None when they did not)."""
    if result.get("short_of_quorum"):
        return T("No quorum in {colleges}: each college must reach its quorum. Nothing is decided.",
                 colleges=_colleges(list(result["short_of_quorum"])))
    if result.get("objections") and result.get("outcome") == "rejected":
        return TN("Rejected: {n} objection; a consensus needs nobody against.",
                  "Rejected: {n} objections; a consensus needs nobody against.", len(result["objections"]))
    if result.get("against"):
        return T("Rejected: the double majority is not reached in {colleges}.",
                 colleges=_colleges(list(result["against"])))
    return None


def _college_line(college: str, row: dict[str, Any]) -> Localizable:
    turnout = Raw(f"{row['cast']}/{row['electorate']}")
    if row.get("for") is None:
        return T("• {college}: turnout {turnout} (its choices stay secret: too few voters)", college=label(college),
                 turnout=turnout)
    return T("• {college}: yes {yes} · no {no} · abstentions {abstain} — turnout {turnout}", college=label(college),
             yes=row["for"], no=row["against"], abstain=row["abstentions"], turnout=turnout)


def college_lines(result: dict[str, Any]) -> Localizable | None:
    """The count of each college and the ballots by proxy, under a vote's result."""
    by_college: dict[str, Any] = result.get("by_college") or {}
    shown = {c: r for c, r in by_college.items() if c != NO_COLLEGE or len(by_college) > 1}
    if not shown or set(shown) == {NO_COLLEGE}:
        return _proxies_line(result)
    return Lines([T("By college:"), *(_college_line(c, r) for c, r in sorted(shown.items())),
                  _proxies_line(result)])


def _proxies_line(result: dict[str, Any]) -> Localizable | None:
    proxies = int(result.get("proxies") or 0)
    if not proxies:
        return None
    return TN("{n} ballot was cast by proxy.", "{n} ballots were cast by proxy.", proxies)


def decision_colleges(session: Session, decision_id: int | None) -> dict[str, Any]:
    """The export fields of a decision's colleges: `by_college`, `proxies`, `objections`."""
    found = count_of(session, decision_id)
    if found is None:
        return {"by_college": None, "proxies": None, "objections": None}
    return {"by_college": found.by_college, "proxies": found.proxies, "objections": found.objections}
