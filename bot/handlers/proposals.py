"""Proposals: /propose, /proposals, /proposal, /withdraw, /answer (the reasoned response OGP asks for)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.context import Context
from bot.domain import proposals as domain
from bot.domain.proposals import ProposalRefused, ProposalStatus
from bot.domain.votes import VoteStatus
from bot.errors import UserError
from bot.i18n import Lines, Localizable, Raw, T, When
from bot.parsing import Choice, Param, Ref, Text
from bot.registry import CHAIRS, command
from bot.storage.tables import Proposal, ProposalEvent, WorkingGroup
from bot.wording.history import event_text
from bot.wording.people import who
from bot.wording.proposals import ANSWER_LABELS, PROPOSAL_STATUS, tell_author
from bot.wording.votes import OUTCOME_LABELS, body_label, did, pid, vid

PROPOSAL = Ref("P", T("a proposal id like P7"))
WHICH = Choice({"open": ("ouvertes", "ouverts", "en-cours"), "all": ("toutes", "tous", "tout")}, T("open or all"))
ANSWER = Choice({"accepted": ("acceptee", "accepte", "accept"), "rejected": ("rejetee", "rejete", "reject"),
                 "evaluating": ("en-cours", "evaluation", "en-evaluation")},
                T("accepted, rejected or evaluating"))
MAX_TITLE = 200


def get_proposal(session: Session, number: int) -> Proposal:
    proposal = session.get(Proposal, number)
    if proposal is None:
        raise UserError(T("There is no proposal P{id}. Send /proposals to see them.", id=Raw(str(number))))
    return proposal


@command("propose", "proposer", help=T("bring a new proposal"),
         usage=T("/propose <title> [| description] — e.g. /propose Publish the minutes | within two weeks"),
         params=[Param("text", Text().with_expected(T("the title of your proposal")))])
async def propose(ctx: Context, text: str) -> None:
    title, _, description = (part.strip() for part in text.partition("|"))
    if not title:
        raise UserError(T("A proposal needs a title before the |."))
    if len(title) > MAX_TITLE or len(description) > 2000:
        raise UserError(T("A title is at most {title} characters and a description at most {text}.",
                          title=MAX_TITLE, text=2000))
    group_id = ctx.room.group_id if ctx.room.purpose == "group" else None
    proposal = domain.submit(ctx.uow, ctx.person_id, group_id, title, description or None)
    group = ctx.session.get(WorkingGroup, group_id) if group_id else None
    ctx.reply(Lines([
        T("Proposal {ref} recorded: {title}", ref=pid(proposal.id), title=Raw(title)),
        T("It belongs to the working group {slug}.", slug=Raw(group.slug)) if group else None,
        T("The co-chairs will answer it or put it to a vote; I will keep you informed."),
    ]))


def _line(ctx: Context, proposal: Proposal) -> Lines:
    group = ctx.session.get(WorkingGroup, proposal.group_id) if proposal.group_id else None
    return Lines([Raw(f"• P{proposal.id} "), Raw(proposal.title), Raw(" — "), who(ctx.session, proposal.author_id),
                  Raw(f", {group.slug}") if group else None, Raw(", "), PROPOSAL_STATUS[proposal.status]], sep="")


@command("proposals", "propositions", help=T("the proposals (open ones, or all)"),
         usage=T("/proposals [open|all]"), params=[Param("which", WHICH, optional=True)])
async def proposals(ctx: Context, which: str | None) -> None:
    rows = domain.list_proposals(ctx.session, only_open=which != "all")
    if not rows:
        ctx.reply(T("No open proposal. Send /propose <title> to bring one.") if which != "all" else
                  T("No proposal yet. Send /propose <title> to bring one."))
        return
    title = T("All proposals:") if which == "all" else T("Open proposals:")
    ctx.reply(Lines([title, *(_line(ctx, p) for p in rows)]))


def _event_text(ctx: Context, event: ProposalEvent) -> Localizable:
    return event_text(event, who(ctx.session, event.person_id) if event.person_id else Raw("—"))


@command("proposal", "proposition", help=T("a proposal with its history"), usage=T("/proposal P7"),
         params=[Param("number", PROPOSAL)])
async def proposal(ctx: Context, number: int) -> None:
    found = get_proposal(ctx.session, number)
    events = domain.history(ctx.session, number)
    votes = domain.votes_on(ctx.session, number)
    group = ctx.session.get(WorkingGroup, found.group_id) if found.group_id else None
    parts: list[Localizable | None] = [
        T("Proposal {ref}: {title}", ref=pid(found.id), title=Raw(found.title)),
        Raw(found.description) if found.description else None,
        T("By {who}, {when}.", who=who(ctx.session, found.author_id), when=When(found.created_at)),
        T("Working group: {slug}.", slug=Raw(group.slug)) if group else None,
        T("Status: {status}.", status=PROPOSAL_STATUS[found.status]),
        T("Answer: {answer} — {reason}", answer=ANSWER_LABELS[found.answer], reason=Raw(found.answer_reason or ""))
        if found.answer else None,
    ]
    for vote in votes:
        body = body_label(ctx.session, vote.body, vote.group_id)
        parts.append(T("Vote {ref} ({body}): open until {when}.", ref=vid(vote.id), body=body,
                       when=When(vote.closes_at)) if vote.status == VoteStatus.OPEN else
                     T("Vote {ref} ({body}): closed {when}.", ref=vid(vote.id), body=body,
                       when=When(vote.closed_at or vote.closes_at)))
    decision = domain.last_decision(ctx.session, number)
    if decision is not None:
        parts.append(T("Decision {ref}: {outcome}.", ref=did(decision.id), outcome=OUTCOME_LABELS[decision.outcome]))
    parts.append(T("History:"))
    parts.extend(Lines([Raw("• "), When(e.at), Raw(" — "), _event_text(ctx, e)], sep="") for e in events)
    ctx.reply(Lines(parts))


def _refusing(change: Callable[[], ProposalEvent], *, withdrawn: T, otherwise: T) -> ProposalEvent:
    """Make the change; the domain's refusal becomes `withdrawn` (the proposal was withdrawn) or `otherwise`."""
    try:
        return change()
    except ProposalRefused as refused:
        raise UserError(withdrawn if refused.status == ProposalStatus.WITHDRAWN else otherwise) from None


