"""/proxy (French /procuration): give one's vote to another member for a vote, a meeting or until a date; cancel
it; see the proxies one gave and holds. The holder votes with `/vote V4 yes for=@anne` (bot/handlers/vote_cast.py)."""

from __future__ import annotations

import re
from datetime import date

from bot.context import Context
from bot.domain.votes import proxies
from bot.domain.votes.ballots import VoteClosed
from bot.domain.votes.proxies import Cover
from bot.errors import UserError
from bot.handlers.roles import end_of_day
from bot.handlers.vote_options import get_vote
from bot.i18n import Day, Lines, Localizable, T
from bot.parsing import Day as DayKind
from bot.parsing import Kind, Opt, Param, User
from bot.registry import command
from bot.storage.tables import Person, Proxy
from bot.wording.meetings import get_meeting
from bot.wording.people import last_day, who
from bot.wording.votes import vid


class VoteOrMeeting(Kind):
    """A vote (V4) or a meeting (S2): what a proxy covers."""

    expected = T("a vote like V4 or a meeting like S2")

    def convert(self, text: str) -> tuple[str, int]:
        match = re.fullmatch(r"([VS])(\d{1,9})", text.strip(), re.IGNORECASE)
        if not match:
            raise ValueError(text)
        return match.group(1).upper(), int(match.group(2))


TARGET = Param("target", VoteOrMeeting(), optional=True)
UNTIL_OPT = Opt("until", "jusqua", DayKind(), aliases=("jusque",))


def _cover(ctx: Context, target: tuple[str, int] | None, until: date | None) -> Cover:
    if target is not None and target[0] == "V":
        return Cover(vote=get_vote(ctx.session, target[1]))
    if target is not None:
        return Cover(meeting=get_meeting(ctx.session, target[1]))
    if until is not None:
        ends = end_of_day(until, ctx)
        if ends <= ctx.now:
            raise UserError(T("The proxy's end must be in the future."))
        return Cover(until=ends)
    return Cover()


def _covers(proxy: Proxy, ctx: Context) -> Localizable:
    if proxy.vote_id is not None:
        return T("for vote {ref}", ref=vid(proxy.vote_id))
    if proxy.meeting_id is not None:
        return T("for the votes of meeting S{id}", id=proxy.meeting_id)
    assert proxy.until is not None
    return T("for every vote until {when}", when=Day(last_day(proxy.until, ctx.config.tz)))


def _refusal(ctx: Context, refused: proxies.ProxyRefused, holder: Person) -> UserError:
    name = who(ctx.session, holder.id or 0)
    if refused.code == "not_voter" and refused.person_id == ctx.person_id:
        return UserError(T("You have no vote to give: a proxy passes on the vote of a member who may vote."))
    said = {
        "not_voter": T("{who} may not vote there, so cannot hold your proxy.", who=name),
        "self": T("You cannot give a proxy to yourself."),
        "too_many": T("{who} already holds as many proxies as the rules allow for that.", who=name),
        "other_college": T("A proxy goes to a member of your own college here, and {who} is not.", who=name),
        "secret": T("Proxies are not allowed in secret votes here."),
        "already_given": T("You have already given a proxy for that: cancel it first (/proxy cancel …)."),
    }
    return UserError(said[refused.code])


@command("proxy", "procuration", help=T("give your vote to another member (a proxy), or see your proxies"),
         usage=T("/proxy @paul V4|S2|until=DATE · /proxy cancel V4 · /proxy — e.g. /proxy @paul V4"),
         params=[Param("user", User(), optional=True), TARGET], options=[UNTIL_OPT])
async def proxy_give(ctx: Context, user: str | None, target: tuple[str, int] | None, until: date | None) -> None:
    if user is None:
        ctx.reply(_mine(ctx))
        return
    holder = ctx.person_by_ref(user)
    cover = _cover(ctx, target, until)
    if cover == Cover():
        raise UserError(T("Say what the proxy covers: a vote (V4), a meeting (S2) or until=DATE."))
    try:
        given = proxies.give(ctx.uow, ctx.person, holder, cover)
    except VoteClosed:
        raise UserError(T("That vote is closed.")) from None
    except proxies.ProxyRefused as refused:
        raise _refusal(ctx, refused, holder) from None
    ctx.reply(T("You gave your proxy to {holder} {covers}. You can cancel it until the vote closes, and voting "
                "yourself takes your vote back.", holder=who(ctx.session, holder.id or 0), covers=_covers(given, ctx)))
    ctx.outbox.to_person(holder, T("{giver} gave you their proxy {covers}. Vote for them with /vote V… yes "
                                   "for={giver}.", giver=who(ctx.session, ctx.person_id), covers=_covers(given, ctx)),
                         kind="proxy_notice", key=f"proxy-given:{given.id}")


@command("proxy cancel", "procuration annuler", help=T("cancel a proxy you gave"),
         usage=T("/proxy cancel [V4|S2] — e.g. /proxy cancel V4 (without a vote or meeting: all your proxies)"),
         params=[TARGET])
async def proxy_cancel(ctx: Context, target: tuple[str, int] | None) -> None:
    cover = _cover(ctx, target, None)
    try:
        ended = proxies.cancel(ctx.uow, ctx.person_id, cover)
    except VoteClosed:
        raise UserError(T("That vote is closed: its proxies can no longer be cancelled.")) from None
    except proxies.NoProxy:
        raise UserError(T("You have no proxy to cancel there. Send /proxy to see yours.")) from None
    for proxy in ended:
        holder = ctx.session.get(Person, proxy.holder_id)
        if holder is not None:
            ctx.outbox.to_person(holder, T("{giver} cancelled the proxy they gave you {covers}.",
                                           giver=who(ctx.session, ctx.person_id), covers=_covers(proxy, ctx)),
                                 kind="proxy_notice", key=f"proxy-cancelled:{proxy.id}")
    ctx.reply(Lines([T("Cancelled:"), *(_given_line(ctx, p) for p in ended)]))


def _given_line(ctx: Context, proxy: Proxy) -> Lines:
    return Lines([T("• to {holder}", holder=who(ctx.session, proxy.holder_id)), _covers(proxy, ctx)], sep=" ")


def _mine(ctx: Context) -> Localizable:
    given, held = proxies.given_and_held(ctx.session, ctx.person_id, ctx.now)
    if not given and not held:
        return T("You have given no proxy and hold none. Give one with /proxy @name V4.")
    lines: list[Localizable] = []
    if given:
        lines.append(T("Proxies you gave:"))
        lines.extend(_given_line(ctx, p) for p in given)
    if held:
        lines.append(T("Proxies you hold:"))
        lines.extend(Lines([T("• from {giver}", giver=who(ctx.session, p.giver_id)), _covers(p, ctx)], sep=" ")
                     for p in held)
    return Lines(lines)

