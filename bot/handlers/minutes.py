"""Minutes taken in the room, MeetBot style: /minutes start S2, then tagged lines (#here, #topic, #info, #idea,
#agreed, #disagreed, #action who text [due=DATE], #link URL text, #undo, #chair @who, #unchair @who), then
/minutes end posts and stores them. Everyone who speaks in the room meanwhile is present; other lines are not kept."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date

from bot.context import Context
from bot.domain.meetings import MeetingStatus, WasCancelled
from bot.domain.meetings.meetbot import (
    NotALink,
    NothingToUndo,
    StartedThem,
    is_chair,
    known,
    link_of,
    mentions,
    note_speaker,
    read_action,
    set_chairs,
    undo,
)
from bot.domain.meetings.minutes import (
    AlreadyDone,
    AlreadyTaking,
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
from bot.parsing import Opt, Param, Ref
from bot.registry import STAFF, command, registry, text_hook
from bot.rules.dates.days import parse_day
from bot.rules.evidence import BadLink
from bot.storage.tables import MinutesSession
from bot.wording.meetings import (
    ITEM_WORDS,
    MEETING,
    already_taking,
    get_meeting,
    meeting_label,
    minutes_text,
    people_list,
    refused,
)
from bot.wording.people import who

TAGS = {"here": Tag.HERE, "present": Tag.HERE, "presente": Tag.HERE, "topic": Tag.TOPIC, "sujet": Tag.TOPIC,
        "info": Tag.INFO, "idea": Tag.IDEA, "idee": Tag.IDEA,
        "agreed": Tag.AGREED, "accord": Tag.AGREED, "agree": Tag.AGREED, "decision": Tag.AGREED,
        "accepted": Tag.AGREED, "accept": Tag.AGREED,
        "disagreed": Tag.DISAGREED, "disagree": Tag.DISAGREED, "desaccord": Tag.DISAGREED, "rejected": Tag.DISAGREED,
        "action": Tag.ACTION, "link": Tag.LINK, "lien": Tag.LINK, "undo": Tag.UNDO, "annuler": Tag.UNDO,
        "chair": Tag.CHAIR, "presidence": Tag.CHAIR, "unchair": Tag.UNCHAIR, "finpresidence": Tag.UNCHAIR}
# MeetBot's other commands: answered (while minutes are open) with what to use here, never silently dropped.
MEETBOT_ONLY = {"startmeeting", "endmeeting", "meetingname", "meetingtopic", "nick", "startvote", "vote", "endvote",
                "subtopic", "progress", "commands", "halp", "lurk", "unlurk", "save", "restrictlogs", "replay",
                "voters", "votesrequired"}
_TAG = re.compile(r"^#(\w+)\b\s*(.*)$", re.DOTALL)
_DUE = re.compile(r"(?:^|\s)(?:due|echeance|échéance)=(\"[^\"]*\"|\S+)\s*$", re.IGNORECASE)
MAX_LINE = 1000
TAGS_HELP = T("Tag your lines: #here (present), #topic, #info, #idea, #agreed, #disagreed, #action @who text "
              "[due=DATE], #link URL text; #undo takes back your last line (a chair's: the last line), #chair @who "
              "shares the chair. Everyone who speaks here is counted present; untagged lines are not recorded. "
              "/minutes end to finish.")

registry.add("minutes", "cr", help=T("take the minutes of a meeting in this room"),
             usage=T("/minutes start S2 · then #here, #topic, #info, #idea, #agreed, #disagreed, #action @who text "
                     "[due=DATE], #link URL, #undo, #chair @who · /minutes end"))


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
        raise already_taking(ctx.session, exc, number) from exc
    ctx.audit("minutes.start", "meeting", meeting.id, session=minutes.id)
    ctx.reply(Lines([T("Minutes of {meeting} started.", meeting=meeting_label(ctx.session, meeting)), TAGS_HELP]))


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


def _not_known(handles: list[str]) -> Localizable | None:
    if not handles:
        return None
    return T("I do not know {who}: nobody by that name has written here yet.",
             who=Lines([Raw(h) for h in handles], sep=", "))


def _chair_powers(ctx: Context, minutes: MinutesSession) -> bool:
    """A chair of these minutes (who started them, or was given the chair), a co-chair or the secretariat."""
    return ctx.has_role(*STAFF) or is_chair(ctx.session, minutes, ctx.person_id)


async def _action_line(ctx: Context, minutes: MinutesSession, written_tag: str, body: str) -> None:
    """`#action @who what to do [due=DATE]` (or `#action bob and carol …`, nicks of people present): an action
    item for each person named, confirmed in the room; one naming nobody known is kept without an owner."""
    text, due = _parse_due(body, ctx.now.astimezone(ctx.config.tz).date())
    line = read_action(ctx.session, ctx.network, minutes_of(ctx.session, minutes), text, ctx.now)
    if not line.text:
        raise _needs_text(written_tag)
    actions = add_action(ctx.uow, minutes, line.owners, line.text, due, author_id=ctx.person_id)
    for action in actions:
        ctx.audit("action.add", "action", action.id, meeting=minutes.meeting_id, owner=action.owner_id,
                  due=due.isoformat() if due else None)
    owners = [o.id for o in line.owners if o.id is not None]
    said = (T("Action for {who}: {text}", who=people_list(ctx.session, owners), text=Raw(line.text)) if owners
            else T("Action recorded without an owner: {text}", text=Raw(line.text)))
    ctx.reply(Lines([Lines([said, T("due {date}", date=Day(due)) if due else None], sep=" — "),
                     _not_known(line.unknown),
                     None if owners else T("To give it to someone, #undo it and name them: #action @who text.")]))


async def _link_line(ctx: Context, minutes: MinutesSession, written_tag: str, body: str) -> None:
    """`#link https://… what it is`: kept with its text, listed in the minutes' links."""
    try:
        link_of(body)
    except (NotALink, BadLink) as exc:
        raise UserError(T("#{tag} needs a web address, like #{tag} https://example.org/report the report.",
                          tag=Raw(written_tag))) from exc
    record(ctx.uow, minutes, Tag.LINK, ctx.person_id, body, author_id=ctx.person_id)


