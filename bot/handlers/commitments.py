"""/commitment add, /commitments, /status: the National Action Plan's commitments at a glance."""

from __future__ import annotations

from pathlib import Path

from bot.context import Context
from bot.domain.tracking.commitments import (
    CommitmentProgress,
    add_commitment,
    all_commitments,
    check_new_commitment,
    progress_of,
)
from bot.domain.tracking.importing import PlanImportError, import_commitments, read_plan
from bot.errors import UserError
from bot.handlers.tracking import CommitmentCode, commitment_by_code, refusals
from bot.i18n import TN, Lines, Localizable, Raw, T
from bot.parsing import Opt, Param, Slug, Text
from bot.registry import STAFF, command, registry
from bot.rules.progress import days_late, local_today
from bot.wording.people import Who
from bot.wording.tracking import authors, days_late_text, due_text, last_update_line, mref, progress_text

CODE = CommitmentCode()

registry.add("commitment", "engagement", help=T("the action plan's commitments"),
             usage=T("/commitment add <code> <title> [group=slug]"))


@command("commitment add", "engagement ajouter", help=T("add a commitment of the action plan"), roles=STAFF,
         usage=T("/commitment add <code> <title> [group=slug] — e.g. /commitment add FR0112 Establish a "
                 "space for open government dialogue group=dialogue"),
         params=[Param("code", CODE), Param("title", Text().with_expected(T("the commitment's title")))],
         options=[Opt("group", "groupe", Slug())])
async def commitment_add(ctx: Context, code: str, title: str, group: str | None) -> None:
    with refusals():
        check_new_commitment(ctx.session, code, title)
    group_id = ctx.group(group).id if group else None
    add_commitment(ctx.uow, ctx.person_id, code, title, group_id, group)
    if group:
        ctx.reply(T("Commitment {code} added: {title} (group {group}).", code=Raw(code), title=Raw(title),
                    group=Raw(group)))
    else:
        ctx.reply(T("Commitment {code} added: {title}.", code=Raw(code), title=Raw(title)))


NO_COMMITMENT = T("There is no commitment yet. The secretariat adds them with /commitment add.")


def _overview_line(p: CommitmentProgress) -> Localizable:
    """`• FR0112 — title (group) — 60 %, substantial — 1/3 milestones done — ⚠️ late: M2`."""
    c, figure, late = p.commitment, p.figure, p.late
    return Lines([
        Raw(f"• {c.code} — {c.title}"),
        Raw(f" ({p.group_slug})") if p.group_slug else None,
        Lines([Raw(" — "), progress_text(figure.progress, figure.level)], sep="") if figure else None,
        Raw(" — "), TN("{done}/{n} milestone done", "{done}/{n} milestones done", len(p.milestones),
                       done=Raw(str(p.done))),
        Lines([Raw(" — ⚠️ "), T("late: {refs}", refs=Raw(", ".join(f"M{m.id}" for m in late)))], sep="")
        if late else None,
    ], sep="")


@command("commitments", "engagements", help=T("the commitments, their progress and what is late"),
         usage=T("/commitments"))
async def commitments(ctx: Context) -> None:
    rows = all_commitments(ctx.session)
    if not rows:
        ctx.reply(NO_COMMITMENT)
        return
    overview = progress_of(ctx.session, rows, local_today(ctx.now, ctx.config.tz))
    ctx.reply(Lines([T("Commitments:"), *(_overview_line(p) for p in overview)]))


def _level_line(p: CommitmentProgress) -> Localizable:
    """`Level: 47 %, limited (from its milestones)`: the rule of docs/progress.md, and where the figure comes from."""
    figure = p.figure
    if figure is None:
        return T("Level: {level}", level=T("no report yet"))
    summary = progress_text(figure.progress, figure.level) or T("no report yet")
    if figure.derived:
        return T("Level: {level} (from its milestones)", level=summary)
    return T("Level: {level} (from its updates)", level=summary)


