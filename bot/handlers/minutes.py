"""Minutes taken in the room, MeetBot style: /minutes start S2, then tagged lines (#here, #topic, #info,
#agreed, #action @who text [due=DATE]), then /minutes end posts and stores them. Untagged lines are not kept."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import col, select

from bot.context import Context
from bot.errors import PermissionDenied, UserError
from bot.handlers.whoami import whoami_sections
from bot.i18n import Day, Lines, Localizable, Raw, T, fold
from bot.meetings import MEETING, get_meeting, meeting_label
from bot.parsing import Param, Ref, User
from bot.people import who
from bot.registry import STAFF, command, registry
from bot.router import text_hook
from bot.storage.tables import ActionItem, Meeting, MinutesEntry, MinutesSession

TAGS = {"here": "here", "present": "here", "presente": "here", "topic": "topic", "sujet": "topic",
        "info": "info", "agreed": "agreed", "accord": "agreed", "agree": "agreed", "decision": "agreed",
        "action": "action"}
_TAG = re.compile(r"^#(\w+)\b\s*(.*)$", re.DOTALL)
_DUE = re.compile(r"(?:^|\s)(?:due|echeance|échéance)=(\S+)\s*$", re.IGNORECASE)
_MENTION = re.compile(r"@[\w.\-=/+]+(?::[\w.\-]+(?::\d+)?)?")
MAX_LINE = 1000

registry.add("minutes", "cr", help=T("take the minutes of a meeting in this room"),
             usage=T("/minutes start S2 · then #here, #topic, #info, #agreed, #action @who text [due=DATE] · "
                     "/minutes end"))


def open_session(ctx: Context) -> MinutesSession | None:
    return ctx.session.exec(select(MinutesSession).where(MinutesSession.room_id == ctx.room.id,
                                                         col(MinutesSession.ended_at).is_(None))).first()


@command("minutes start", "cr debut", help=T("start taking the minutes here"), roles=STAFF,
         usage=T("/minutes start S2"), params=[Param("number", MEETING)])
async def minutes_start(ctx: Context, number: int) -> None:
    if ctx.room.is_private:
        raise UserError(T("Minutes are taken in the meeting's room, not in a private chat."))
    meeting = get_meeting(ctx.session, number)
    if meeting.status == "cancelled":
        raise UserError(T("Meeting S{id} was cancelled.", id=Raw(str(meeting.id))))
    running = open_session(ctx)
    if running is not None:
        raise UserError(T("Minutes of S{id} are already being taken here; send /minutes end first.",
                          id=Raw(str(running.meeting_id))))
    assert meeting.id is not None and ctx.room.id is not None
    minutes = MinutesSession(meeting_id=meeting.id, room_id=ctx.room.id, started_by=ctx.person_id,
                             started_at=ctx.now)
    ctx.session.add(minutes)
    ctx.session.flush()
    ctx.session.add(MinutesEntry(session_id=minutes.id or 0, tag="here", person_id=ctx.person_id, at=ctx.now))
    ctx.audit("minutes.start", "meeting", meeting.id, session=minutes.id)
    ctx.reply(Lines([T("Minutes of {meeting} started.", meeting=meeting_label(ctx.session, meeting)),
                     T("Tag your lines: #here (present), #topic, #info, #agreed, #action @who text [due=DATE]. "
                       "Untagged lines are not recorded. /minutes end to finish.")]))


def _parse_due(ctx: Context, text: str) -> tuple[str, date | None]:
    match = _DUE.search(text)
    if not match:
        return text, None
    try:
        due = date.fromisoformat(match.group(1))
    except ValueError as exc:
        raise UserError(T("“{value}” is not a date like 2024-03-01: write due=2024-03-01.",
                          value=Raw(match.group(1)))) from exc
    return text[:match.start()].strip(), due


@text_hook(claims=lambda text: text.startswith("#"))
async def minutes_line(ctx: Context, text: str) -> bool:
    """Record a tagged line when minutes are being taken in this room; anything else is not ours."""
    match = _TAG.match(text)
    if not match or fold(match.group(1)) not in TAGS:
        return False
    minutes = open_session(ctx)
    if minutes is None:
        return False
    assert minutes.id is not None
    tag, body = TAGS[fold(match.group(1))], match.group(2).strip()[:MAX_LINE]
    if tag == "here":
        people = [ctx.person_by_ref(ref) for ref in _MENTION.findall(body)] or [ctx.person]
        for person in people:
            ctx.session.add(MinutesEntry(session_id=minutes.id, tag="here", person_id=person.id, at=ctx.now))
        return True
    if tag != "action":
        if not body:
            raise UserError(T("#{tag} needs some text after it.", tag=Raw(match.group(1))))
        ctx.session.add(MinutesEntry(session_id=minutes.id, tag=tag, person_id=ctx.person_id, text=body, at=ctx.now))
        return True
    owner_ref, _, rest = body.partition(" ")
    try:
        owner_handle = User().convert(owner_ref) if owner_ref.startswith("@") else None
    except ValueError:
        owner_handle = None
    if owner_handle is None or not rest.strip():
        raise UserError(T("Write an action as #action @who what to do [due=DATE], e.g. #action @bob send the "
                          "draft due=2024-06-30."))
    action_text, due = _parse_due(ctx, rest.strip())
    if not action_text:
        raise UserError(T("#{tag} needs some text after it.", tag=Raw(match.group(1))))
    owner = ctx.person_by_ref(owner_handle)
    assert owner.id is not None
    entry = MinutesEntry(session_id=minutes.id, tag="action", person_id=owner.id, text=action_text, at=ctx.now)
    ctx.session.add(entry)
    ctx.session.flush()
    action = ActionItem(meeting_id=minutes.meeting_id, entry_id=entry.id, owner_id=owner.id, text=action_text,
                        due=due, created_at=ctx.now)
    ctx.session.add(action)
    ctx.session.flush()
    ctx.audit("action.add", "action", action.id, meeting=minutes.meeting_id, owner=owner.id,
              due=due.isoformat() if due else None)
    ctx.reply(Lines([T("Action for {who}: {text}", who=who(ctx.session, owner.id), text=Raw(action_text)),
                     T("due {date}", date=Day(due)) if due else None], sep=" — "))
    return True


def minutes_text(ctx: Context, meeting: Meeting, minutes: MinutesSession) -> Lines:
    entries = ctx.session.exec(select(MinutesEntry).where(MinutesEntry.session_id == minutes.id)
                               .order_by(col(MinutesEntry.id))).all()
    present: list[int] = []
    for entry in entries:
        if entry.tag == "here" and entry.person_id is not None and entry.person_id not in present:
            present.append(entry.person_id)

    def section(tag: str, title: T) -> list[Localizable]:
        chosen = [e for e in entries if e.tag == tag]
        return [title, *(Raw(f"• {e.text}") for e in chosen)] if chosen else []

    actions = ctx.session.exec(select(ActionItem).join(MinutesEntry, col(MinutesEntry.id) == col(ActionItem.entry_id))
                               .where(MinutesEntry.session_id == minutes.id).order_by(col(ActionItem.id))).all()
    action_lines: list[Localizable] = [T("Actions:")] if actions else []
    action_lines.extend(Lines([Raw("• "), who(ctx.session, a.owner_id), Raw(": "), Raw(a.text),
                               Lines([Raw(" ("), T("due {date}", date=Day(a.due)), Raw(")")], sep="")
                               if a.due else None], sep="") for a in actions)
    return Lines([
        T("Minutes of {meeting}", meeting=meeting_label(ctx.session, meeting)),
        Lines([T("Present:"), Lines([who(ctx.session, p) for p in present], sep=", ")], sep=" "),
        *section("topic", T("Topics:")),
        *section("info", T("Information:")),
        *section("agreed", T("Agreed:")),
        *action_lines,
    ])


@command("minutes end", "cr fin", help=T("end the minutes, post and store them"), roles=STAFF,
         usage=T("/minutes end"))
async def minutes_end(ctx: Context) -> None:
    minutes = open_session(ctx)
    if minutes is None:
        raise UserError(T("No minutes are being taken in this room. Start with /minutes start S2."))
    meeting = ctx.session.get(Meeting, minutes.meeting_id)
    assert meeting is not None
    minutes.ended_at = ctx.now
    if meeting.status == "planned":
        meeting.status, meeting.held_at = "held", ctx.now
    ctx.session.flush()
    ctx.audit("minutes.end", "meeting", meeting.id, session=minutes.id)
    ctx.reply(minutes_text(ctx, meeting, minutes))


def my_actions(ctx: Context) -> Localizable | None:
    """The /whoami section: the sender's open action items."""
    actions = ctx.session.exec(select(ActionItem).where(ActionItem.owner_id == ctx.person_id,
                                                        ActionItem.done == False)  # noqa: E712
                               .order_by(col(ActionItem.due), col(ActionItem.id))).all()
    if not actions:
        return None
    return Lines([T("Your actions:"), *(
        Lines([Raw(f"• T{a.id} {a.text} (S{a.meeting_id}"),
               Lines([Raw(", "), T("due {date}", date=Day(a.due))], sep="") if a.due else None, Raw(")")], sep="")
        for a in actions)])


whoami_sections.append(my_actions)

ACTION = Ref("T", T("an action item id like T3 (see /whoami)"))


@command("action done", "action fait", help=T("mark one of the minutes' action items as done"),
         usage=T("/action done T3 — your action items are listed by /whoami"), params=[Param("number", ACTION)])
async def action_done(ctx: Context, number: int) -> None:
    action = ctx.session.get(ActionItem, number)
    if action is None:
        raise UserError(T("There is no action item T{id}. Send /whoami to see yours.", id=Raw(str(number))))
    if action.owner_id != ctx.person_id and not ctx.has_role("secretariat", "cochair"):
        raise PermissionDenied(T("Only the person it was given to, the secretariat or a co-chair may mark T{id} "
                                 "done.", id=Raw(str(number))))
    if action.done:
        raise UserError(T("Action item T{id} is already done.", id=Raw(str(number))))
    action.done, action.done_at = True, ctx.now
    ctx.audit("action.done", "action_item", action.id)
    ctx.reply(T("Action item T{id} is done: {text}", id=Raw(str(number)), text=Raw(action.text)))
