"""/college: a person's college (government, civil society, or one the config declares) and organisation."""

from __future__ import annotations

from bot.context import Context
from bot.domain.colleges import ParityRefused, UnknownCollege, college_named, set_college
from bot.errors import UserError
from bot.i18n import Lines, Localizable, Raw, T
from bot.parsing import Opt, Param, Text, User, Word
from bot.registry import STAFF, command
from bot.rules.colleges import Breach
from bot.storage.tables import Person
from bot.wording.colleges import breaches_text, college_label, college_text
from bot.wording.people import who

ORG_OPT = Opt("org", "org", Text(), aliases=("organisation", "organization", "structure"))
COLLEGE_OPT = Opt("college", "college", Word())


def college_of_word(ctx: Context, word: str) -> str:
    """The college a word names, or an answer listing the colleges."""
    try:
        return college_named(ctx.config.colleges, word)
    except UnknownCollege as refused:
        raise UserError(T("“{value}” is not a college here. Colleges: {names}.", value=Raw(word),
                          names=Lines([college_label(c) for c in refused.known], sep=", "))) from None


def parity_refusal(refused: ParityRefused) -> UserError:
    return UserError(T("Refused: this breaks the parity rules ({why}).", why=breaches_text(refused.breaches)))


def parity_warning(breaches: list[Breach]) -> Localizable | None:
    if not breaches:
        return None
    return T("⚠️ Parity: {why}.", why=breaches_text(breaches))


def apply_college(ctx: Context, person: Person, word: str | None, org: str | None) -> Localizable | None:
    """Set the college (a word) and organisation; the parity warning to show, if any."""
    college = college_of_word(ctx, word) if word else None
    try:
        breaches = set_college(ctx.uow, person, college, org, ctx.person_id)
    except ParityRefused as refused:
        raise parity_refusal(refused) from None
    return parity_warning(breaches)


@command("college", "college", help=T("a person's college and organisation"), roles=STAFF,
         usage=T('/college @bob government|civil-society|<other> [org="…"] — e.g. /college @bob government '
                 'org="Ministry of Culture"'),
         params=[Param("user", User()), Param("college", Word().with_expected(T("a college, like government or "
                                                                                 "civil-society")))],
         options=[ORG_OPT])
async def college(ctx: Context, user: str, college: str, org: str | None) -> None:
    person = ctx.person_by_ref(user)
    warning = apply_college(ctx, person, college, org)
    ctx.reply(Lines([T("{who}: {college}.", who=who(ctx.session, person.id or 0), college=college_text(person)),
                     warning]))
