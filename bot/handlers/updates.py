"""/update: a working group's status update on a commitment or a milestone (progress, IRM level, text, evidence)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.context import Context
from bot.domain.tracking.commitments import commitment_of
from bot.domain.tracking.updates import all_updates, first_milestone_id, record_update
from bot.errors import ArgError, UserError
from bot.exports import Row, exporter
from bot.handlers.tracking import (
    CommitmentCode,
    check_progress_and_level,
    commitment_by_code,
    milestone_by_number,
    refusals,
    require_reporter,
)
from bot.i18n import Lines, Raw, T, fold
from bot.parsing import Param, Text, Word, tokenize
from bot.registry import MEMBERS, command
from bot.rules.progress import CompletionLevel
from bot.storage.tables import Commitment, Milestone
from bot.wording.tracking import progress_text

# The words people write for each level, beside the stored value itself.
LEVEL_WORDS: dict[CompletionLevel, tuple[str, ...]] = {
    CompletionLevel.NOT_STARTED: ("not-started", "notstarted", "not_started", "non-commence", "non_commence",
                                  "noncommence", "pas-commence"),
    CompletionLevel.LIMITED: ("limite",),
    CompletionLevel.SUBSTANTIAL: ("substantiel", "substantielle", "substantive"),
    CompletionLevel.COMPLETE: ("completed", "complet", "complete", "termine", "acheve"),
}
LEVEL_LOOKUP = {fold(word): level for level in CompletionLevel for word in (level.value, *LEVEL_WORDS[level])}
_PERCENT = re.compile(r"[-+]?\d{1,6}(?:[.,]\d+)?\s*%")
_URL = re.compile(r"https?://\S+")


def read_update(text: str) -> tuple[int | None, CompletionLevel | None, str, str | None]:
    """Leading `60%` and level words (in either order), then the text; the first link is the evidence."""
    progress: int | None = None
    level: CompletionLevel | None = None
    rest = text
    for _ in range(2):
        tokens = tokenize(rest)
        if not tokens:
            break
        first = tokens[0].text
        if len(tokens) > 1 and tokens[1].text == "%" and re.fullmatch(r"[-+]?\d+(?:[.,]\d+)?", first):
            first, end = first + "%", tokens[1].end
        else:
            end = tokens[0].end
        if progress is None and _PERCENT.fullmatch(first):
            value = float(first.rstrip("% ").replace(",", "."))
            if value != int(value):
                raise UserError(T("Progress is a whole percentage, like 60 %."))
            progress = int(value)
        elif level is None and fold(first) in LEVEL_LOOKUP:
            level = LEVEL_LOOKUP[fold(first)]
        else:
            break
        rest = rest[end:].strip()
    link = _URL.search(rest)
    return progress, level, rest, link.group(0).rstrip(".,;)") if link else None


@command("update", "avancement", help=T("report progress on a commitment or a milestone"), roles=MEMBERS,
         usage=T("/update <code|M4> [60%] [not-started|limited|substantial|complete] <text> — e.g. "
                 "/update FR0112 60% substantial call for applications launched https://example.org/call"),
         params=[Param("target", Word().with_expected(T("a commitment code like FR0112 or a milestone like M4"))),
                 Param("text", Text().with_expected(T("the text of your update")))])
async def update(ctx: Context, target: str, text: str) -> None:
    commitment, milestone = _target(ctx, target)
    require_reporter(ctx, commitment)
    progress, level, body, evidence = read_update(text)
    progress, level = check_progress_and_level(progress, level)
    if not body:
        raise ArgError(T("Missing {what}.", what=T("the text of your update")))
    figure = progress is not None or level is not None
    first = first_milestone_id(ctx.session, commitment.id or 0) if milestone is None and figure else None
    if first is not None:
        raise UserError(Lines([
            T("The progress of {code} is computed from its milestones: report it on one of them, e.g. "
              "/update M{id} 60% substantial <text>.", code=Raw(commitment.code),
              id=Raw(str(first))),
            T("Send /status {code} to see each milestone's level.", code=Raw(commitment.code)),
        ]))
    with refusals():
        record_update(ctx.uow, ctx.person_id, commitment, milestone, progress, level, body, evidence)
    subject = Raw(f"{commitment.code} M{milestone.id}" if milestone else commitment.code)
    summary = progress_text(progress, level)
    ctx.reply(Lines([
        T("Update recorded on {subject}.", subject=subject),
        T("Progress: {summary}", summary=summary) if summary else None,
        T("Evidence: {link}", link=Raw(evidence)) if evidence else None,
    ]))


def _target(ctx: Context, target: str) -> tuple[Commitment, Milestone | None]:
    """`M4` (a milestone and its commitment) or `FR0112`."""
    if re.fullmatch(r"#?[Mm]\d{1,9}", target):
        milestone = milestone_by_number(ctx.session, int(target.lstrip("#")[1:]))
        return commitment_of(ctx.session, milestone), milestone
    return commitment_by_code(ctx.session, CommitmentCode().convert_or_fail(target)), None


@exporter("updates", ("id", "commitment", "milestone", "author", "progress", "level", "text", "evidence",
                      "created_at"))
def export_updates(session: Session, config: Config, now: datetime) -> list[Row]:
    return [{"id": u.id, "commitment": c.code, "milestone": f"M{u.milestone_id}" if u.milestone_id else None,
             "author": p.display_name, "progress": u.progress, "level": u.level, "text": u.text,
             "evidence": u.evidence, "created_at": u.created_at} for u, c, p in all_updates(session)]
