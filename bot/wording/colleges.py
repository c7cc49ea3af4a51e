"""Colleges as people read them: labels, a person's college and organisation, parity breaches."""

from __future__ import annotations

from bot.i18n import Lines, Localizable, Raw, T
from bot.rules.colleges import CIVIL_SOCIETY, GOVERNMENT, Breach
from bot.storage.tables import Person

COLLEGE_LABELS: dict[str, Localizable] = {GOVERNMENT: T("government"), CIVIL_SOCIETY: T("civil society")}


def college_label(college: str | None) -> Localizable:
    """`government`, `civil society`, or a declared college as the config spells it."""
    if college is None:
        return T("no college")
    return COLLEGE_LABELS.get(college, Raw(college))


def college_text(person: Person) -> Localizable | None:
    """`government, Ministère de la Culture`; None when neither is known."""
    if person.college is None and person.organisation is None:
        return None
    return Lines([college_label(person.college) if person.college else None,
                  Raw(person.organisation) if person.organisation else None], sep=", ")


def breach_text(breach: Breach) -> Localizable:
    college = college_label(breach.college)
    if breach.role == "cochair" and breach.have > breach.need:
        return T("the co-chairs must be one per college, and {college} would have {n}", college=college,
                 n=breach.have)
    if breach.role == "cochair":
        return T("no co-chair would be left for {college}", college=college)
    return T("the committee holds {need} seats for {college}, which would have {n}", need=breach.need,
             college=college, n=breach.have)


def breaches_text(breaches: list[Breach]) -> Localizable:
    return Lines([breach_text(b) for b in breaches], sep="; ")
