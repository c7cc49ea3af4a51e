"""/agenda S2 [add <item>|approve]: members propose items, the secretariat drafts, the committee approves."""

from __future__ import annotations

from bot.context import Context
from bot.domain.meetings import MeetingRefusal
from bot.domain.meetings.agenda import (
    AgendaEmpty,
    AgendaFull,
    Approved,
    ItemTooLong,
    NoSuchProposal,
    NotPlanned,
    add_item,
    approve,
)
from bot.domain.people import Role
from bot.errors import UserError
from bot.i18n import Day, Lines, Raw, T
from bot.parsing import Param, Text
from bot.registry import command
from bot.wording.meetings import MEETING, agenda_lines, get_meeting, meeting_label

USAGE = T("/agenda S2 · /agenda S2 add <item> · /agenda S2 approve — e.g. /agenda S2 add Vote on P7")
HELP = T("a meeting's agenda: see it, propose an item, approve it")


@command("agenda", "odj", help=HELP, usage=USAGE, params=[Param("number", MEETING)],
         subject=Param("number", MEETING), sub_expected=T("add or approve"))
async def agenda(ctx: Context, number: int) -> None:
    meeting = get_meeting(ctx.session, number)
    ctx.reply(Lines([T("Meeting {meeting}", meeting=meeting_label(ctx.session, meeting)),
            agenda_lines(ctx.session, meeting)]))


def _refusal(exc: MeetingRefusal, approving: bool) -> UserError:
    """A refusal of /agenda S2 add or approve, worded."""
    meeting_id = Raw(str(exc.meeting_id))
    if isinstance(exc, NotPlanned):
        return UserError(T("Meeting S{id} is no longer planned; its agenda cannot change.", id=meeting_id))
    if isinstance(exc, Approved) and approving:
        return UserError(T("The agenda of S{id} was already approved on {date}.", id=meeting_id, date=Day(exc.on)))
    if isinstance(exc, Approved):
        return UserError(T("The agenda of S{id} was approved on {date}; it can no longer change.",
                  id=meeting_id, date=Day(exc.on)))
    if isinstance(exc, ItemTooLong):
        return UserError(T("An agenda item is at most {limit} characters.", limit=exc.limit))
    if isinstance(exc, AgendaFull):
        return UserError(T("An agenda has at most {limit} items.", limit=exc.limit))
    if isinstance(exc, NoSuchProposal):
        return UserError(T("There is no proposal P{id}. Send /proposals to see them.", id=Raw(str(exc.number))))
    assert isinstance(exc, AgendaEmpty)
    return UserError(T("The agenda of S{id} is empty: add items with /agenda S{id} add <item>.", id=meeting_id))


@command("agenda add", "odj ajouter", help=HELP, hidden=True,
         roles=frozenset({Role.MEMBER, Role.COCHAIR, Role.COMMITTEE, Role.SECRETARIAT}),
         denied=T("Only members, co-chairs, the committee and the secretariat may propose agenda items."),
         params=[Param("text", Text().with_expected(T("the item's text")))])
async def agenda_add(ctx: Context, number: int, text: str) -> None:
    meeting = get_meeting(ctx.session, number)
    try:
        item = add_item(ctx.uow, meeting, text, ctx.person_id)
    except MeetingRefusal as exc:
        raise _refusal(exc, approving=False) from exc
    ctx.audit("agenda.add", "meeting", meeting.id, item=item.id, text=text, proposal=item.proposal_id)
    ctx.reply(T("Item {n} added to the agenda of S{id}: {text}", n=item.position, id=Raw(str(meeting.id)),
                text=Raw(text)))


@command("agenda approve", "odj approuver", help=HELP, hidden=True,
         roles=frozenset({Role.COMMITTEE, Role.COCHAIR}),
         denied=T("Only committee members and co-chairs may approve an agenda."))
async def agenda_approve(ctx: Context, number: int) -> None:
    meeting = get_meeting(ctx.session, number)
    try:
        approve(ctx.uow, meeting, ctx.person_id)
    except MeetingRefusal as exc:
        raise _refusal(exc, approving=True) from exc
    ctx.audit("agenda.approve", "meeting", meeting.id)
    ctx.reply(Lines([T("The agenda of S{id} is approved.", id=Raw(str(meeting.id))),
            agenda_lines(ctx.session, meeting)]))
