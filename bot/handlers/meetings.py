"""/meeting plan|cancel|move and /meetings: planning the forum's meetings; the rooms concerned are told."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.config import Config
from bot.context import Context
from bot.domain.meetings import MeetingKind, MeetingRefusal, NonexistentLocalTime, group_of, upcoming
from bot.domain.meetings.agenda import agenda_items
from bot.domain.meetings.meetbot import link_of
from bot.domain.meetings.minutes import Tag, minutes_of_meeting
from bot.domain.meetings.planning import AlreadyPlanned, AlreadyThen, PlaceTooLong, StartsInThePast, cancel, move, plan
from bot.domain.people import group_by_slug
from bot.errors import UserError
from bot.exports import Row, exporter
from bot.handlers.calendar import ics_document
from bot.i18n import Lines, Localizable, Raw, T, When, fold
from bot.parsing import Moment, Param, Text, Word
from bot.registry import STAFF, command, registry
from bot.storage.tables import Meeting, Person, WorkingGroup
from bot.wording.meetings import (
    MEETING,
    get_meeting,
    meeting_body_label,
    meeting_label,
    place_line,
    refused,
    tell_rooms,
)

BODIES = {"plenary": MeetingKind.PLENARY, "pleniere": MeetingKind.PLENARY, "committee": MeetingKind.COMMITTEE,
          "comite": MeetingKind.COMMITTEE}
WHEN = Moment(require_time=True).with_expected(T("a date and time like 2024-06-10 10:00"))
PLACE = Text().with_expected(T("a place or a link"))
REASON = Text().with_expected(T("the reason for cancelling"))

registry.add("meeting", "reunion", help=T("plan, move or cancel a meeting"),
             usage=T("/meeting plan <group|plenary|committee> <YYYY-MM-DD HH:MM> [place] · "
                     "/meeting move S2 <YYYY-MM-DD HH:MM> · /meeting cancel S2 <reason>"))


def _refusal(exc: MeetingRefusal | NonexistentLocalTime) -> UserError:
    """A refusal of /meeting plan, move or cancel, worded."""
    if isinstance(exc, StartsInThePast):
        return UserError(T("{when} is already past: a meeting is planned in the future.", when=When(exc.starts_at)))
    if isinstance(exc, PlaceTooLong):
        return UserError(T("A place is at most {limit} characters.", limit=exc.limit))
    if isinstance(exc, AlreadyPlanned):
        return UserError(T("Meeting S{id} of the same body is already planned at that time: is it the same meeting? "
                           "Send /meetings to see it, or /meeting move S{id} to change its time or place.",
                           id=Raw(str(exc.meeting_id))))
    if isinstance(exc, AlreadyThen):
        return UserError(T("Meeting S{id} is already planned then.", id=Raw(str(exc.meeting_id))))
    return refused(exc)  # type: ignore[arg-type]


def _announcement(ctx: Context, meeting: Meeting) -> Lines:
    return Lines([T("Meeting {meeting} planned.", meeting=meeting_label(ctx.session, meeting)), place_line(meeting),
                  T("Propose agenda items with /agenda S{id} add <item>.", id=Raw(str(meeting.id)))])


@command("meeting plan", "reunion planifier", help=T("plan a meeting"), roles=STAFF,
         usage=T("/meeting plan <group|plenary|committee> <YYYY-MM-DD HH:MM> [place or link] — "
                 "e.g. /meeting plan open-data 2024-06-10 10:00 CESE, room 2"),
         params=[Param("body", Word().with_expected(T("a group's short name, plenary or committee"))),
                 Param("when", WHEN), Param("place", PLACE, optional=True)])
async def meeting_plan(ctx: Context, body: str, when: datetime, place: str | None) -> None:
    kind = BODIES.get(fold(body), MeetingKind.GROUP)
    group: WorkingGroup | None = None
    if kind == MeetingKind.GROUP:
        group = group_by_slug(ctx.session, fold(body))
        if group is None:
            raise UserError(T("There is no group {slug}. Expected a group's short name, plenary or committee; "
                              "send /group list to see the groups.", slug=Raw(body)))
    try:
        meeting = plan(ctx.uow, kind, group, when, place, ctx.person_id)
    except (MeetingRefusal, NonexistentLocalTime) as exc:
        raise _refusal(exc) from exc
    ctx.audit("meeting.plan", "meeting", meeting.id, kind=kind, group=group.slug if group else None,
              starts_at=meeting.starts_at.isoformat(), place=meeting.place)
    ctx.reply(_announcement(ctx, meeting))
    tell_rooms(ctx.outbox, meeting, _announcement(ctx, meeting), kind="meeting_planned",
               key=f"meeting:{meeting.id}:planned", skip=ctx.room)


@command("meeting cancel", "reunion annuler", help=T("cancel a meeting"), roles=STAFF,
         usage=T("/meeting cancel S2 <reason> — e.g. /meeting cancel S2 not enough members available"),
         params=[Param("number", MEETING), Param("reason", REASON)])
async def meeting_cancel(ctx: Context, number: int, reason: str) -> None:
    meeting = get_meeting(ctx.session, number)
    try:
        cancel(ctx.uow, meeting, reason, ctx.person_id)
    except MeetingRefusal as exc:
        raise _refusal(exc) from exc
    ctx.audit("meeting.cancel", "meeting", meeting.id, reason=reason)
    message = T("Meeting {meeting} is cancelled: {reason}", meeting=meeting_label(ctx.session, meeting),
                reason=Raw(reason))
    ctx.reply(message)
    tell_rooms(ctx.outbox, meeting, message, kind="meeting_changed", key=f"meeting:{meeting.id}:cancelled",
               skip=ctx.room)


@command("meeting move", "reunion deplacer", help=T("move a meeting to another date"), roles=STAFF,
         usage=T("/meeting move S2 <YYYY-MM-DD HH:MM> [place] — e.g. /meeting move S2 2024-06-17 14:00"),
         params=[Param("number", MEETING), Param("when", WHEN), Param("place", PLACE, optional=True)])
async def meeting_move(ctx: Context, number: int, when: datetime, place: str | None) -> None:
    meeting = get_meeting(ctx.session, number)
    try:
        moved = move(ctx.uow, meeting, when, place)
    except (MeetingRefusal, NonexistentLocalTime) as exc:
        raise _refusal(exc) from exc
    starts_at = meeting.starts_at
    ctx.audit("meeting.move", "meeting", meeting.id, before=moved.before.isoformat(), starts_at=starts_at.isoformat(),
              place=meeting.place)
    message = Lines([T("Meeting S{id} ({body}) is moved from {before} to {after}.", id=Raw(str(meeting.id)),
                       body=meeting_body_label(ctx.session, meeting), before=When(moved.before),
                       after=When(starts_at)),
                     place_line(meeting)])
    ctx.reply(message)
    tell_rooms(ctx.outbox, meeting, message, kind="meeting_changed",
               key=f"meeting:{meeting.id}:moved:{starts_at.isoformat()}", skip=ctx.room)


@command("meetings", "reunions", help=T("the meetings planned"), usage=T("/meetings"))
async def meetings_list(ctx: Context) -> None:
    planned = upcoming(ctx.session, ctx.now)
    if not planned:
        ctx.reply(T("No meeting is planned. Co-chairs and the secretariat plan one with /meeting plan."))
        return
    rows: list[Localizable] = [T("Meetings planned:")]
    for meeting in planned:
        assert meeting.id is not None
        items = agenda_items(ctx.session, meeting.id)
        agenda: Localizable = (T("no agenda yet") if not items else
                               T("agenda approved") if meeting.agenda_approved_at else T("draft agenda"))
        rows.append(Lines([Raw("• "), meeting_label(ctx.session, meeting),
                           Raw(f" — {meeting.place}") if meeting.place else None, Raw(" — "), agenda], sep=""))
    ctx.reply(Lines(rows))


def _names(session: Session, ids: list[int | None]) -> list[str]:
    names = []
    for person_id in ids:
        person = session.get(Person, person_id) if person_id else None
        if person and person.display_name not in names:
            names.append(person.display_name)
    return names


def _minutes_fields(session: Session, meeting_id: int) -> Row:
    """What the minutes of a meeting recorded (all rooms they were taken in): who was present (named by #here or
    heard), the chairs, each kind of item still standing, actions with their owners, links, and what was undone."""
    taken = minutes_of_meeting(session, meeting_id)

    def texts(tag: Tag) -> list[str]:
        return [e.text for m in taken for e in m.tagged(tag)]

    def one_name(person_id: int | None) -> str | None:
        return next(iter(_names(session, [person_id])), None)

    return {
        "attendance": _names(session, [p for m in taken for p in m.present]),
        "chairs": _names(session, [p for m in taken for p in m.chairs]),
        "topics": texts(Tag.TOPIC), "info": texts(Tag.INFO), "ideas": texts(Tag.IDEA), "agreed": texts(Tag.AGREED),
        "disagreed": texts(Tag.DISAGREED),
        "actions": [{"owner": one_name(a.owner_id), "text": a.text, "due": a.due.isoformat() if a.due else None,
                     "done": a.done} for m in taken for a in m.actions],
        "links": [{"url": link_of(e.text), "text": e.text} for m in taken for e in m.tagged(Tag.LINK)],
        "undone": [{"tag": e.tag, "text": e.text, "by": one_name(e.author_id)} for m in taken for e in m.undone],
    }


def meeting_rows(session: Session, config: Config, now: datetime) -> list[Row]:
    rows: list[Row] = []
    for meeting in session.exec(select(Meeting).order_by(col(Meeting.starts_at), col(Meeting.id))).all():
        assert meeting.id is not None
        group = group_of(session, meeting)
        rows.append({
            "id": f"S{meeting.id}", "kind": meeting.kind, "group": group.slug if group else None,
            "starts_at": meeting.starts_at, "local_start": meeting.local_start, "timezone": meeting.timezone,
            "place": meeting.place, "status": meeting.status, "cancel_reason": meeting.cancel_reason,
            "cancelled_at": meeting.cancelled_at,
            "cancelled_by": next(iter(_names(session, [meeting.cancelled_by])), None),
            "agenda": [item.text for item in agenda_items(session, meeting.id)],
            "agenda_approved_at": meeting.agenda_approved_at,
            **_minutes_fields(session, meeting.id),
        })
    return rows


exporter("meetings", fields=("id", "kind", "group", "starts_at", "local_start", "timezone", "place", "status",
                             "cancel_reason", "cancelled_at", "cancelled_by", "agenda", "agenda_approved_at",
                             "attendance", "chairs", "topics", "info", "ideas", "agreed", "disagreed", "actions",
                             "links", "undone"),
         formats=("json", "csv", "excel", "ics"), documents={"ics": ics_document})(meeting_rows)
