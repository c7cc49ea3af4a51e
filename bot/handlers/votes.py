"""Votes: /vote open, /vote V3 yes|no|abstain, /vote close, /vote status, /votes, and the private ballot."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlmodel import Session, col, select

from bot.calendar_feed import CalendarEvent, calendar_source
from bot.config import Config
from bot.context import Context
from bot.domain.people import group_slug
from bot.domain.proposals import SETTLED, ProposalStatus
from bot.domain.visibility import counts_visible
from bot.domain.votes import VoteKind, VoteStatus, ballots, lookups
from bot.domain.votes.closing import close_vote
from bot.domain.votes.electorate import NobodyMayVote, NobodyPresent
from bot.domain.votes.opening import Where, open_motion
from bot.errors import UserError
from bot.exports import Row, exporter
from bot.handlers.decisions import person_name
from bot.handlers.help import start_handler
from bot.handlers.proposals import get_proposal
from bot.handlers.vote_cast import check_may_vote, deadline_line
from bot.handlers.vote_colleges import ELECTORATE_OPT, QUORUM_EACH_OPT, attendance, college_rules
from bot.handlers.vote_options import (
    BODY_OPT,
    CLOSES_OPT,
    QUORUM_OPT,
    VOTE,
    MajorityKind,
    announce_opened,
    closing_time,
    get_vote,
    nobody_may_vote,
    resolve_body,
)
from bot.handlers.whoami import whoami_sections
from bot.i18n import TN, Lines, Localizable, Raw, T, When
from bot.parsing import Opt, Param, Ref
from bot.registry import CHAIRS, command
from bot.storage.tables import Decision, Person, Vote
from bot.wording.people import who
from bot.wording.proposals import PROPOSAL_STATUS, tell_author
from bot.wording.votes import (
    OUTCOME_LABELS,
    ballot_payload,
    body_label,
    how_to_vote,
    names,
    pid,
    post_result,
    rules_text,
    turnout_text,
    vid,
)

DEFAULT_CLOSES = timedelta(days=7)
@command("vote open", "voter ouvrir", help=T("put a proposal to the vote"), roles=CHAIRS,
         usage=T("/vote open P7 [body=committee|group|plenary] [closes=7d|DATE] [quorum=50%] [quorum-each=40%] "
                 "[majority=simple|absolute|2/3|double|consensus] [electorate=present] [secret]"),
         params=[Param("number", Ref("P", T("a proposal id like P7")))],
         options=[BODY_OPT, CLOSES_OPT, QUORUM_OPT, Opt("majority", "majorite", MajorityKind()),
                  Opt("secret", "secret", aliases=("secrete",)), QUORUM_EACH_OPT, ELECTORATE_OPT])
async def vote_open(ctx: Context, number: int, body: str | None, closes: timedelta | datetime | None,
                    quorum: Fraction | None, majority: str | None, secret: bool, quorum_each: Fraction | None,
                    electorate: str | None) -> None:
    proposal = get_proposal(ctx.session, number)
    if proposal.status == ProposalStatus.VOTING:
        raise UserError(T("Proposal {ref} is already being voted on.", ref=pid(number)))
    if proposal.status in SETTLED:
        raise UserError(T("Proposal {ref} is {status}: that is final. A co-chair may reopen it, with the reason, "
                          "before it is put to the vote again: /reopen {ref} <reason>.", ref=pid(number),
                          status=PROPOSAL_STATUS[proposal.status]))
    chosen_body, group_id = resolve_body(ctx, body, proposal.group_id)
    present = attendance(ctx, electorate)
    where = Where(chosen_body, group_id, closing_time(ctx, closes, DEFAULT_CLOSES), quorum,
                  present.present if present and present.counted else None)
    try:
        opened = open_motion(ctx.uow, proposal, where, majority, secret, ctx.person_id)
    except NobodyMayVote as refused:
        raise nobody_may_vote(ctx, refused) from None
    except NobodyPresent as refused:
        raise UserError(T("None of those recorded present (#here) may vote in {body}.",
                          body=body_label(ctx.session, refused.body, refused.group_id))) from None
    opened = college_rules(ctx, opened, quorum_each, present)
    vote = opened.vote
    announce_opened(ctx, opened)
    assert opened.event is not None
    tell_author(ctx.session, ctx.outbox, proposal, opened.event,
                T("Your proposal {ref} is put to the vote {vote} by {body}; it closes {when}.", ref=pid(number),
                  vote=vid(vote.id), body=body_label(ctx.session, vote.body, vote.group_id),
                  when=When(vote.closes_at)))
    ctx.reply(TN("Vote {ref} is open on {proposal}: {n} person may vote until {when}.",
                 "Vote {ref} is open on {proposal}: {n} people may vote until {when}.", opened.electorate,
                 ref=vid(vote.id), proposal=pid(number), when=When(vote.closes_at)))


# --------------------------------------------------------------------------- closing and status


@command("vote close", "voter clore", help=T("close a vote now and count it"), roles=CHAIRS,
         usage=T("/vote close V3"), params=[Param("number", VOTE)])
async def vote_close(ctx: Context, number: int) -> None:
    vote = get_vote(ctx.session, number)
    closed = close_vote(ctx.uow, vote, ctx.person_id)
    if closed is None:
        raise UserError(T("Vote {ref} is already closed.", ref=vid(number)))
    post_result(ctx.session, ctx.outbox, closed)
    if ctx.room not in lookups.body_rooms(ctx.outbox, vote):
        ctx.reply(T("Vote {ref} is closed; the result is posted in the rooms of {body}.", ref=vid(number),
                    body=body_label(ctx.session, vote.body, vote.group_id)))


def _open_status(ctx: Context, vote: Vote, electorate: int, cast: int) -> list[Localizable | None]:
    parts: list[Localizable | None] = [T("Open until {when}; {turnout}.", when=When(vote.closes_at),
                                         turnout=turnout_text(cast, electorate))]
    if vote.kind == VoteKind.MOTION and counts_visible(vote):
        counts = ballots.running_counts(ctx.session, vote)
        parts.append(T("So far: yes {yes} · no {no} · abstentions {abstain}.", **counts))
    elif vote.secret:
        parts.append(T("The choices of a secret vote are counted only when it closes."))
    mine = lookups.has_voted(ctx.session, vote, ctx.person_id)
    if lookups.is_eligible(ctx.session, vote, ctx.person_id):
        parts.append(T("You have voted.") if mine else T("You have not voted yet."))
    return parts


def _closed_status(ctx: Context, vote: Vote, electorate: int, cast: int) -> list[Localizable | None]:
    result = vote.result or {}
    if vote.status == VoteStatus.CANCELLED:
        return [T("Cancelled {when} by {who}: {reason}", when=When(vote.closed_at or vote.closes_at),
                  who=who(ctx.session, vote.closed_by or 0), reason=Raw(str(result.get("reason", ""))))]
    parts: list[Localizable | None] = [T("Closed {when}; {turnout}.", when=When(vote.closed_at or vote.closes_at),
                                         turnout=turnout_text(int(result.get("cast", cast)), electorate))]
    outcome = result.get("outcome")
    if vote.kind == VoteKind.MOTION:
        parts.append(Lines([OUTCOME_LABELS.get(str(outcome), Raw(str(outcome))), Raw(" — "),
                            T("Yes: {yes} · No: {no} · Abstentions: {abstain}", yes=result.get("yes", 0),
                              no=result.get("no", 0), abstain=result.get("abstain", 0))], sep=""))
    elif outcome == "tie" and vote.status == VoteStatus.TIE:
        parts.append(T("Tie for the last seat, waiting for the co-chairs: {names}.",
                       names=names(ctx.session, list(result.get("tied", [])))))
    elif outcome == "no_quorum":
        parts.append(OUTCOME_LABELS["no_quorum"])
    else:
        parts.append(T("Elected: {names}.", names=names(ctx.session, list(result.get("elected", [])))))
    return parts


@command("vote status", "voter etat", help=T("turnout and state of a vote"), usage=T("/vote status V3"),
         params=[Param("number", VOTE)])
async def vote_status(ctx: Context, number: int) -> None:
    vote = get_vote(ctx.session, number)
    assert vote.id is not None
    electorate = len(lookups.electorate_ids(ctx.session, vote.id))
    cast = len(lookups.participants(ctx.session, vote.id))
    head = T("Election {ref}: {title}", ref=vid(vote.id), title=Raw(vote.title)) \
        if vote.kind == VoteKind.ELECTION else T("Vote {ref}: {title}", ref=vid(vote.id), title=Raw(vote.title))
    status = _open_status if vote.status == VoteStatus.OPEN else _closed_status
    ctx.reply(Lines([head, rules_text(ctx.session, vote, electorate), *status(ctx, vote, electorate, cast)]))


@command("votes", "votes", help=T("the open votes"), usage=T("/votes"))
async def votes(ctx: Context) -> None:
    rows = lookups.open_votes(ctx.session)
    if not rows:
        ctx.reply(T("No vote is open."))
        return
    lines: list[Localizable] = [T("Open votes:")]
    for vote in rows:
        assert vote.id is not None
        electorate = len(lookups.electorate_ids(ctx.session, vote.id))
        cast = len(lookups.participants(ctx.session, vote.id))
        eligible = lookups.is_eligible(ctx.session, vote, ctx.person_id)
        mine = lookups.has_voted(ctx.session, vote, ctx.person_id)
        lines.append(Lines([
            Raw(f"• V{vote.id} "), Raw(vote.title), Raw(" — "), body_label(ctx.session, vote.body, vote.group_id),
            Raw(", "), T("closes {when}", when=When(vote.closes_at)), Raw(", "), turnout_text(cast, electorate),
            Raw(" — ") if eligible else None,
            (T("you have voted") if mine else T("you have not voted")) if eligible else None], sep=""))
    ctx.reply(Lines(lines))


# --------------------------------------------------------------------------- private ballot, /whoami


@start_handler("vote")
async def start_vote(ctx: Context, rest: str) -> None:
    """`/start vote_V3` (a Telegram deep link from a private button): the ballot, in private."""
    try:
        number = VOTE.convert(rest)
    except ValueError:
        raise UserError(T("“{value}” is not {expected}.", value=Raw(rest), expected=VOTE.expected)) from None
    vote = get_vote(ctx.session, number)
    check_may_vote(ctx, vote)
    ctx.reply_private(Lines([T("Your ballot in {ref}: {title}", ref=vid(number), title=Raw(vote.title)),
                             how_to_vote(ctx.session, vote), deadline_line(vote)]),
                      extras=ballot_payload(vote, ctx.lang, ctx.session))


def pending_votes_section(ctx: Context) -> Localizable | None:
    waiting = [v for v in lookups.open_votes(ctx.session)
               if lookups.is_eligible(ctx.session, v, ctx.person_id)
               and not lookups.has_voted(ctx.session, v, ctx.person_id)]
    if not waiting:
        return None
    return Lines([T("Votes waiting for your ballot:"), *(
        Lines([Raw(f"• V{v.id} "), Raw(v.title), Raw(" — "), T("closes {when}", when=When(v.closes_at))], sep="")
        for v in waiting)])


whoami_sections.append(pending_votes_section)


# --------------------------------------------------------------------------- export, calendar


@exporter("votes", ("id", "kind", "title", "proposal", "body", "group", "opens_at", "closes_at", "closed_at",
                    "status", "secret", "quorum", "majority", "seats", "term_months", "candidates", "electorate",
                    "cast", "turnout", "votes_for", "votes_against", "abstentions", "outcome", "elected",
                    "tie", "settled_by", "decision", "by_college", "proxies"))
def export_votes(session: Session, config: Config, now: datetime) -> list[Row]:
    return [_export_row(session, vote) for vote in session.exec(select(Vote).order_by(col(Vote.id))).all()]


def _export_row(session: Session, vote: Vote) -> Row:
    assert vote.id is not None
    electorate = len(lookups.electorate_ids(session, vote.id))
    cast = len(lookups.participants(session, vote.id))
    result: dict[str, Any] = vote.result or {}
    decision = session.exec(select(Decision).where(Decision.vote_id == vote.id)).first()
    counts: dict[str, Any] = {}
    if vote.kind == VoteKind.MOTION and counts_visible(vote):
        counts = result if vote.status != VoteStatus.OPEN else ballots.running_counts(session, vote)
    return {
        "id": f"V{vote.id}", "kind": vote.kind, "title": vote.title,
        "proposal": f"P{vote.proposal_id}" if vote.proposal_id else None, "body": vote.body,
        "group": group_slug(session, vote.group_id), "opens_at": vote.opens_at, "closes_at": vote.closes_at,
        "closed_at": vote.closed_at, "status": vote.status, "secret": vote.secret,
        "quorum": float(Fraction(vote.quorum)) if vote.quorum else None, "majority": vote.majority,
        "seats": vote.seats, "term_months": vote.term_months,
        "candidates": [_name(session, c) for c in vote.candidates or []] or None, "electorate": electorate,
        "cast": cast, "turnout": round(cast / electorate, 4) if electorate else 0,
        "votes_for": counts.get("yes"), "votes_against": counts.get("no"), "abstentions": counts.get("abstain"),
        "elected": [_name(session, c) for c in result.get("elected", [])] or None,
        **_decision_fields(session, vote, decision),
        "by_college": result.get("by_college"), "proxies": result.get("proxies"),
    }


def _decision_fields(session: Session, vote: Vote, decision: Decision | None) -> Row:
    """The export's fields that come from the vote's decision (or, before one, from the vote)."""
    if decision is None:
        return {"outcome": (vote.result or {}).get("outcome"), "tie": vote.status == VoteStatus.TIE,
                "settled_by": None, "decision": None}
    return {"outcome": decision.outcome, "tie": decision.tie, "settled_by": person_name(session, decision.settled_by),
            "decision": f"D{decision.id}"}


def _name(session: Session, person_id: int) -> str:
    person = session.get(Person, person_id)
    return person.display_name if person else "?"


@calendar_source
def vote_deadlines(session: Session, now: datetime) -> list[CalendarEvent]:
    return [CalendarEvent(uid=f"vote-{v.id}@forum-bot", title=f"V{v.id} — {v.title}", start=v.closes_at,
                          description=f"Vote V{v.id} closes ({v.body})", group_id=v.group_id)
            for v in session.exec(select(Vote).where(Vote.status == VoteStatus.OPEN).order_by(col(Vote.id))).all()]
