"""Colleges and organisations of people, and the parity rules checked against the roles people hold."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, or_, select

from bot.audit import record_audit
from bot.domain import DomainError, UnitOfWork
from bot.rules.colleges import Breach, CollegeRules, missing_after, new_breaches
from bot.storage.tables import Person, Role

PARITY_ROLES = ("cochair", "committee")


class UnknownCollege(DomainError):
    def __init__(self, word: str, known: tuple[str, ...]) -> None:
        super().__init__(word)
        self.word, self.known = word, known


class ParityRefused(DomainError):
    """A change that breaks a parity rule, where the config says to refuse."""

    def __init__(self, breaches: list[Breach]) -> None:
        super().__init__(breaches)
        self.breaches = breaches


def college_named(rules: CollegeRules, word: str) -> str:
    """The college `word` names, in English or French; UnknownCollege otherwise."""
    college = rules.college(word)
    if college is None:
        raise UnknownCollege(word, rules.names)
    return college


def set_college(uow: UnitOfWork, person: Person, college: str | None, organisation: str | None,
                by: int | None) -> list[Breach]:
    """Record a person's college (and organisation when given); returns the parity breaches it brings when the
    config only warns (it raises ParityRefused when it refuses)."""
    breaches: list[Breach] = []
    if college is not None and college != person.college:
        breaches = check_parity(uow, person.id or 0, college=college)
        person.college = college
    if organisation is not None:
        person.organisation = organisation.strip() or None
    record_audit(uow.session, uow.now, by, "person.college", "person", person.id,
                 {"college": person.college, "organisation": person.organisation})
    uow.session.flush()
    return breaches


def parity_holders(session: Session, now: datetime) -> list[tuple[int, str, str | None]]:
    """(person, role, college) of everyone holding a co-chair or committee role now."""
    rows = session.exec(select(Role.person_id, Role.role, Person.college)
                        .join(Person, col(Person.id) == col(Role.person_id))
                        .where(col(Role.role).in_(PARITY_ROLES), col(Role.group_id).is_(None), Role.since <= now,
                               or_(col(Role.until).is_(None), col(Role.until) > now))).all()
    return sorted({(int(p), str(r), c) for p, r, c in rows})


def _college_of(session: Session, holders: list[tuple[int, str, str | None]], person_id: int) -> str | None:
    mine = next((c for p, _, c in holders if p == person_id), None)
    if mine is not None:
        return mine
    found = session.get(Person, person_id)
    return found.college if found else None


def _after_change(before: list[tuple[int, str, str | None]], person_id: int, college: str | None,
                  role: str | None, ends: str | None, mine: str | None) -> list[tuple[int, str, str | None]]:
    moved = [(p, r, college if p == person_id and college is not None else c) for p, r, c in before]
    after = [(p, r, c) for p, r, c in moved if not (p == person_id and r == ends)]
    if role in PARITY_ROLES and (person_id, role) not in {(p, r) for p, r, _ in after}:
        after.append((person_id, str(role), college or mine))
    return after


def check_parity(uow: UnitOfWork, person_id: int, *, college: str | None = None, role: str | None = None,
                 ends: str | None = None) -> list[Breach]:
    """The breaches a change would bring: `person_id` changing college, taking `role`, or ending `ends`.
    Raises ParityRefused when the config refuses them; returns them when it warns."""
    rules = uow.config.colleges
    if not rules.cochairs and not rules.committee:
        return []
    before = parity_holders(uow.session, uow.now)
    after = _after_change(before, person_id, college, role, ends, _college_of(uow.session, before, person_id))
    breaches = new_breaches([(r, c) for _, r, c in before], [(r, c) for _, r, c in after], rules)
    if breaches and rules.on_breach == "refuse":
        raise ParityRefused(breaches)
    return breaches


def cochair_gap_when_ending(session: Session, rules: CollegeRules, role: Role, now: datetime) -> list[Breach]:
    """The co-chair seats left empty when `role` ends (for the secretariat's alert ahead of a mandate's end)."""
    if role.role != "cochair" or not rules.cochairs or role.until is None:
        return []
    after = [(r, c) for p, r, c in parity_holders(session, now) if not (p == role.person_id and r == role.role)]
    return missing_after(after, rules)
