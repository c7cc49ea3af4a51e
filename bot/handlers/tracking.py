"""Shared by the commitment, milestone and update commands: argument kinds, lookups, refusals, permissions."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlmodel import Session

from bot.context import Context
from bot.domain.people import active_roles, group_slug
from bot.domain.tracking.commitments import CommitmentExists, TitleTooLong, find_commitment, normalize_code
from bot.domain.tracking.milestones import milestone_by_number as find_milestone
from bot.domain.tracking.updates import UpdateTooLong
from bot.errors import ArgError, PermissionDenied, UserError
from bot.i18n import Lines, Raw, T
from bot.parsing import Kind, Period, Token
from bot.rules import progress as rules
from bot.rules.periods import ACCEPTED_FORMS_EXAMPLES, PeriodError, parse_period
from bot.rules.progress import CompletionLevel
from bot.storage.tables import Commitment, Milestone
from bot.wording.tracking import LEVEL_LABELS

# --------------------------------------------------------------------------- argument kinds


class CommitmentCode(Kind):
    """A commitment's code such as FR0112 (any case)."""

    expected = T("a commitment code like FR0112")

    def convert(self, text: str) -> str:
        code = normalize_code(text)
        if code is None:
            raise ValueError(text)
        return code


def accepted_forms() -> Raw:
    return Raw(", ".join(ACCEPTED_FORMS_EXAMPLES))


class DuePeriod(Period):
    """A due period of one to eight words (`S1 2024`, `1er semestre 2024`, `au plus tard fin 2026`, `from 1 July 2025
    to 30 June 2026`, `en continu`).

    The longest reading wins; when none works the refusal lists the accepted forms.
    """

    expected = T("a due period I understand. Accepted forms: {forms}", forms=accepted_forms())

    def parse(self, tokens: Sequence[Token], i: int, raw: str) -> tuple[Any, int]:
        for width in range(8, 0, -1):
            if i + width > len(tokens):
                continue
            try:
                return parse_period(" ".join(t.text for t in tokens[i:i + width])), i + width
            except PeriodError:
                continue
        shown = tokens[i].text
        if i + 1 < len(tokens) and re.fullmatch(r"\d{4}", tokens[i + 1].text):
            shown += " " + tokens[i + 1].text
        raise ArgError(T("“{value}” is not {expected}.", value=Raw(shown), expected=self.expected))


# --------------------------------------------------------------------------- lookups and refusals


def commitment_by_code(session: Session, code: str) -> Commitment:
    found = find_commitment(session, code)
    if found is None:
        raise UserError(T("There is no commitment {code}. Send /commitments to see them.", code=Raw(code)))
    return found


def milestone_by_number(session: Session, number: int) -> Milestone:
    milestone = find_milestone(session, number)
    if milestone is None:
        raise UserError(T("There is no milestone M{id}. Send /milestones to see them.", id=Raw(str(number))))
    return milestone


@contextmanager
def refusals() -> Iterator[None]:
    """The domain's refusals of a new commitment, milestone or update, as answers."""
    try:
        yield
    except CommitmentExists as exc:
        raise UserError(T("The commitment {code} already exists.", code=Raw(exc.code))) from exc
    except TitleTooLong as exc:
        raise UserError(T("A title is at most {limit} characters.", limit=exc.limit)) from exc
    except UpdateTooLong as exc:
        raise UserError(T("An update is at most {limit} characters.", limit=exc.limit)) from exc


def check_progress_and_level(progress: int | None,
                             level: str | None) -> tuple[int | None, CompletionLevel | None]:
    """`bot.rules.progress.check_progress_and_level`, its refusals as answers."""
    try:
        return rules.check_progress_and_level(progress, level)
    except rules.ProgressOutOfRange as exc:
        raise UserError(T("Progress is a percentage from 0 % to 100 %; {value} % is out of range.",
                          value=Raw(str(exc.progress)))) from exc
    except rules.ProgressContradictsLevel as exc:
        raise UserError(Lines([
            T("“{level}” and {value} % contradict each other.", level=LEVEL_LABELS[exc.level],
              value=Raw(str(exc.progress))),
            T("Complete means 100 %, not started means 0 %, limited and substantial lie between 1 % and 99 %."),
        ])) from exc


# --------------------------------------------------------------------------- permissions


def may_report(ctx: Context, commitment: Commitment) -> bool:
    """Members of the commitment's group, co-chairs, the secretariat and admins."""
    if ctx.has_role("secretariat", "cochair"):
        return True
    roles = active_roles(ctx.session, ctx.person_id, ctx.now)
    if commitment.group_id is None:
        return any(r.role in ("member", "committee") for r in roles)
    return any(r.group_id == commitment.group_id and r.role in ("member", "cochair", "committee") for r in roles)


def require_reporter(ctx: Context, commitment: Commitment) -> None:
    if not may_report(ctx, commitment):
        slug = group_slug(ctx.session, commitment.group_id)
        if slug:
            raise PermissionDenied(T("Only members of the group {group}, the co-chairs and the secretariat may "
                                     "report on {code}.", group=Raw(slug), code=Raw(commitment.code)))
        raise PermissionDenied(T("Only members, the co-chairs and the secretariat may report on {code}.",
                                 code=Raw(commitment.code)))
