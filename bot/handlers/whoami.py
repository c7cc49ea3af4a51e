"""/whoami: your roles, groups and mandates (features add their own sections, e.g. action items)."""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Context
from bot.domain.people import active_roles
from bot.i18n import Lines, Localizable, T
from bot.registry import command
from bot.wording.colleges import college_text
from bot.wording.people import ADDRESS_NAMES, role_text, who

WhoamiSection = Callable[[Context], Localizable | None]
whoami_sections: list[WhoamiSection] = []


@command("whoami", "moi", help=T("your roles, groups and mandates"), usage=T("/whoami"))
async def whoami(ctx: Context) -> None:
    roles = active_roles(ctx.session, ctx.person_id, ctx.now)
    side = college_text(ctx.person)
    parts: list[Localizable | None] = [T("You are {who}.", who=who(ctx.session, ctx.person_id)),
                                       T("Your titles: {form} form (/address to change it).",
                                         form=ADDRESS_NAMES.get(ctx.person.address, ADDRESS_NAMES["neutral"])),
                                       T("College: {college}.", college=side) if side else None]
    if roles:
        parts.append(T("Your roles:"))
        parts.extend(Lines(["• ", role_text(ctx.session, role, ctx.lang.tz)], sep="") for role in roles)
    else:
        parts.append(T("You have no role yet. Send /apply to answer the call for applications."))
    parts.extend(section(ctx) for section in whoami_sections)
    ctx.reply(Lines(parts))
