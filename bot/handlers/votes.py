"""Votes: /vote open, /vote V3 yes|no|abstain, /vote close, /vote status, /votes, and the private ballot."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlmodel import Session, col, select

from bot.calendar_feed import CalendarEvent, calendar_source
from bot.config import Config
from bot.context import Context
from bot.errors import ArgError, UserError
from bot.exports import Row, exporter
from bot.handlers import voting
from bot.handlers.help import start_handler
from bot.handlers.voting import (
    announce,
    body_label,
    get_proposal,
    get_vote,
    pid,
    proposal_event,
    vid,
)
from bot.handlers.whoami import whoami_sections
from bot.i18n import Lines, Localizable, Raw, T, When
from bot.parsing import Choice, Deadline, Kind, Opt, Param, Ref, Share, Text, Users
from bot.people import group_slug, who
from bot.registry import CHAIRS, command
from bot.rules.tally import parse_majority
from bot.storage.tables import Electorate, Participation, Person, Vote

VOTE = Ref("V", T("a vote id like V3"))
BODY = Choice({"committee": ("comite",), "group": ("groupe",), "plenary": ("pleniere",)},
              T("committee, group or plenary"))
CHOICE = Choice({"yes": ("pour", "oui"), "no": ("contre", "non"), "abstain": ("abstention", "abstiens")},
                T("yes, no or abstain"))
WITHDRAW_WORDS = ("withdraw", "retirer", "retrait")
DEFAULT_CLOSES = timedelta(days=7)
MAX_OPEN = timedelta(days=366)


class MajorityKind(Kind):
    """simple, absolute or 2/3, in English or French (the rule's own parser)."""

    expected = T("simple, absolute or 2/3")

    def convert(self, text: str) -> str:
        return parse_majority(text)


BODY_OPT = Opt("body", "instance", BODY, aliases=("organe",))
CLOSES_OPT = Opt("closes", "cloture", Deadline(), aliases=("closing", "fin"))
QUORUM_OPT = Opt("quorum", "quorum", Share())


def closing_time(ctx: Context, closes: timedelta | datetime | None, default: timedelta) -> datetime:
    if closes is None:
        moment = ctx.now + default
    elif isinstance(closes, timedelta):
        moment = ctx.now + closes
    else:
        moment = closes.replace(tzinfo=ctx.lang.tz)
    if moment <= ctx.now:
        raise UserError(T("The closing time must be in the future."))
    if moment - ctx.now > MAX_OPEN:
        raise UserError(T("A vote stays open at most a year."))
    return moment.astimezone(ctx.now.tzinfo)


def resolve_body(ctx: Context, body: str | None, group_id: int | None) -> tuple[str, int | None]:
    """The body that votes: as asked, else the room's; a group vote needs a group."""
    if body is None:
        purpose = ctx.room.purpose
        if purpose in ("committee", "plenary"):
            return purpose, None
        if purpose == "group" and ctx.room.group_id:
            return "group", ctx.room.group_id
        if group_id:
            return "group", group_id
        raise UserError(T("Say which body votes: body=committee, body=group or body=plenary "
                          "(this room is not a group, committee or plenary room)."))
    if body == "group":
        chosen = group_id or (ctx.room.group_id if ctx.room.purpose == "group" else None)
        if chosen is None:
            raise UserError(T("A group vote needs a group: bring the proposal from the group's room, or open "
                              "the vote there."))
        return "group", chosen
    return body, None


def open_vote(ctx: Context, vote: Vote) -> int:
    """Freeze the electorate, announce; returns the electorate's size."""
    ctx.session.add(vote)
    ctx.session.flush()
    assert vote.id is not None
    electorate = voting.electorate_of(ctx.session, vote.body, vote.group_id, ctx.now)
    if not electorate:
        raise UserError(T("Nobody may vote in {body} yet: give members their roles first (/role).",
                          body=body_label(ctx.session, vote.body, vote.group_id)))
    for person_id in electorate:
        ctx.session.add(Electorate(vote_id=vote.id, person_id=person_id))
    ctx.session.flush()
    rooms = announce(ctx.session, ctx.config, ctx.outbox, vote, len(electorate))
    if not rooms:
        ctx.reply(T("No room is set for {body}: I could not announce the vote. Set one with /room, or pass "
                    "the word yourself.", body=body_label(ctx.session, vote.body, vote.group_id)))
    return len(electorate)


@command("vote open", "voter ouvrir", help=T("put a proposal to the vote"), roles=CHAIRS,
         usage=T("/vote open P7 [body=committee|group|plenary] [closes=7d|DATE] [quorum=50%] "
                 "[majority=simple|absolute|2/3] [secret]"),
         params=[Param("number", Ref("P", T("a proposal id like P7")))],
         options=[BODY_OPT, CLOSES_OPT, QUORUM_OPT, Opt("majority", "majorite", MajorityKind()),
                  Opt("secret", "secret", aliases=("secrete",))])
async def vote_open(ctx: Context, number: int, body: str | None, closes: timedelta | datetime | None,
                    quorum: Fraction | None, majority: str | None, secret: bool) -> None:
    proposal = get_proposal(ctx.session, number)
    if proposal.status == "voting":
        raise UserError(T("Proposal {ref} is already being voted on.", ref=pid(number)))
    if proposal.status == "withdrawn":
        raise UserError(T("Proposal {ref} was withdrawn.", ref=pid(number)))
    chosen_body, group_id = resolve_body(ctx, body, proposal.group_id)
    vote = Vote(kind="motion", proposal_id=proposal.id, title=proposal.title, body=chosen_body, group_id=group_id,
                opened_by=ctx.person_id, opens_at=ctx.now, closes_at=closing_time(ctx, closes, DEFAULT_CLOSES),
                quorum=str(quorum) if quorum else None, majority=majority or "simple", secret=secret,
                salt=voting.new_salt() if secret else None)
    size = open_vote(ctx, vote)
    proposal.status = "voting"
    ctx.audit("vote.open", "vote", vote.id, proposal=number, body=chosen_body, group_id=group_id,
              closes_at=vote.closes_at.isoformat(), quorum=vote.quorum, majority=vote.majority, secret=secret,
              electorate=size)
    proposal_event(ctx.session, ctx.outbox, ctx.now, proposal, "vote_opened",
                   T("Your proposal {ref} is put to the vote {vote} by {body}; it closes {when}.", ref=pid(number),
                     vote=vid(vote.id), body=body_label(ctx.session, vote.body, vote.group_id),
                     when=When(vote.closes_at)), ctx.person_id, vote_id=vote.id)
    ctx.reply(T("Vote {ref} is open on {proposal}: {n} people may vote until {when}.", ref=vid(vote.id),
                proposal=pid(number), n=size, when=When(vote.closes_at)))


# --------------------------------------------------------------------------- casting


def _not_eligible(ctx: Context, vote: Vote) -> UserError:
    body = body_label(ctx.session, vote.body, vote.group_id)
    if ctx.has_role("observer") and not ctx.roles & {"member", "cochair", "committee"}:
        return UserError(T("Observers do not vote. Vote {ref} is for {body}.", ref=vid(vote.id), body=body))
    return UserError(T("You are not in the electorate of {ref}: it was fixed when the vote opened ({when}) as "
                       "the members of {body} holding a voting role then.", ref=vid(vote.id),
                       when=When(vote.opens_at), body=body))


def _parse_election(ctx: Context, vote: Vote, text: str) -> list[int]:
    candidates = list(vote.candidates or [])
    words = text.split()
    if len(words) == 1 and words[0].lower() in ("abstain", "abstention", "blank", "blanc"):
        return []
    relative = all(w[:1] in "+-" for w in words)
    current: list[int] = []
    if relative:
        previous = voting.current_choice(ctx.session, vote, ctx.person_id, ctx.config.ballot_key)
        current = json.loads(previous) if previous else []
    try:
        handles = Users().convert(" ".join(w.lstrip("+-") if relative else w for w in words))
    except ValueError as exc:
        raise ArgError(T("“{value}” is not {expected}.", value=Raw(text), expected=Users.expected)) from exc
    chosen = list(current)
    for word, handle in zip(words, handles, strict=True):
        person = ctx.person_by_ref(handle)
        if person.id not in candidates:
            raise UserError(T("{who} is not a candidate in {ref}. Candidates: {names}.", who=who(ctx.session,
                              person.id or 0), ref=vid(vote.id), names=voting.names(ctx.session, candidates)))
        assert person.id is not None
        if relative and word.startswith("-"):
            chosen = [c for c in chosen if c != person.id]
        elif person.id in chosen and not relative:
            raise UserError(T("You named {who} twice.", who=who(ctx.session, person.id)))
        elif person.id not in chosen:
            chosen.append(person.id)
    if len(chosen) > (vote.seats or 1):
        raise UserError(T("You may approve at most {seats} candidates in {ref}.", seats=vote.seats or 1,
                          ref=vid(vote.id)))
    return sorted(chosen)


def _deadline_line(vote: Vote) -> T:
    return T("You can change it until {when}.", when=When(vote.closes_at))


@command("vote", "voter", help=T("vote, and manage votes"),
         usage=T("/vote V3 yes|no|abstain [reason] · /vote V3 withdraw · /vote V5 @a @b (election) · "
                 "/vote open P7 … · /vote close V3 · /vote status V3"),
         params=[Param("number", VOTE), Param("ballot", Text().with_expected(T("your choice: yes, no or abstain")),
                                              optional=True)])
async def vote_cast(ctx: Context, number: int, ballot: str | None) -> None:
    vote = get_vote(ctx.session, number)
    if ballot is None:
        raise ArgError(T("Missing {what}.", what=T("your choice: yes, no or abstain") if vote.kind == "motion"
                         else T("the candidates you approve, like @alice @bob")))
    first, _, rest = ballot.partition(" ")
    withdrawing = first.lower() in WITHDRAW_WORDS and not rest.strip()
    if vote.secret and not ctx.room.is_private:
        if withdrawing:
            raise UserError(T("Vote {ref} is secret: send /vote {ref} withdraw to me in a private chat.",
                              ref=vid(number)))
        raise UserError(T("Vote {ref} is secret: your ballot was NOT recorded, and the choice you wrote here was "
                          "visible to this room. Send it to me in a private chat: /vote {ref} …", ref=vid(number)))
    if vote.status != "open":
        raise UserError(T("Vote {ref} is closed; ballots can no longer be cast or changed.", ref=vid(number)))
    if not voting.is_eligible(ctx.session, vote, ctx.person_id):
        raise _not_eligible(ctx, vote)
    if withdrawing:
        if not voting.withdraw_ballot(ctx.session, vote, ctx.person_id, ctx.config.ballot_key):
            raise UserError(T("You have no ballot in {ref}.", ref=vid(number)))
        ctx.audit("vote.withdraw_ballot", "vote", number)
        ctx.reply(T("Your ballot in {ref} is withdrawn.", ref=vid(number)))
        return
    reason: str | None = None
    if vote.kind == "election":
        chosen = _parse_election(ctx, vote, ballot)
        choice = json.dumps(chosen)
    else:
        try:
            choice = CHOICE.convert(first)
        except ValueError as exc:
            raise ArgError(T("“{value}” is not {expected}.", value=Raw(first), expected=CHOICE.expected)) from exc
        reason = rest.strip() or None
    changed = voting.record_ballot(ctx.session, vote, ctx.person_id, choice, None if vote.secret else reason,
                                   ctx.now, ctx.config.ballot_key)
    if vote.secret:
        ctx.audit("vote.participate", "vote", number, changed=changed)
        ctx.reply(Lines([T("Your secret ballot in {ref} is changed.", ref=vid(number)) if changed else
                         T("Your secret ballot in {ref} is recorded.", ref=vid(number)),
                         T("Nobody, not even the bot's operators, can link it to you once the vote closes."),
                         T("Reasons are not kept in a secret vote.") if reason else None,
                         _deadline_line(vote)]))
        return
    ctx.audit("vote.ballot", "vote", number, choice=choice, reason=reason, changed=changed)
    shown: Localizable = (voting.names(ctx.session, json.loads(choice)) or T("nobody")) \
        if vote.kind == "election" else CHOICE_LABELS[choice]
    ctx.reply(Lines([T("Your ballot in {ref} is changed: {choice}.", ref=vid(number), choice=shown) if changed else
                     T("Your ballot in {ref} is recorded: {choice}.", ref=vid(number), choice=shown),
                     _deadline_line(vote)]))


CHOICE_LABELS = {"yes": T("yes"), "no": T("no"), "abstain": T("abstain")}


# --------------------------------------------------------------------------- closing and status


@command("vote close", "voter clore", help=T("close a vote now and count it"), roles=CHAIRS,
         usage=T("/vote close V3"), params=[Param("number", VOTE)])
async def vote_close(ctx: Context, number: int) -> None:
    vote = get_vote(ctx.session, number)
    closed = voting.close_vote(ctx.session, ctx.config, ctx.outbox, ctx.now, vote, ctx.person_id)
    if closed is None:
        raise UserError(T("Vote {ref} is already closed.", ref=vid(number)))
    if ctx.room not in voting.body_rooms(ctx.outbox, vote):
        ctx.reply(T("Vote {ref} is closed; the result is posted in the rooms of {body}.", ref=vid(number),
                    body=body_label(ctx.session, vote.body, vote.group_id)))


def _status_lines(ctx: Context, vote: Vote) -> list[Localizable | None]:
    assert vote.id is not None
    electorate = len(voting.electorate_ids(ctx.session, vote.id))
    cast = len(voting.participants(ctx.session, vote.id))
    head = T("Election {ref}: {title}", ref=vid(vote.id), title=Raw(vote.title)) if vote.kind == "election" \
        else T("Vote {ref}: {title}", ref=vid(vote.id), title=Raw(vote.title))
    parts: list[Localizable | None] = [head, voting.rules_text(ctx.session, vote, electorate)]
    if vote.status == "open":
        parts.append(T("Open until {when}; {turnout}.", when=When(vote.closes_at),
                       turnout=voting.turnout_text(cast, electorate)))
        if vote.kind == "motion" and not vote.secret:
            counts = voting.running_counts(ctx.session, vote)
            parts.append(T("So far: yes {yes} · no {no} · abstentions {abstain}.", **counts))
        elif vote.secret:
            parts.append(T("The choices of a secret vote are counted only when it closes."))
        mine = ctx.session.get(Participation, (vote.id, ctx.person_id))
        eligible = voting.is_eligible(ctx.session, vote, ctx.person_id)
        if eligible:
            parts.append(T("You have voted.") if mine else T("You have not voted yet."))
    else:
        result = vote.result or {}
        parts.append(T("Closed {when}; {turnout}.", when=When(vote.closed_at or vote.closes_at),
                       turnout=voting.turnout_text(int(result.get("cast", cast)), electorate)))
        outcome = result.get("outcome")
        if vote.kind == "motion":
            parts.append(Lines([voting.OUTCOME_LABELS.get(str(outcome), Raw(str(outcome))), Raw(" — "),
                                T("Yes: {yes} · No: {no} · Abstentions: {abstain}", yes=result.get("yes", 0),
                                  no=result.get("no", 0), abstain=result.get("abstain", 0))], sep=""))
        elif outcome == "tie" and vote.status == "tie":
            parts.append(T("Tie for the last seat, waiting for the co-chairs: {names}.",
                           names=voting.names(ctx.session, list(result.get("tied", [])))))
        elif outcome == "no_quorum":
            parts.append(voting.OUTCOME_LABELS["no_quorum"])
        else:
            parts.append(T("Elected: {names}.", names=voting.names(ctx.session, list(result.get("elected", [])))))
    return parts


@command("vote status", "voter etat", help=T("turnout and state of a vote"), usage=T("/vote status V3"),
         params=[Param("number", VOTE)])
async def vote_status(ctx: Context, number: int) -> None:
    ctx.reply(Lines(_status_lines(ctx, get_vote(ctx.session, number))))


def open_votes(session: Session) -> list[Vote]:
    return list(session.exec(select(Vote).where(Vote.status == "open").order_by(col(Vote.closes_at),
                                                                                  col(Vote.id))).all())


@command("votes", "votes", help=T("the open votes"), usage=T("/votes"))
async def votes(ctx: Context) -> None:
    rows = open_votes(ctx.session)
    if not rows:
        ctx.reply(T("No vote is open."))
        return
    lines: list[Localizable] = [T("Open votes:")]
    for vote in rows:
        assert vote.id is not None
        electorate = len(voting.electorate_ids(ctx.session, vote.id))
        cast = len(voting.participants(ctx.session, vote.id))
        eligible = voting.is_eligible(ctx.session, vote, ctx.person_id)
        mine = ctx.session.get(Participation, (vote.id, ctx.person_id)) is not None
        lines.append(Lines([
            Raw(f"• V{vote.id} "), Raw(vote.title), Raw(" — "), body_label(ctx.session, vote.body, vote.group_id),
            Raw(", "), T("closes {when}", when=When(vote.closes_at)), Raw(", "), voting.turnout_text(cast, electorate),
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
    if vote.status != "open":
        raise UserError(T("Vote {ref} is closed; ballots can no longer be cast or changed.", ref=vid(number)))
    if not voting.is_eligible(ctx.session, vote, ctx.person_id):
        raise _not_eligible(ctx, vote)
    ctx.reply_private(Lines([T("Your ballot in {ref}: {title}", ref=vid(number), title=Raw(vote.title)),
                             voting.how_to_vote(ctx.session, vote), _deadline_line(vote)]),
                      extras=voting.ballot_payload(vote, ctx.lang, ctx.session))


def pending_votes_section(ctx: Context) -> Localizable | None:
    waiting = [v for v in open_votes(ctx.session)
               if voting.is_eligible(ctx.session, v, ctx.person_id)
               and ctx.session.get(Participation, (v.id, ctx.person_id)) is None]
    if not waiting:
        return None
    return Lines([T("Votes waiting for your ballot:"), *(
        Lines([Raw(f"• V{v.id} "), Raw(v.title), Raw(" — "), T("closes {when}", when=When(v.closes_at))], sep="")
        for v in waiting)])


whoami_sections.append(pending_votes_section)


# --------------------------------------------------------------------------- export, calendar


@exporter("votes", ("id", "kind", "title", "proposal", "body", "group", "opens_at", "closes_at", "closed_at",
                    "status", "secret", "quorum", "majority", "seats", "term_months", "candidates", "electorate",
                    "cast", "turnout", "votes_for", "votes_against", "abstentions", "outcome", "elected"))
def export_votes(session: Session, config: Config, now: datetime) -> list[Row]:
    rows: list[Row] = []
    for vote in session.exec(select(Vote).order_by(col(Vote.id))).all():
        assert vote.id is not None
        electorate = len(voting.electorate_ids(session, vote.id))
        cast = len(voting.participants(session, vote.id))
        result: dict[str, Any] = vote.result or {}
        counts: dict[str, Any] = {}
        if vote.kind == "motion" and (vote.status != "open" or not vote.secret):
            counts = result if vote.status != "open" else voting.running_counts(session, vote)
        rows.append({
            "id": f"V{vote.id}", "kind": vote.kind, "title": vote.title,
            "proposal": f"P{vote.proposal_id}" if vote.proposal_id else None, "body": vote.body,
            "group": group_slug(session, vote.group_id), "opens_at": vote.opens_at, "closes_at": vote.closes_at,
            "closed_at": vote.closed_at, "status": vote.status, "secret": vote.secret,
            "quorum": float(Fraction(vote.quorum)) if vote.quorum else None, "majority": vote.majority,
            "seats": vote.seats, "term_months": vote.term_months,
            "candidates": [_name(session, c) for c in vote.candidates or []] or None, "electorate": electorate,
            "cast": cast, "turnout": round(cast / electorate, 4) if electorate else 0,
            "votes_for": counts.get("yes"), "votes_against": counts.get("no"), "abstentions": counts.get("abstain"),
            "outcome": result.get("outcome"),
            "elected": [_name(session, c) for c in result.get("elected", [])] or None,
        })
    return rows


def _name(session: Session, person_id: int) -> str:
    person = session.get(Person, person_id)
    return person.display_name if person else "?"


@calendar_source
def vote_deadlines(session: Session, now: datetime) -> list[CalendarEvent]:
    return [CalendarEvent(uid=f"vote-{v.id}@forum-bot", title=f"V{v.id} — {v.title}", start=v.closes_at,
                          description=f"Vote V{v.id} closes ({v.body})", group_id=v.group_id)
            for v in session.exec(select(Vote).where(Vote.status == "open").order_by(col(Vote.id))).all()]
