"""Minutes taken in the room, MeetBot style: /minutes start S2, then tagged lines (#here, #topic, #info,
#agreed, #action @who text [due=DATE]), then /minutes end posts and stores them. Untagged lines are not kept."""

from __future__ import annotations

import re
from datetime import date

from bot.context import Context
from bot.domain.meetings import MeetingStatus, WasCancelled
from bot.domain.meetings.minutes import (
    AlreadyDone,
    AlreadyTaking,
    Minutes,
    NoMinutesHere,
    NoSuchAction,
    NotTheirs,
    OutsideWindow,
    Tag,
    add_action,
    end,
    mark_done,
    minutes_of,
    open_actions_of,
    open_session,
    record,
    start,
)
from bot.domain.people import Role
from bot.errors import PermissionDenied, UserError
from bot.handlers.whoami import whoami_sections
from bot.i18n import Day, Lines, Localizable, Raw, T, When, fold
from bot.parsing import Opt, Param, Ref, User
from bot.registry import STAFF, command, registry, text_hook
from bot.rules.dates.days import parse_day
from bot.storage.tables import Meeting, MinutesSession
from bot.wording.meetings import MEETING, get_meeting, meeting_label, refused
from bot.wording.people import who

TAGS = {"here": Tag.HERE, "present": Tag.HERE, "presente": Tag.HERE, "topic": Tag.TOPIC, "sujet": Tag.TOPIC,
        "info": Tag.INFO, "agreed": Tag.AGREED, "accord": Tag.AGREED, "agree": Tag.AGREED, "decision": Tag.AGREED,
        "action": Tag.ACTION}
_TAG = re.compile(r"^#(\w+)\b\s*(.*)$", re.DOTALL)
_DUE = re.compile(r"(?:^|\s)(?:due|echeance|échéance)=(\"[^\"]*\"|\S+)\s*$", re.IGNORECASE)
_MENTION = re.compile(r"@[\w.\-=/+]+(?::[\w.\-]+(?::\d+)?)?")
MAX_LINE = 1000

registry.add("minutes", "cr", help=T("take the minutes of a meeting in this room"),
             usage=T("/minutes start S2 · then #here, #topic, #info, #agreed, #action @who text [due=DATE] · "
                     "/minutes end"))


@command("minutes start", "cr debut", help=T("start taking the minutes here"), roles=STAFF,
         usage=T("/minutes start S2 [confirm] — confirm: outside the meeting's time"),
         params=[Param("number", MEETING)], options=[Opt("confirm", "confirmer")])
async def minutes_start(ctx: Context, number: int, confirm: bool) -> None:
    if ctx.room.is_private:
        raise UserError(T("Minutes are taken in the meeting's room, not in a private chat."))
    meeting = get_meeting(ctx.session, number)
    assert ctx.room.id is not None
    try:
        minutes = start(ctx.uow, meeting, ctx.room.id, ctx.person_id, confirmed=confirm)
    except WasCancelled as exc:
        raise refused(exc) from exc
    except OutsideWindow as exc:
        raise UserError(T("{meeting} is not taking place now: minutes are taken from {opens} to {closes}. If it "
                          "is really meeting now, send /minutes start S{id} confirm.",
                          meeting=meeting_label(ctx.session, meeting), opens=When(exc.opens),
                          closes=When(exc.closes), id=Raw(str(meeting.id)))) from exc
    except AlreadyTaking as exc:
        raise UserError(T("Minutes of S{id} are already being taken here; send /minutes end first.",
                          id=Raw(str(exc.meeting_id)))) from exc
    ctx.audit("minutes.start", "meeting", meeting.id, session=minutes.id)
    ctx.reply(Lines([T("Minutes of {meeting} started.", meeting=meeting_label(ctx.session, meeting)),
                     T("Tag your lines: #here (present), #topic, #info, #agreed, #action @who text [due=DATE]. "
                       "Untagged lines are not recorded. /minutes end to finish.")]))


def _parse_due(text: str, today: date) -> tuple[str, date | None]:
    """`due=2024-03-01`, `due=31/03/2024`, `due="31 mars 2024"`, `due=demain` (bot.rules.dates.days)."""
    match = _DUE.search(text)
    if not match:
        return text, None
    try:
        due = parse_day(match.group(1).strip('"')).on(today)
    except ValueError as exc:
        raise UserError(T("“{value}” is not a date like 2024-03-01: write due=2024-03-01.",
                          value=Raw(match.group(1)))) from exc
    return text[:match.start()].strip(), due


def _needs_text(tag: str) -> UserError:
    return UserError(T("#{tag} needs some text after it.", tag=Raw(tag)))