async def _here_line(ctx: Context, minutes: MinutesSession, written_tag: str, body: str) -> None:
    for person in [ctx.person_by_ref(ref) for ref in mentions(body)] or [ctx.person]:
        record(ctx.uow, minutes, Tag.HERE, person.id, author_id=ctx.person_id)


async def _undo_line(ctx: Context, minutes: MinutesSession, written_tag: str, body: str) -> None:
    """`#undo`: strike the sender's last item (a chair: the last item), recorded and said in the room."""
    try:
        item = undo(ctx.uow, minutes, ctx.person_id, _chair_powers(ctx, minutes))
    except NothingToUndo as exc:
        raise UserError(T("There is nothing of yours to undo in these minutes.")) from exc
    ctx.audit("minutes.undo", "minutes_entry", item.id, meeting=minutes.meeting_id, tag=item.tag)
    ctx.reply(T("Undone: {item} {text} (from {who}). It stays in the record as a correction.",
                item=ITEM_WORDS[Tag(item.tag)], text=Raw(item.text),
                who=who(ctx.session, item.author_id) if item.author_id else Raw("?")))


async def _chair_line(ctx: Context, minutes: MinutesSession, written_tag: str, body: str) -> None:
    """`#chair @who …` / `#unchair @who`: chairs may give or take back the chair (not from who started)."""
    before = minutes_of(ctx.session, minutes).chairs
    if not _chair_powers(ctx, minutes):
        raise PermissionDenied(T("Only this meeting's chairs ({chairs}), a co-chair or the secretariat may change "
                                 "who chairs it.", chairs=people_list(ctx.session, before)))
    people, unknown = known(ctx.session, ctx.network, mentions(body), ctx.now)
    if not people:
        raise UserError(Lines([_not_known(unknown), T("Name who, like #{tag} @bob.", tag=Raw(written_tag))]))
    giving = TAGS[fold(written_tag)] == Tag.CHAIR
    try:
        chairs = set_chairs(ctx.uow, minutes, people, ctx.person_id, chair=giving)
    except StartedThem as exc:
        raise UserError(T("{who} started the minutes and stays in the chair.",
                          who=who(ctx.session, minutes.started_by or 0))) from exc
    ctx.audit("minutes.chair" if giving else "minutes.unchair", "meeting", minutes.meeting_id,
              people=[p.id for p in people])
    ctx.reply(Lines([T("Chairs: {chairs}", chairs=people_list(ctx.session, chairs)), _not_known(unknown)]))


