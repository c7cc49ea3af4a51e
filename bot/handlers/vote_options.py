"""What /vote open and /election open share: the options, the closing time, the body that votes, the opening
announcement; and the vote lookup every /vote subcommand starts with."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.context import Context
from bot.domain.bodies import Body
from bot.domain.votes.electorate import NobodyMayVote
from bot.domain.votes.opening import Opened
from bot.errors import UserError
from bot.i18n import Raw, T
from bot.parsing import Choice, Deadline, Kind, Opt, Ref, Share
from bot.rules.college_tally import COLLEGE_MAJORITIES
from bot.rules.dates.days import DeadlineSpec
from bot.rules.tally import parse_majority
from bot.storage.tables import Vote
from bot.wording.dates import end_of_day_note
from bot.wording.votes import announce, body_label

VOTE = Ref("V", T("a vote id like V3"))
BODY = Choice({"committee": ("comite",), "group": ("groupe",), "plenary": ("pleniere",)},
              T("committee, group or plenary"))
MAX_OPEN = timedelta(days=366)


class MajorityKind(Kind):
    """simple, absolute or 2/3, in English or French (the rule's own parser); double or consensus (by college)."""

    expected = T("simple, absolute, 2/3, double or consensus")

    def convert(self, text: str) -> str:
        word = text.strip().lower()
        return word if word in COLLEGE_MAJORITIES else parse_majority(text)


BODY_OPT = Opt("body", "instance", BODY, aliases=("organe",))
CLOSES_OPT = Opt("closes", "cloture", Deadline(), aliases=("closing", "fin"))
QUORUM_OPT = Opt("quorum", "quorum", Share())


def get_vote(session: Session, number: int) -> Vote:
    vote = session.get(Vote, number)
    if vote is None:
        raise UserError(T("There is no vote V{id}. Send /votes to see the open votes.", id=Raw(str(number))))
    return vote


def closing_time(ctx: Context, closes: DeadlineSpec | timedelta | datetime | None, default: timedelta) -> datetime:
    """`closes=`: a duration from now, a day and a time, or a day alone: the end of that day in the forum's time zone
    (said in a reply, so nobody reads `closes=2024-03-01` as its first minute)."""
    if closes is None:
        moment = ctx.now + default
    elif isinstance(closes, timedelta):
        moment = ctx.now + closes
    elif isinstance(closes, datetime):
        moment = closes.replace(tzinfo=ctx.config.tz)
    else:
        moment = closes.resolve(ctx.now, ctx.config.tz)
        if closes.whole_day and moment > ctx.now:
            ctx.reply(end_of_day_note(moment, ctx.config.timezone))
    if moment <= ctx.now:
        raise UserError(T("The closing time must be in the future."))
    if moment - ctx.now > MAX_OPEN:
        raise UserError(T("A vote stays open at most a year."))
    return moment.astimezone(ctx.now.tzinfo)


def resolve_body(ctx: Context, body: str | None, group_id: int | None) -> tuple[str, int | None]:
    """The body that votes: as asked, else the room's; a group vote needs a group."""
    if body is None:
        purpose = ctx.room.purpose
        if purpose in (Body.COMMITTEE, Body.PLENARY):
            return purpose, None
        if purpose == Body.GROUP and ctx.room.group_id:
            return Body.GROUP, ctx.room.group_id
        if group_id:
            return Body.GROUP, group_id
        raise UserError(T("Say which body votes: body=committee, body=group or body=plenary "
                          "(this room is not a group, committee or plenary room)."))
    if body == Body.GROUP:
        chosen = group_id or (ctx.room.group_id if ctx.room.purpose == Body.GROUP else None)
        if chosen is None:
            raise UserError(T("A group vote needs a group: bring the proposal from the group's room, or open "
                              "the vote there."))
        return Body.GROUP, chosen
    return body, None


def nobody_may_vote(ctx: Context, refused: NobodyMayVote) -> UserError:
    return UserError(T("Nobody may vote in {body} yet: give members their roles first (/role).",
                       body=body_label(ctx.session, refused.body, refused.group_id)))


def announce_opened(ctx: Context, opened: Opened) -> None:
    """The opening message in the body's rooms; the sender is told when there is none."""
    vote = opened.vote
    if not announce(ctx.session, ctx.config, ctx.outbox, vote, opened.electorate):
        ctx.reply(T("No room is set for {body}: I could not announce the vote. Set one with /room, or pass "
                    "the word yourself.", body=body_label(ctx.session, vote.body, vote.group_id)))
