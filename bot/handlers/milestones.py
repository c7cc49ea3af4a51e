"""/milestone add|done, /milestones: the milestones of each commitment, with the periods people write."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.calendar_feed import CalendarEvent, calendar_source
from bot.config import Config
from bot.context import Context
from bot.errors import UserError
from bot.exports import Row, exporter
from bot.handlers.tracking import (
    CommitmentCode,
    DuePeriod,
    OnDay,
    commitment_by_code,
    days_late,
    days_late_text,
    due_text,
    group_rooms,
    is_late,
    local_today,
    milestone_by_number,
    mref,
    people,
    require_reporter,
    secretariat_rooms,
)
from bot.i18n import Lines, Localizable, Raw, T
from bot.parsing import Param, Ref, Text, Word
from bot.registry import MEMBERS, STAFF, command, registry
from bot.rules.periods import Period
from bot.storage.tables import Commitment, Milestone

MILESTONE = Ref("M", T("a milestone id like M4"))

registry.add("milestone", "jalon", help=T("the milestones of a commitment"),
             usage=T("/milestone add <code> <due> <title> · /milestone done M4 [evidence link]"))


def add_milestone(session: Session, commitment: Commitment, period: Period, title: str, now: datetime) -> Milestone:
    assert commitment.id is not None
    milestone = Milestone(commitment_id=commitment.id, title=title, period_key=period.key(),
                          period_text=period.text or period.key(), due=period.due, created_at=now)
    session.add(milestone)
    session.flush()
    return milestone


@command("milestone add", "jalon ajouter", help=T("add a milestone to a commitment"), roles=STAFF,
         usage=T("/milestone add <code> <due> <title> — e.g. /milestone add FR0112 H1 2024 First plenary"),
         params=[Param("code", CommitmentCode()), Param("due", DuePeriod()),
                 Param("title", Text().with_expected(T("the milestone's title")))])
async def milestone_add(ctx: Context, code: str, due: Period, title: str) -> None:
    commitment = commitment_by_code(ctx.session, code)
    if len(title) > 300:
        raise UserError(T("A title is at most {limit} characters.", limit=300))
    milestone = add_milestone(ctx.session, commitment, due, title, ctx.now)
    ctx.audit("milestone.add", "milestone", milestone.id, commitment=code, period=milestone.period_key)
    today = local_today(ctx.now, ctx.config.tz)
    ctx.reply(Lines([
        T("Milestone {ref} added to {code}: {title}, due {due}.", ref=mref(milestone), code=Raw(code),
          title=Raw(title), due=due_text(milestone)),
        T("Careful: this due date has already passed.") if milestone.due < today else None,
    ]))


@command("milestone done", "jalon fait", help=T("mark a milestone as done, with its evidence"), roles=MEMBERS,
         usage=T("/milestone done M4 [evidence link] — e.g. /milestone done M4 https://example.org/report"),
         params=[Param("number", MILESTONE),
                 Param("evidence", Text().with_expected(T("a link to the evidence")), optional=True)])
async def milestone_done(ctx: Context, number: int, evidence: str | None) -> None:
    milestone = milestone_by_number(ctx.session, number)
    commitment = ctx.session.get(Commitment, milestone.commitment_id)
    assert commitment is not None
    require_reporter(ctx, commitment)
    if milestone.done_at is not None:
        raise UserError(T("Milestone M{id} was already marked done on {date}.", id=Raw(str(number)),
                          date=OnDay(milestone.done_at)))
    today = local_today(ctx.now, ctx.config.tz)
    late = is_late(milestone, today) or milestone.overdue_alerted_at is not None
    milestone.done_at, milestone.done_by, milestone.evidence = ctx.now, ctx.person_id, evidence
    ctx.audit("milestone.done", "milestone", milestone.id, evidence=evidence)
    ctx.reply(T("Milestone {ref} of {code} is done: {title}.", ref=mref(milestone), code=Raw(commitment.code),
                title=Raw(milestone.title)))
    if not late:
        return
    closing = Lines([
        T("✅ Late milestone {ref} of {code} is now done: {title} (due {due}, done {late}), marked by {who}.",
          ref=mref(milestone), code=Raw(commitment.code), title=Raw(milestone.title), due=due_text(milestone),
          late=days_late_text(max(days_late(milestone, today), 0)),
          who=people(ctx.session, [ctx.person_id])[ctx.person_id]),
        T("Evidence: {link}", link=Raw(evidence)) if evidence else None,
    ])
    rooms = secretariat_rooms(ctx.session) + group_rooms(ctx.session, [commitment.group_id]).get(
        commitment.group_id or 0, [])
    ctx.outbox.to_rooms([(room, closing) for room in rooms if room.id != ctx.room.id], kind="milestone_done",
                        key=f"milestone:{milestone.id}:done")


def milestone_line(m: Milestone, code: str | None, today: date) -> Localizable:
    """`• M4 FR0112 — S1 2024 (30 juin 2024) — Première plénière — ⏳ à venir`."""
    if m.done_at is not None:
        state: Localizable = T("✅ done on {date}", date=OnDay(m.done_at))
    elif m.due < today:
        state = Lines([Raw("⚠️ "), days_late_text(days_late(m, today))], sep="")
    else:
        state = T("⏳ pending")
    return Lines([Raw(f"• M{m.id}" + (f" {code}" if code else "") + " — "), due_text(m), Raw(" — "),
                  Raw(m.title), Raw(" — "), state], sep="")


@command("milestones", "jalons", help=T("the milestones, of one commitment or those overdue"),
         usage=T("/milestones [code|overdue] — e.g. /milestones FR0112"),
         params=[Param("which", Word(), optional=True)])
async def milestones(ctx: Context, which: str | None) -> None:
    today = local_today(ctx.now, ctx.config.tz)
    query = select(Milestone, Commitment).join(Commitment, col(Commitment.id) == col(Milestone.commitment_id))
    overdue = which is not None and which.lower() in ("overdue", "late", "retard", "en-retard")
    if overdue:
        query = query.where(col(Milestone.done_at).is_(None), col(Milestone.due) < today)
        title: Localizable = T("Overdue milestones:")
    elif which:
        commitment = commitment_by_code(ctx.session, CommitmentCode().convert_or_fail(which))
        query = query.where(Milestone.commitment_id == commitment.id)
        title = T("Milestones of {code} — {title}:", code=Raw(commitment.code), title=Raw(commitment.title))
    else:
        title = T("Milestones:")
    rows = ctx.session.exec(query.order_by(col(Milestone.due), col(Milestone.id))).all()
    if not rows:
        ctx.reply(T("No milestone is overdue.") if overdue else T("There is no milestone yet."))
        return
    ctx.reply(Lines([title, *(milestone_line(m, c.code, today) for m, c in rows)]))


@exporter("milestones", ("id", "commitment", "title", "due", "period", "period_key", "status", "done_at",
                         "done_by", "evidence", "overdue"))
def export_milestones(session: Session, config: Config, now: datetime) -> list[Row]:
    today = local_today(now, config.tz)
    rows = session.exec(select(Milestone, Commitment).join(Commitment, col(Commitment.id) == col(
        Milestone.commitment_id)).order_by(col(Milestone.id))).all()
    return [{"id": f"M{m.id}", "commitment": c.code, "title": m.title, "due": m.due, "period": m.period_text,
             "period_key": m.period_key, "status": "done" if m.done_at else "pending", "done_at": m.done_at,
             "done_by": m.done_by, "evidence": m.evidence, "overdue": is_late(m, today)} for m, c in rows]


@calendar_source
def milestone_due_dates(session: Session, now: datetime) -> list[CalendarEvent]:
    rows = session.exec(select(Milestone, Commitment).join(Commitment, col(Commitment.id) == col(
        Milestone.commitment_id)).where(col(Milestone.done_at).is_(None)).order_by(col(Milestone.due))).all()
    return [CalendarEvent(uid=f"milestone-{m.id}@forum-bot", title=f"{c.code} M{m.id}: {m.title}", start=m.due,
                          end=m.due + timedelta(days=1), description=f"{c.code} — {c.title} ({m.period_text})",
                          group_id=c.group_id) for m, c in rows]
