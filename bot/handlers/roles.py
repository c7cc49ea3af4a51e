"""/role and /members: who holds which role, with mandate ends."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import col, select

from bot.context import Context
from bot.domain.colleges import ParityRefused, check_parity
from bot.domain.people import LastAdmin, NoRoleManagerLeft, Role, active_roles, grant, revoke
from bot.errors import PermissionDenied, UserError
from bot.handlers.colleges import COLLEGE_OPT, ORG_OPT, apply_college, parity_refusal, parity_warning
from bot.i18n import Lines, Localizable, Raw, T
from bot.parsing import Choice, Day, Opt, Param, Slug, User
from bot.registry import STAFF, command
from bot.storage.tables import Person, WorkingGroup
from bot.storage.tables import Role as RoleRow
from bot.wording.colleges import college_text
from bot.wording.dates import end_of_day_note
from bot.wording.people import role_label, role_text, who

ROLE = Choice({Role.MEMBER: ("membre",), Role.COCHAIR: ("copresident", "co-chair", "copresidente", "copresidence"),
               Role.COMMITTEE: ("comite",), Role.SECRETARIAT: (),
               Role.OBSERVER: ("observateur", "observatrice", "observation"),
               Role.ADMIN: ()},
              T("a role: member, cochair, committee, secretariat, observer or admin"))


def end_of_day(day: date, ctx: Context) -> datetime:
    """A mandate `until=2026-06-30` lasts through that whole day, in the forum's time zone."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=ctx.config.tz)


@command("role", "role", help=T("give or end a role, with an optional mandate end"), roles=STAFF,
         usage=T("/role <user> <role> [group] [until=DATE] [college=…] [org=…] [end] — e.g. /role @bob member "
                 "open-data until=2026-06-30"),
         params=[Param("user", User()), Param("role", ROLE), Param("slug", Slug(), optional=True)],
         options=[Opt("until", "jusqua", Day(), aliases=("jusque", "fin-mandat")),
                  Opt("end", "fin", aliases=("revoke", "retirer")), COLLEGE_OPT, ORG_OPT])
async def role(ctx: Context, user: str, role: str, slug: str | None, until: date | None, end: bool,
               college: str | None, org: str | None) -> None:
    if role == Role.ADMIN and Role.ADMIN not in ctx.roles:  # a value-level check: the registry knows commands
        raise PermissionDenied(T("Only admins may give the admin role."))
    group: WorkingGroup | None = None
    if slug:
        group = ctx.group(slug)
    person = ctx.person_by_ref(user)
    if end:
        _end_role(ctx, person, role, group)
        return
    until_at = end_of_day(until, ctx) if until else None
    if until_at is not None and until_at <= ctx.now:
        raise UserError(T("The mandate end must be in the future."))
    warned = _college_and_parity(ctx, person, role, group, college, org)
    granted = grant(ctx.session, person, role, group, ctx.now, until_at, ctx.person)
    ctx.audit("role.grant", "person", person.id, role=role, group=slug,
              until=until_at.isoformat() if until_at else None)
    shown = college_text(person) if college or org else None
    ctx.reply(Lines([T("{who} is now {role}.", who=who(ctx.session, person.id or 0),
                       role=role_text(ctx.session, granted, ctx.lang.tz)),
                     T("College: {college}.", college=shown) if shown else None, warned,
                     end_of_day_note(until_at, ctx.config.timezone) if until_at else None]))


def _college_and_parity(ctx: Context, person: Person, role: str, group: WorkingGroup | None, college: str | None,
                        org: str | None) -> Localizable | None:
    warned = apply_college(ctx, person, college, org) if college or org else None
    if group is None:
        warned = warned or _parity(ctx, person, role=role)
    return warned


def _parity(ctx: Context, person: Person, *, role: str | None = None, ends: str | None = None) -> Localizable | None:
    try:
        return parity_warning(check_parity(ctx.uow, person.id or 0, role=role, ends=ends))
    except ParityRefused as refused:
        raise parity_refusal(refused) from None


def _end_role(ctx: Context, person: Person, role: str, group: WorkingGroup | None) -> None:
    target = who(ctx.session, person.id or 0)
    warned = _parity(ctx, person, ends=role) if group is None else None
    if not _revoke(ctx, person, role, group):
        raise UserError(T("{who} does not hold that role.", who=target))
    ctx.audit("role.end", "person", person.id, role=role, group=group.slug if group else None)
    of_group = T("of {group}", group=Raw(group.slug)) if group else None
    ended = Lines([role_label(role, person.address), of_group], sep=" ")
    ctx.reply(Lines([T("{who} is no longer {role}.", who=target, role=ended), warned]))



def _revoke(ctx: Context, person: Person, role: str, group: WorkingGroup | None) -> int:
    """End the role; refused, with the way out, when nobody would be left to manage roles."""
    try:
        return revoke(ctx.session, person, role, group, ctx.now)
    except LastAdmin:
        raise UserError(T("You are the last admin: ending your admin role would leave nobody able to give it. "
                          "Give the admin role to someone else first (/role @name admin).")
                        if person.id == ctx.person_id else
                        T("{who} is the last admin: ending that role would leave nobody able to give it. Give the "
                          "admin role to someone else first (/role @name admin).",
                          who=who(ctx.session, person.id or 0))) from None
    except NoRoleManagerLeft:
        raise UserError(T("Ending this role would leave nobody able to manage roles (an admin, the secretariat "
                          "or a co-chair). Give one of these roles to someone else first.")) from None


@command("members", "membres", help=T("who is who, with mandate ends"), usage=T("/members [group]"),
         params=[Param("slug", Slug(), optional=True)])
async def members(ctx: Context, slug: str | None) -> None:
    group = None
    if slug:
        group = ctx.group(slug)
    people = ctx.session.exec(select(Person).join(RoleRow, col(RoleRow.person_id) == col(Person.id)).distinct()
                              .order_by(Person.display_name)).all()
    rows: list[Localizable] = []
    for person in people:
        assert person.id is not None
        held = [r for r in active_roles(ctx.session, person.id, ctx.now)
                if group is None or r.group_id == group.id]
        if held:
            side = college_text(person)
            rows.append(Lines([T("• {who}: {roles}", who=who(ctx.session, person.id),
                                 roles=Lines([role_text(ctx.session, r, ctx.lang.tz) for r in held], sep=", ")),
                               Lines([Raw(" ("), side, Raw(")")], sep="") if side else None], sep=""))
    if not rows:
        ctx.reply(T("Nobody holds a role here yet."))
        return
    title = T("Members of {slug}:", slug=Raw(group.slug)) if group else T("Members of the forum:")
    ctx.reply(Lines([title, *rows]))