def _action_line(ctx: Context, minutes: MinutesSession, written_tag: str, body: str) -> None:
    """`#action @who what to do [due=DATE]`: an action item for @who, confirmed in the room."""
    owner_ref, _, rest = body.partition(" ")
    try:
        owner_handle = User().convert(owner_ref) if owner_ref.startswith("@") else None
    except ValueError:
        owner_handle = None
    if owner_handle is None or not rest.strip():
        raise UserError(T("Write an action as #action @who what to do [due=DATE], e.g. #action @bob send the "
                          "draft due=2024-06-30."))
    action_text, due = _parse_due(rest.strip(), ctx.now.astimezone(ctx.config.tz).date())
    if not action_text:
        raise _needs_text(written_tag)
    owner = ctx.person_by_ref(owner_handle)
    assert owner.id is not None
    action = add_action(ctx.uow, minutes, owner, action_text, due)
    ctx.audit("action.add", "action", action.id, meeting=minutes.meeting_id, owner=owner.id,
              due=due.isoformat() if due else None)
    ctx.reply(Lines([T("Action for {who}: {text}", who=who(ctx.session, owner.id), text=Raw(action_text)),
                     T("due {date}", date=Day(due)) if due else None], sep=" — "))


@text_hook(claims=lambda text: text.startswith("#"))
async def minutes_line(ctx: Context, text: str) -> bool:
    """Record a tagged line when minutes are being taken in this room; anything else is not ours."""
    match = _TAG.match(text)
    if not match or fold(match.group(1)) not in TAGS:
        return False
    minutes = open_session(ctx.session, ctx.room.id)
    if minutes is None:
        return False
    tag, body = TAGS[fold(match.group(1))], match.group(2).strip()[:MAX_LINE]
    if tag == Tag.HERE:
        for person in [ctx.person_by_ref(ref) for ref in _MENTION.findall(body)] or [ctx.person]:
            record(ctx.uow, minutes, Tag.HERE, person.id)
    elif tag == Tag.ACTION:
        _action_line(ctx, minutes, match.group(1), body)
    elif not body:
        raise _needs_text(match.group(1))
    else:
        record(ctx.uow, minutes, tag, ctx.person_id, body)
    return True


def minutes_text(ctx: Context, meeting: Meeting, taken: Minutes) -> Lines:
    def section(tag: Tag, title: T) -> list[Localizable]:
        chosen = taken.tagged(tag)
        return [title, *(Raw(f"• {e.text}") for e in chosen)] if chosen else []

    action_lines: list[Localizable] = [T("Actions:")] if taken.actions else []
    action_lines.extend(Lines([Raw("• "), who(ctx.session, a.owner_id), Raw(": "), Raw(a.text),
                               Lines([Raw(" ("), T("due {date}", date=Day(a.due)), Raw(")")], sep="")
                               if a.due else None], sep="") for a in taken.actions)
    return Lines([
        T("Minutes of {meeting}", meeting=meeting_label(ctx.session, meeting)),
        Lines([T("Present:"), Lines([who(ctx.session, p) for p in taken.present], sep=", ")], sep=" "),
        *section(Tag.TOPIC, T("Topics:")),
        *section(Tag.INFO, T("Information:")),
        *section(Tag.AGREED, T("Agreed:")),
        *action_lines,
    ])


@command("minutes end", "cr fin", help=T("end the minutes, post and store them"), roles=STAFF,
         usage=T("/minutes end"))
async def minutes_end(ctx: Context) -> None:
    try:
        meeting, minutes = end(ctx.uow, ctx.room.id)
    except NoMinutesHere as exc:
        raise UserError(T("No minutes are being taken in this room. Start with /minutes start S2.")) from exc
    ctx.audit("minutes.end", "meeting", meeting.id, session=minutes.id, held=meeting.status == MeetingStatus.HELD)
    text = minutes_text(ctx, meeting, minutes_of(ctx.session, minutes))
    if meeting.status != MeetingStatus.HELD:
        text = Lines([text, T("Nothing but attendance was recorded: S{id} is not marked as held.",
                              id=Raw(str(meeting.id)))])
    ctx.reply(text)


def my_actions(ctx: Context) -> Localizable | None:
    """The /whoami section: the sender's open action items."""
    actions = open_actions_of(ctx.session, ctx.person_id)
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
    number_text = Raw(str(number))
    try:  # object-level permission: the owner, else a co-chair or the secretariat
        action = mark_done(ctx.uow, number, ctx.person_id, ctx.has_role(Role.SECRETARIAT, Role.COCHAIR))
    except NotTheirs as exc:
        raise PermissionDenied(T("Only the person it was given to, the secretariat or a co-chair may mark T{id} "
                                 "done.", id=number_text)) from exc
    except AlreadyDone as exc:
        raise UserError(T("Action item T{id} is already done.", id=number_text)) from exc
    except NoSuchAction as exc:
        raise UserError(T("There is no action item T{id}. Send /whoami to see yours.", id=number_text)) from exc
    ctx.audit("action.done", "action_item", action.id)
    ctx.reply(T("Action item T{id} is done: {text}", id=number_text, text=Raw(action.text)))
