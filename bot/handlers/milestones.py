"""/milestone add|done, /milestones: the milestones of each commitment, with the periods people write."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.calendar_feed import CalendarEvent, calendar_source
from bot.config import Config
from bot.context import Context
from bot.domain.tracking.commitments import commitment_of
from bot.domain.tracking.milestones import (
    AlreadyDone,
    add_milestone,
    all_milestones,
    mark_done,
    milestones_list,
    open_milestones,
    status_of,
)
from bot.domain.tracking.overdue import commitment_rooms
from bot.errors import UserError
from bot.exports import Row, exporter
from bot.handlers.tracking import (
    CommitmentCode,
    DuePeriod,
    commitment_by_code,
    milestone_by_number,
    refusals,
    require_reporter,
)
from bot.i18n import Lines, Localizable, Raw, T
from bot.parsing import Param, Ref, Text, Word
from bot.registry import MEMBERS, STAFF, command, registry
from bot.rules.evidence import BadLink, read_evidence
from bot.rules.periods import ONGOING, Period
from bot.rules.progress import days_late, is_late, local_today
from bot.storage.tables import Milestone
from bot.wording.tracking import OnDay, authors, days_late_text, due_text, late_done_notice, mref

MILESTONE = Ref("M", T("a milestone id like M4"))

registry.add("milestone", "jalon", help=T("the milestones of a commitment"),
             usage=T("/milestone add <code> <due> <title> · /milestone done M4 [evidence link or note]"))


@command("milestone add", "jalon ajouter", help=T("add a milestone to a commitment"), roles=STAFF,
         usage=T("/milestone add <code> <due> <title> — e.g. /milestone add FR0112 H1 2024 First plenary"),
         params=[Param("code", CommitmentCode()), Param("due", DuePeriod()),
                 Param("title", Text().with_expected(T("the milestone's title")))])
async def milestone_add(ctx: Context, code: str, due: Period, title: str) -> None:
    commitment = commitment_by_code(ctx.session, code)
    with refusals():
        milestone = add_milestone(ctx.uow, ctx.person_id, commitment, due, title)
    today = local_today(ctx.now, ctx.config.tz)
    ctx.reply(Lines([
        T("Milestone {ref} added to {code}: {title}, due {due}.", ref=mref(milestone), code=Raw(code),
          title=Raw(title), due=due_text(milestone)),
        T("Careful: this due date has already passed.") if milestone.due < today else None,
    ]))


@command("milestone done", "jalon fait", help=T("mark a milestone as done, with its evidence"), roles=MEMBERS,
         usage=T("/milestone done M4 [evidence link or note] — e.g. /milestone done M4 https://example.org/report · "
                 "/milestone done M4 minutes approved at the plenary of 12 June"),
         params=[Param("number", MILESTONE),
                 Param("evidence", Text().with_expected(T("a link to the evidence, or a note")), optional=True)])
async def milestone_done(ctx: Context, number: int, evidence: str | None) -> None:
    milestone = milestone_by_number(ctx.session, number)
    commitment = commitment_of(ctx.session, milestone)
    require_reporter(ctx, commitment)
    try:
        given = read_evidence(evidence)
    except BadLink as exc:
        raise UserError(Lines([
            T("“{text}” looks like a link but is not a web address I can use.", text=Raw(exc.text)),
            T("Give a full address such as https://example.org/report, or write the evidence as plain text."),
        ])) from exc
    try:
        done = mark_done(ctx.uow, ctx.person_id, milestone, given)
    except AlreadyDone as exc:
        raise UserError(T("Milestone M{id} was already marked done on {date}.", id=Raw(str(number)),
                          date=OnDay(exc.done_at))) from exc
    ctx.reply(Lines([
        T("Milestone {ref} of {code} is done: {title}.", ref=mref(milestone), code=Raw(commitment.code),
          title=Raw(milestone.title)),
        T("Evidence: {link}", link=Raw(given.link)) if given.link and not given.note else None,
        T("Note: {note}", note=Raw(given.note)) if given.note else None,
    ]))
    if not done.was_late:
        return
    closing = late_done_notice(milestone, commitment, done.days_late,
                               authors(ctx.session, [ctx.person_id])[ctx.person_id], given)
    rooms = commitment_rooms(ctx.outbox, commitment)
    ctx.outbox.to_rooms([(room, closing) for room in rooms if room.id != ctx.room.id], kind="milestone_done",
                        key=f"milestone:{milestone.id}:done")


def milestone_line(m: Milestone, code: str | None, today: date) -> Localizable:
    """`• M4 FR0112 — S1 2024 (30 juin 2024) — Première plénière — ⏳ à venir`."""
    if m.done_at is not None:
        state: Localizable = T("✅ done on {date}", date=OnDay(m.done_at))
    elif m.due < today:
        state = Lines([Raw("⚠️ "), days_late_text(days_late(m.due, today))], sep="")
    else:
        state = T("⏳ pending")
    return Lines([Raw(f"• M{m.id}" + (f" {code}" if code else "") + " — "), due_text(m), Raw(" — "),
                  Raw(m.title), Raw(" — "), state], sep="")


@command("milestones", "jalons", help=T("the milestones, of one commitment or those overdue"),
         usage=T("/milestones [code|overdue] — e.g. /milestones FR0112"),
         params=[Param("which", Word(), optional=True)])
async def milestones(ctx: Context, which: str | None) -> None:
    today = local_today(ctx.now, ctx.config.tz)
    overdue = which is not None and which.lower() in ("overdue", "late", "retard", "en-retard")
    if overdue:
        rows = milestones_list(ctx.session, overdue_on=today)
        title: Localizable = T("Overdue milestones:")
    elif which:
        commitment = commitment_by_code(ctx.session, CommitmentCode().convert_or_fail(which))
        rows = milestones_list(ctx.session, commitment_id=commitment.id)
        title = T("Milestones of {code} — {title}:", code=Raw(commitment.code), title=Raw(commitment.title))
    else:
        rows = milestones_list(ctx.session)
        title = T("Milestones:")
    if not rows:
        ctx.reply(T("No milestone is overdue.") if overdue else T("There is no milestone yet."))
        return
    ctx.reply(Lines([title, *(milestone_line(m, c.code, today) for m, c in rows)]))


@exporter("milestones", ("id", "commitment", "title", "due", "period", "period_key", "status", "done_at",
                         "done_by", "evidence", "evidence_note", "overdue"))
def export_milestones(session: Session, config: Config, now: datetime) -> list[Row]:
    today = local_today(now, config.tz)
    return [{"id": f"M{m.id}", "commitment": c.code, "title": m.title,
             "due": None if m.period_key == ONGOING else m.due, "period": m.period_text,
             "period_key": m.period_key, "status": status_of(m), "done_at": m.done_at,
             "done_by": m.done_by, "evidence": m.evidence, "evidence_note": m.evidence_note,
             "overdue": is_late(m.due, m.done_at is not None, today)}
            for m, c in all_milestones(session)]


@calendar_source
def milestone_due_dates(session: Session, now: datetime) -> list[CalendarEvent]:
    return [CalendarEvent(uid=f"milestone-{m.id}@forum-bot", title=f"{c.code} M{m.id}: {m.title}", start=m.due,
                          end=m.due + timedelta(days=1), description=f"{c.code} — {c.title} ({m.period_text})",
                          group_id=c.group_id) for m, c in open_milestones(session) if m.period_key != ONGOING]