def _milestones_line(p: CommitmentProgress) -> Localizable | None:
    """`Milestones: M1 complete · M2 40 %, limited · M4 no report yet`."""
    if not p.milestones:
        return None
    parts = [Lines([mref(m), Raw(" "), progress_text(f.progress, f.level) or T("no report yet")], sep="")
             for m in p.milestones for f in [p.milestone_figure(m)]]
    return T("Milestones: {list}", list=Lines(parts, sep=" · "))


def _status_block(p: CommitmentProgress, authors_: dict[int, Who]) -> Localizable:
    """A commitment's level, its milestones' levels, last update, next milestone and late ones."""
    c, update, upcoming = p.commitment, p.last_update, p.upcoming
    milestones_line = _milestones_line(p)
    return Lines([
        Lines([Raw(f"{c.code} — {c.title}"), Raw(f" ({p.group_slug})") if p.group_slug else None], sep=""),
        Lines([Raw("  "), _level_line(p)], sep=""),
        Lines([Raw("  "), milestones_line], sep="") if milestones_line else None,
        Lines([Raw("  "), last_update_line(update, authors_.get(update.person_id) if update else None)], sep=""),
        Lines([Raw("  "), T("Next milestone: {ref} {due} — {title}", ref=mref(upcoming[0]),
                            due=due_text(upcoming[0]), title=Raw(upcoming[0].title))
               if upcoming else T("Next milestone: none.")], sep=""),
        *(Lines([Raw("  ⚠️ "), T("Late: {ref} {due} — {title}, {late}", ref=mref(m), due=due_text(m),
                                   title=Raw(m.title), late=days_late_text(days_late(m.due, p.today)))], sep="")
          for m in p.late),
    ])


@command("status", "etat", help=T("progress, last updates and what is late"), usage=T("/status [code]"),
         params=[Param("code", CODE, optional=True)])
async def status(ctx: Context, code: str | None) -> None:
    chosen = [commitment_by_code(ctx.session, code)] if code else all_commitments(ctx.session)
    if not chosen:
        ctx.reply(NO_COMMITMENT)
        return
    overview = progress_of(ctx.session, chosen, local_today(ctx.now, ctx.config.tz), with_last_update=True)
    who = authors(ctx.session, [p.last_update.person_id for p in overview if p.last_update])
    ctx.reply(Lines([_status_block(p, who) for p in overview]))


BUNDLED_PLANS = Path(__file__).resolve().parent.parent / "demo"


@command("commitment import", "engagement importer", help=T("load a bundled action plan file"), roles=STAFF,
         usage=T("/commitment import <name> — e.g. /commitment import fr-2023-2025-FR0112"),
         params=[Param("name", Slug().with_expected(T("the name of a bundled plan, like fr-2023-2025-FR0112")))])
async def commitment_import(ctx: Context, name: str) -> None:
    """Only files shipped with the bot (bot/demo/*.toml): a chat command never reads an arbitrary path."""
    bundled = {p.stem.lower(): p for p in BUNDLED_PLANS.glob("*.toml")}
    path = bundled.get(name.lower())
    if path is None:
        raise UserError(T("There is no bundled plan {name}. Available: {names}.", name=Raw(name),
                          names=Raw(", ".join(sorted(p.stem for p in bundled.values())) or "—")))
    try:
        report = import_commitments(ctx.session, ctx.config, ctx.now, read_plan(path), source=path.name)
    except PlanImportError as exc:
        raise UserError(T("The file could not be imported: {reason}", reason=Raw(str(exc)))) from exc
    ctx.reply(T("Imported {name}: commitments added: {commitments}; milestones added: {milestones}; updated: "
                "{updated}.", name=Raw(path.stem), commitments=Raw(str(report.commitments_added)),
                milestones=Raw(str(report.milestones_added)),
                updated=Raw(str(report.commitments_updated + report.milestones_updated))))
