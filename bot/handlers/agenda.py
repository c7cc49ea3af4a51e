"""/agenda S2 [add <item>|approve]: members propose items, the secretariat drafts, the committee approves."""

from __future__ import annotations

from bot.context import Context
from bot.errors import ArgError, PermissionDenied, UserError
from bot.i18n import Day, Lines, Raw, T
from bot.meetings import MEETING, agenda_items, agenda_lines, get_meeting, meeting_label, proposal_number
from bot.parsing import Choice, Param, Text
from bot.registry import command
from bot.storage.tables import AgendaItem, Proposal

ACTION = Choice({"add": ("ajouter",), "approve": ("approuver",)}, T("add or approve"))
MAX_ITEMS = 30


@command("agenda", "odj", help=T("a meeting's agenda: see it, propose an item, approve it"),
         usage=T("/agenda S2 · /agenda S2 add <item> · /agenda S2 approve — e.g. /agenda S2 add Vote on P7"),
         params=[Param("number", MEETING), Param("action", ACTION, optional=True),
                 Param("text", Text().with_expected(T("the item's text")), optional=True)])
async def agenda(ctx: Context, number: int, action: str | None, text: str | None) -> None:
    meeting = get_meeting(ctx.session, number)
    assert meeting.id is not None
    if action is None:
        if text:
            raise ArgError(T("I did not understand “{extra}”.", extra=Raw(text)))
        ctx.reply(Lines([T("Meeting {meeting}", meeting=meeting_label(ctx.session, meeting)),
                         agenda_lines(ctx.session, meeting)]))
        return
    if meeting.status != "planned":
        raise UserError(T("Meeting S{id} is no longer planned; its agenda cannot change.", id=Raw(str(meeting.id))))
    if action == "add":
        if not text:
            raise ArgError(T("Missing {what}.", what=T("the item's text")))
        if not ctx.has_role("member", "cochair", "committee", "secretariat"):
            raise PermissionDenied(T("Only members, co-chairs, the committee and the secretariat may propose "
                                     "agenda items."))
        if meeting.agenda_approved_at is not None:
            raise UserError(T("The agenda of S{id} was approved on {date}; it can no longer change.",
                              id=Raw(str(meeting.id)), date=Day(meeting.agenda_approved_at.date())))
        if len(text) > 500:
            raise UserError(T("An agenda item is at most {limit} characters.", limit=500))
        items = agenda_items(ctx.session, meeting.id)
        if len(items) >= MAX_ITEMS:
            raise UserError(T("An agenda has at most {limit} items.", limit=MAX_ITEMS))
        linked = proposal_number(text)
        if linked is not None and ctx.session.get(Proposal, linked) is None:
            raise UserError(T("There is no proposal P{id}. Send /proposals to see them.", id=Raw(str(linked))))
        item = AgendaItem(meeting_id=meeting.id, position=len(items) + 1, text=text, proposed_by=ctx.person_id,
                          proposal_id=linked, created_at=ctx.now)
        ctx.session.add(item)
        ctx.session.flush()
        ctx.audit("agenda.add", "meeting", meeting.id, item=item.id, text=text, proposal=item.proposal_id)
        ctx.reply(T("Item {n} added to the agenda of S{id}: {text}", n=item.position, id=Raw(str(meeting.id)),
                    text=Raw(text)))
        return
    if text:
        raise ArgError(T("I did not understand “{extra}”.", extra=Raw(text)))
    if not ctx.has_role("committee", "cochair"):
        raise PermissionDenied(T("Only committee members and co-chairs may approve an agenda."))
    if meeting.agenda_approved_at is not None:
        raise UserError(T("The agenda of S{id} was already approved on {date}.", id=Raw(str(meeting.id)),
                          date=Day(meeting.agenda_approved_at.date())))
    if not agenda_items(ctx.session, meeting.id):
        raise UserError(T("The agenda of S{id} is empty: add items with /agenda S{id} add <item>.",
                          id=Raw(str(meeting.id))))
    meeting.agenda_approved_at, meeting.agenda_approved_by = ctx.now, ctx.person_id
    ctx.audit("agenda.approve", "meeting", meeting.id)
    ctx.reply(Lines([T("The agenda of S{id} is approved.", id=Raw(str(meeting.id))),
                     agenda_lines(ctx.session, meeting)]))
