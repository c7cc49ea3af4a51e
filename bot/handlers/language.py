"""/lang: a person's language, or (with `room`) a room's language."""

from __future__ import annotations

from bot.config_values import SUPPORTED_LANGUAGES
from bot.context import Context
from bot.domain.people import Role
from bot.errors import ArgError, UserError
from bot.i18n import T
from bot.parsing import Choice, Param
from bot.registry import command
from bot.wording.people import ADDRESS_NAMES, role_label

LANGUAGE = Choice({"fr": ("francais", "french"), "en": ("english", "anglais")}, T("fr or en"))

LANGUAGE_NAMES = {"fr": T("French"), "en": T("English")}


@command("lang", "langue", help=T("choose your language (or, for admins, the room's)"),
         usage=T("/lang fr|en — or /lang room fr|en for the room's language"),
         params=[Param("first", Choice({"fr": ("francais", "french"), "en": ("english", "anglais"),
                                        "room": ("salon",)}, T("fr, en or room"))),
                 Param("second", LANGUAGE, optional=True)])
async def lang(ctx: Context, first: str, second: str | None) -> None:
    if first == "room" or second is not None:  # (`/lang room fr` is the subcommand below)
        raise ArgError(T("Missing {what}.", what=LANGUAGE.expected))
    assert first in SUPPORTED_LANGUAGES
    ctx.person.locale = first
    ctx.audit("person.language", "person", ctx.person.id, language=first)
    ctx.reply(T("I will answer you in {language}.", language=LANGUAGE_NAMES[first]))


@command("lang room", "langue salon", help=T("choose your language (or, for admins, the room's)"), hidden=True,
         roles=frozenset({Role.SECRETARIAT, Role.COCHAIR}),
         denied=T("Only admins, co-chairs and the secretariat may set a room's language."),
         params=[Param("language", LANGUAGE)])
async def lang_room(ctx: Context, language: str) -> None:
    if ctx.room.is_private:
        raise UserError(T("Use /lang room in the room itself; here, /lang fr or /lang en sets your own language."))
    ctx.room.language = language
    ctx.audit("room.language", "room", ctx.room.id, language=language)
    ctx.reply(T("This room now speaks {language}.", language=LANGUAGE_NAMES[language]))


ADDRESS = Choice({"feminine": ("feminin", "feminine", "f"), "masculine": ("masculin", "m"),
                  "neutral": ("neutre", "epicene", "n")}, T("feminine, masculine or neutral"))


@command("address", "adresse", help=T("how your titles are written: feminine, masculine or neutral"),
         usage=T("/address feminine|masculine|neutral — neutral (epicene) unless you choose"),
         example=T("/address feminine"), params=[Param("form", ADDRESS)])
async def address(ctx: Context, form: str) -> None:
    ctx.person.address = form
    ctx.audit("person.address", "person", ctx.person.id, address=form)
    ctx.reply(T("Your titles will be written in the {form} form, e.g. {title}.", form=ADDRESS_NAMES[form],
                title=role_label(Role.COCHAIR, form)))
