"""/commitment add, /commitments, /status: the National Action Plan's commitments at a glance."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from bot.context import Context
from bot.errors import UserError
from bot.handlers.tracking import (
    CommitmentCode,
    commitment_by_code,
    days_late,
    days_late_text,
    due_text,
    group_slug,
    last_update_line,
    latest_levels,
    latest_updates,
    local_today,
    mref,
    people,
    progress_text,
)
from bot.i18n import Lines, Localizable, Raw, T
from bot.importing import PlanImportError, import_commitments, read_plan
from bot.parsing import Opt, Param, Slug, Text
from bot.registry import STAFF, command, registry
from bot.storage.tables import Commitment, Milestone

CODE = CommitmentCode()

registry.add("commitment", "engagement", help=T("the action plan's commitments"),
             usage=T("/commitment add <code> <title> [group=slug]"))


@command("commitment add", "engagement ajouter", help=T("add a commitment of the action plan"), roles=STAFF,
         usage=T("/commitment add <code> <title> [group=slug] — e.g. /commitment add FR0112 Establish a "
                 "space for open government dialogue group=dialogue"),
         params=[Param("code", CODE), Param("title", Text().with_expected(T("the commitment's title")))],
         options=[Opt("group", "groupe", Slug())])
async def commitment_add(ctx: Context, code: str, title: str, group: str | None) -> None:
    if ctx.session.exec(select(Commitment).where(Commitment.code == code)).first():
        raise UserError(T("The commitment {code} already exists.", code=Raw(code)))
    if len(title) > 300:
        raise UserError(T("A title is at most {limit} characters.", limit=300))
    group_id = None
    if group:
        found = ctx.group(group)
        group_id = found.id
    commitment = Commitment(code=code, title=title, group_id=group_id, created_at=ctx.now)
    ctx.session.add(commitment)
    ctx.session.flush()
    ctx.audit("commitment.add", "commitment", commitment.id, code=code, group=group)
    if group:
        ctx.reply(T("Commitment {code} added: {title} (group {group}).", code=Raw(code), title=Raw(title),
                    group=Raw(group)))
    else:
        ctx.reply(T("Commitment {code} added: {title}.", code=Raw(code), title=Raw(title)))


def _milestones_by_commitment(ctx: Context, ids: list[int]) -> dict[int, list[Milestone]]:
    rows = ctx.session.exec(select(Milestone).where(col(Milestone.commitment_id).in_(ids))
                            .order_by(col(Milestone.due), col(Milestone.id))).all()
    found: dict[int, list[Milestone]] = {}
    for milestone in rows:
        found.setdefault(milestone.commitment_id, []).append(milestone)
    return found


@command("commitments", "engagements", help=T("the commitments, their progress and what is late"),
         usage=T("/commitments"))
async def commitments(ctx: Context) -> None:
    rows = ctx.session.exec(select(Commitment).order_by(col(Commitment.code))).all()
    if not rows:
        ctx.reply(T("There is no commitment yet. The secretariat adds them with /commitment add."))
        return
    ids = [c.id for c in rows if c.id is not None]
    milestones = _milestones_by_commitment(ctx, ids)
    levels = latest_levels(ctx.session, ids)
    today = local_today(ctx.now, ctx.config.tz)
    lines: list[Localizable] = [T("Commitments:")]
    for c in rows:
        assert c.id is not None
        own = milestones.get(c.id, [])
        done = sum(1 for m in own if m.done_at is not None)
        late = [m for m in own if m.done_at is None and m.due < today]
        level = levels.get(c.id)
        slug = group_slug(ctx.session, c.group_id)
        lines.append(Lines([
            Raw(f"• {c.code} — {c.title}"),
            Raw(f" ({slug})") if slug else None,
            Lines([Raw(" — "), progress_text(level.progress, level.level)], sep="") if level else None,
            Raw(" — "), T("{done}/{total} milestones done", done=Raw(str(done)), total=Raw(str(len(own)))),
            Lines([Raw(" — ⚠️ "), T("late: {refs}", refs=Raw(", ".join(f"M{m.id}" for m in late)))], sep="")
            if late else None,
        ], sep=""))
    ctx.reply(Lines(lines))


@command("status", "etat", help=T("progress, last updates and what is late"), usage=T("/status [code]"),
         params=[Param("code", CODE, optional=True)])
async def status(ctx: Context, code: str | None) -> None:
    if code:
        chosen = [commitment_by_code(ctx.session, code)]
    else:
        chosen = list(ctx.session.exec(select(Commitment).order_by(col(Commitment.code))).all())
    if not chosen:
        ctx.reply(T("There is no commitment yet. The secretariat adds them with /commitment add."))
        return
    ids = [c.id for c in chosen if c.id is not None]
    milestones = _milestones_by_commitment(ctx, ids)
    updates = latest_updates(ctx.session, ids)
    levels = latest_levels(ctx.session, ids)
    authors = people(ctx.session, [u.person_id for u in updates.values()])
    today = local_today(ctx.now, ctx.config.tz)
    blocks: list[Localizable] = []
    for c in chosen:
        assert c.id is not None
        own = milestones.get(c.id, [])
        pending = [m for m in own if m.done_at is None]
        upcoming = [m for m in pending if m.due >= today]
        late = [m for m in pending if m.due < today]
        level = levels.get(c.id)
        update = updates.get(c.id)
        slug = group_slug(ctx.session, c.group_id)
        blocks.append(Lines([
            Lines([Raw(f"{c.code} — {c.title}"), Raw(f" ({slug})") if slug else None], sep=""),
            Lines([Raw("  "), T("Level: {level}", level=progress_text(level.progress, level.level)
                                if level else T("no report yet"))], sep=""),
            Lines([Raw("  "), last_update_line(update, authors.get(update.person_id) if update else None)], sep=""),
            Lines([Raw("  "), T("Next milestone: {ref} {due} — {title}", ref=mref(upcoming[0]),
                                due=due_text(upcoming[0]), title=Raw(upcoming[0].title))
                   if upcoming else T("Next milestone: none.")], sep=""),
            *(Lines([Raw("  ⚠️ "), T("Late: {ref} {due} — {title}, {late}", ref=mref(m), due=due_text(m),
                                       title=Raw(m.title), late=days_late_text(days_late(m, today)))], sep="")
              for m in late),
        ]))
    ctx.reply(Lines(blocks))


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
