"""/group add|list: the thematic working groups."""

from __future__ import annotations

from sqlmodel import select

from bot.context import Context
from bot.domain.people import group_by_slug
from bot.errors import UserError
from bot.i18n import Lines, Raw, T
from bot.parsing import Param, Slug, Text
from bot.registry import STAFF, command, registry
from bot.storage.tables import WorkingGroup

registry.add("group", "groupe", help=T("working groups"), usage=T("/group add <slug> <name> · /group list"))


@command("group add", "groupe ajouter", help=T("create a working group"), roles=STAFF,
         usage=T("/group add <slug> <name> — e.g. /group add open-data Open data and transparency"),
         params=[Param("slug", Slug()), Param("name", Text().with_expected(T("the group's name")))])
async def group_add(ctx: Context, slug: str, name: str) -> None:
    if group_by_slug(ctx.session, slug):
        raise UserError(T("The group {slug} already exists.", slug=Raw(slug)))
    if len(name) > 200:
        raise UserError(T("A group name is at most {limit} characters.", limit=200))
    group = WorkingGroup(slug=slug, name=name, created_at=ctx.now)
    ctx.session.add(group)
    ctx.session.flush()
    ctx.audit("group.add", "group", group.id, slug=slug, name=name)
    ctx.reply(T("Working group {slug} created: {name}.", slug=Raw(slug), name=Raw(name)))


@command("group list", "groupe liste", help=T("list the working groups"), usage=T("/group list"))
async def group_list(ctx: Context) -> None:
    groups = ctx.session.exec(select(WorkingGroup).order_by(WorkingGroup.slug)).all()
    if not groups:
        ctx.reply(T("There is no working group yet."))
        return
    ctx.reply(Lines([T("Working groups:"), *(Raw(f"• {g.slug} — {g.name}") for g in groups)]))
