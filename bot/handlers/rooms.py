"""/room: what this room is for (a group's room, the plenary, the committee, the secretariat)."""

from __future__ import annotations

from bot.context import Context
from bot.domain.rooms import RoomPurpose, set_purpose
from bot.errors import ArgError, UserError
from bot.i18n import Raw, T
from bot.parsing import Choice, Param, Slug
from bot.registry import STAFF, command

PURPOSE = Choice({RoomPurpose.GROUP: ("groupe",), RoomPurpose.PLENARY: ("pleniere",),
                  RoomPurpose.COMMITTEE: ("comite",), RoomPurpose.SECRETARIAT: ()},
                 T("group <slug>, plenary, committee or secretariat"))

PURPOSE_SET: dict[str, T] = {RoomPurpose.PLENARY: T("This room is now the plenary's room."),
               RoomPurpose.COMMITTEE: T("This room is now the management committee's room."),
               RoomPurpose.SECRETARIAT: T("This room is now the secretariat's room: it receives the automatic alerts.")}


@command("room", "salon", help=T("say what this room is for"), roles=STAFF,
         usage=T("/room group <slug> | plenary | committee | secretariat — e.g. /room group open-data"),
         params=[Param("purpose", PURPOSE), Param("slug", Slug(), optional=True)])
async def room(ctx: Context, purpose: str, slug: str | None) -> None:
    if ctx.room.is_private:
        raise UserError(T("Use /room in the room itself, not in a private chat."))
    if purpose == RoomPurpose.GROUP:
        if slug is None:
            raise ArgError(T("Missing {what}.", what=T("the group's short name, like open-data")))
        group = ctx.group(slug)
        set_purpose(ctx.room, RoomPurpose.GROUP, group)
        ctx.audit("room.purpose", "room", ctx.room.id, purpose="group", group=slug)
        ctx.reply(T("This room is now the room of the working group {slug}.", slug=Raw(slug)))
        return
    if slug is not None:
        raise ArgError(T("I did not understand “{extra}”.", extra=Raw(slug)))
    set_purpose(ctx.room, RoomPurpose(purpose))
    ctx.audit("room.purpose", "room", ctx.room.id, purpose=purpose)
    ctx.reply(PURPOSE_SET[purpose])