@command("withdraw", "retirer", help=T("withdraw a proposal (its author or a co-chair, before any vote)"),
         usage=T("/withdraw P7"), params=[Param("number", PROPOSAL)])
async def withdraw(ctx: Context, number: int) -> None:
    found = get_proposal(ctx.session, number)
    if found.author_id != ctx.person_id:
        ctx.require_role("cochair")
    event = _refusing(lambda: domain.withdraw(ctx.uow, found, ctx.person_id),
                      withdrawn=T("Proposal {ref} is already withdrawn.", ref=pid(number)),
                      otherwise=T("Proposal {ref} can no longer be withdrawn: a vote was opened on it.",
                                  ref=pid(number)))
    tell_author(ctx.session, ctx.outbox, found, event,
                T("Your proposal {ref} was withdrawn by {who}.", ref=pid(number), who=who(ctx.session, ctx.person_id)))
    ctx.reply(T("Proposal {ref} is withdrawn.", ref=pid(number)))


@command("answer", "repondre", help=T("give the reasoned answer to a proposal"), roles=CHAIRS,
         usage=T("/answer P7 accepted|rejected|evaluating <reason> — e.g. /answer P7 accepted it will be in "
                 "the next action plan"),
         params=[Param("number", PROPOSAL), Param("answer", ANSWER),
                 Param("reason", Text().with_expected(T("the reason for the answer (it is required)")))])
async def answer(ctx: Context, number: int, answer: str, reason: str) -> None:
    found = get_proposal(ctx.session, number)
    event = _refusing(lambda: domain.answer(ctx.uow, found, answer, reason, ctx.person_id),
                      withdrawn=T("Proposal {ref} was withdrawn.", ref=pid(number)),
                      otherwise=T("Proposal {ref} is being voted on; answer it once the vote is closed.",
                                  ref=pid(number)))
    tell_author(ctx.session, ctx.outbox, found, event,
                Lines([T("Your proposal {ref} has an answer: {answer}.", ref=pid(number),
                         answer=ANSWER_LABELS[answer]), T("Reason: {reason}", reason=Raw(reason))]))
    ctx.reply(T("Proposal {ref}: answer recorded ({answer}); its author is told.", ref=pid(number),
                answer=ANSWER_LABELS[answer]))