async def _item_line(ctx: Context, minutes: MinutesSession, written_tag: str, body: str) -> None:
    if not body:
        raise _needs_text(written_tag)
    record(ctx.uow, minutes, TAGS[fold(written_tag)], ctx.person_id, body, author_id=ctx.person_id)


LineHandler = Callable[[Context, MinutesSession, str, str], Awaitable[None]]
LINES: dict[Tag, LineHandler] = {Tag.HERE: _here_line, Tag.ACTION: _action_line, Tag.LINK: _link_line,
                                 Tag.UNDO: _undo_line, Tag.CHAIR: _chair_line, Tag.UNCHAIR: _chair_line}


def _no_minutes() -> UserError:
    return UserError(T("No minutes are being taken here, so this line is not recorded. A co-chair or the "
                       "secretariat starts them in the meeting's room with /minutes start S2 (/meetings lists the "
                       "meetings)."))


def _meetbot_only(tag: str) -> UserError:
    return UserError(T("#{tag} is a MeetBot command I do not take. Here: /minutes start S2 and /minutes end start "
                       "and end the minutes; I record #here, #topic, #info, #idea, #agreed, #disagreed, #action, "
                       "#link, #undo, #chair and #unchair.", tag=Raw(tag)))


@text_hook(claims=lambda text: True)
async def minutes_line(ctx: Context, text: str) -> bool:
    """A tagged line goes into the minutes being taken in this room (answered when none are); any other line
    said while they are open counts its speaker present. Anything else is not ours."""
    match = _TAG.match(text)
    word = fold(match.group(1)) if match else ""
    minutes = None if ctx.room.is_private else open_session(ctx.session, ctx.room.id)
    if minutes is None:
        if word in TAGS or word == "startmeeting":
            raise _no_minutes()
        return False
    if word in MEETBOT_ONLY:
        raise _meetbot_only(word)
    if match is None or word not in TAGS:
        return note_speaker(ctx.uow, minutes, ctx.person_id)
    await LINES.get(TAGS[word], _item_line)(ctx, minutes, match.group(1), match.group(2).strip()[:MAX_LINE])
    return True


@command("minutes end", "cr fin", help=T("end the minutes, post and store them"),
         usage=T("/minutes end — by the meeting's chairs, a co-chair or the secretariat"))
async def minutes_end(ctx: Context) -> None:
    minutes = open_session(ctx.session, ctx.room.id)
    if minutes is None:
        raise UserError(T("No minutes are being taken in this room. Start with /minutes start S2."))
    if not _chair_powers(ctx, minutes):
        raise PermissionDenied(T("Only this meeting's chairs ({chairs}), a co-chair or the secretariat may end the "
                                 "minutes.", chairs=people_list(ctx.session, minutes_of(ctx.session, minutes).chairs)))
    try:
        meeting, minutes = end(ctx.uow, ctx.room.id)
    except NoMinutesHere as exc:  # (another process ended them meanwhile)
        raise UserError(T("No minutes are being taken in this room. Start with /minutes start S2.")) from exc
    ctx.audit("minutes.end", "meeting", meeting.id, session=minutes.id, held=meeting.status == MeetingStatus.HELD)
    text = minutes_text(ctx.session, meeting, minutes_of(ctx.session, minutes))
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
