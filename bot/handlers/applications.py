"""The call for applications: /apply, /applications, /accept, /decline."""

from __future__ import annotations

from sqlmodel import col, select

from bot.context import Context
from bot.domain.people import Role, grant
from bot.errors import UserError
from bot.handlers.colleges import COLLEGE_OPT, ORG_OPT, apply_college, college_of_word
from bot.i18n import Lines, Raw, T, When
from bot.parsing import Param, Ref, Slug, Text
from bot.registry import STAFF, command
from bot.storage.tables import Application, Person, WorkingGroup
from bot.wording.people import who

APPLICATION = Ref("A", T("an application id like A3"))


def _pending(ctx: Context, number: int) -> Application:
    application = ctx.session.get(Application, number)
    if application is None:
        raise UserError(T("There is no application A{id}. Send /applications to see them.", id=Raw(str(number))))
    if application.status != "pending":
        raise UserError(T("Application A{id} was already answered.", id=Raw(str(number))))
    return application


@command("apply", "candidater", help=T("answer the call for applications"),
         usage=T("/apply <text> [college=…] — e.g. /apply I lead an open-data association and would like to join "
                 "college=civil-society"),
         params=[Param("text", Text().with_expected(T("the text of your application")))], options=[COLLEGE_OPT])
async def apply(ctx: Context, text: str, college: str | None) -> None:
    if len(text) > 2000:
        raise UserError(T("An application is at most {limit} characters.", limit=2000))
    application = Application(person_id=ctx.person_id, text=text, created_at=ctx.now,
                              college=college_of_word(ctx, college) if college else None)
    ctx.session.add(application)
    ctx.session.flush()
    ctx.audit("application.submit", "application", application.id)
    ctx.reply(T("Thank you. Your application is A{id}; the secretariat will answer you in private.",
                id=Raw(str(application.id))))
    ctx.outbox.to_purpose("secretariat", T("New application A{id} from {who}: {text}", id=Raw(str(application.id)),
                                           who=who(ctx.session, ctx.person_id), text=Raw(text)),
                          kind="application_received", key=f"application:{application.id}:received")


@command("applications", "candidatures", help=T("the applications waiting for an answer"), roles=STAFF,
         usage=T("/applications"))
async def applications(ctx: Context) -> None:
    pending = ctx.session.exec(select(Application).where(Application.status == "pending")
                               .order_by(col(Application.id))).all()
    if not pending:
        ctx.reply(T("No application is waiting."))
        return
    ctx.reply(Lines([T("Applications waiting for an answer:"), *(
        T("• A{id} {who} ({when}): {text}", id=Raw(str(a.id)), who=who(ctx.session, a.person_id),
          when=When(a.created_at), text=Raw(a.text if a.college is None else f"{a.text} [{a.college}]"))
        for a in pending)]))


@command("accept", "accepter", help=T("accept an application"), roles=STAFF,
         usage=T("/accept A3 [group] [college=…] [org=…] — e.g. /accept A3 open-data college=civil-society"),
         params=[Param("number", APPLICATION), Param("slug", Slug(), optional=True)], options=[COLLEGE_OPT, ORG_OPT])
async def accept(ctx: Context, number: int, slug: str | None, college: str | None, org: str | None) -> None:
    application = _pending(ctx, number)
    group: WorkingGroup | None = None
    if slug:
        group = ctx.group(slug)
    applicant = ctx.session.get(Person, application.person_id)
    assert applicant is not None
    application.status, application.decided_at, application.decided_by = "accepted", ctx.now, ctx.person_id
    application.group_id = group.id if group else None
    chosen = college or application.college
    warned = apply_college(ctx, applicant, chosen, org) if chosen or org else None
    application.college = applicant.college
    grant(ctx.session, applicant, Role.MEMBER, group, ctx.now, None, ctx.person)
    ctx.audit("application.accept", "application", application.id, group=slug, college=applicant.college)
    ctx.reply(Lines([T("Application A{id} accepted.", id=Raw(str(number))), warned]))
    message = (T("Welcome! Your application A{id} was accepted: you are now a member of {group}.",
                 id=Raw(str(number)), group=Raw(group.slug)) if group else
               T("Welcome! Your application A{id} was accepted: you are now a member of the forum.",
                 id=Raw(str(number))))
    ctx.outbox.to_person(applicant, message, kind="application_outcome", key=f"application:{number}:outcome")


@command("decline", "refuser", help=T("decline an application, with the reason"), roles=STAFF,
         usage=T("/decline A3 <reason> — e.g. /decline A3 the call is for organisations only"),
         params=[Param("number", APPLICATION), Param("reason", Text().with_expected(T("the reason")))])
async def decline(ctx: Context, number: int, reason: str) -> None:
    application = _pending(ctx, number)
    applicant = ctx.session.get(Person, application.person_id)
    assert applicant is not None
    application.status, application.decided_at, application.decided_by = "declined", ctx.now, ctx.person_id
    application.reason = reason
    ctx.audit("application.decline", "application", application.id, reason=reason)
    ctx.reply(T("Application A{id} declined.", id=Raw(str(number))))
    ctx.outbox.to_person(applicant, T("Your application A{id} was not accepted. Reason: {reason}",
                                      id=Raw(str(number)), reason=Raw(reason)),
                         kind="application_outcome", key=f"application:{number}:outcome")
