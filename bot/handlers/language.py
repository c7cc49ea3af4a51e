"""/lang: a person's language, or (with `room`) a room's language."""

from __future__ import annotations

from bot.config import SUPPORTED_LANGUAGES
from bot.context import Context
from bot.errors import ArgError, PermissionDenied, UserError
from bot.i18n import T
from bot.parsing import Choice, Param
from bot.registry import command

LANGUAGE = Choice({"fr": ("francais", "french"), "en": ("english", "anglais")}, T("fr or en"))
TARGET = Choice({"room": ("salon",)}, T("room"))

LANGUAGE_NAMES = {"fr": T("French"), "en": T("English")}


@command("lang", "langue", help=T("choose your language (or, for admins, the room's)"),
         usage=T("/lang fr|en — or /lang room fr|en for the room's language"),
         params=[Param("first", Choice({"fr": ("francais", "french"), "en": ("english", "anglais"),
                                        "room": ("salon",)}, T("fr, en or room"))),
                 Param("second", LANGUAGE, optional=True)])
async def lang(ctx: Context, first: str, second: str | None) -> None:
    if first == "room":
        if second is None:
            raise ArgError(T("Missing {what}.", what=LANGUAGE.expected))
        if ctx.room.is_private:
            raise UserError(T("Use /lang room in the room itself; here, /lang fr or /lang en sets your own language."))
        if not ctx.has_role("secretariat", "cochair"):
            raise PermissionDenied(T("Only admins, co-chairs and the secretariat may set a room's language."))
        ctx.room.language = second
        ctx.audit("room.language", "room", ctx.room.id, language=second)
        ctx.reply(T("This room now speaks {language}.", language=LANGUAGE_NAMES[second]))
        return
    if second is not None:
        raise ArgError(T("Missing {what}.", what=LANGUAGE.expected))
    assert first in SUPPORTED_LANGUAGES
    ctx.person.locale = first
    ctx.audit("person.language", "person", ctx.person.id, language=first)
    ctx.reply(T("I will answer you in {language}.", language=LANGUAGE_NAMES[first]))
