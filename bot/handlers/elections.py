"""Elections: /election open (approval voting for N seats), /election resolve (a tie left to the co-chairs)."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

from bot.context import Context
from bot.domain.bodies import Body
from bot.domain.elections import NotTied, WrongSeatCount, resolve_tie
from bot.domain.votes import VoteKind, VoteStatus
from bot.domain.votes.electorate import NobodyMayVote
from bot.domain.votes.lookups import body_rooms
from bot.domain.votes.opening import Where, open_election
from bot.errors import UserError
from bot.handlers.vote_options import (
    BODY_OPT,
    CLOSES_OPT,
    QUORUM_OPT,
    VOTE,
    announce_opened,
    closing_time,
    get_vote,
    nobody_may_vote,
    resolve_body,
)
from bot.i18n import TN, Raw, T, When
from bot.parsing import Kind, Number, Opt, Param, Text, Users
from bot.registry import CHAIRS, command
from bot.rules.periods import Term, parse_term
from bot.wording.people import who
from bot.wording.votes import names, post_resolved, vid

DEFAULT_CLOSES = timedelta(days=14)


class TermKind(Kind):
    """A term of office: 2y, 2a, 2 ans, 18mo, 18 mois."""

    expected = T("a term like 2y or 18mo")

    def convert(self, text: str) -> Term:
        return parse_term(text)


@command("election open", "election ouvrir", help=T("open an election: each voter approves up to N candidates"),
         roles=CHAIRS,
         usage=T("/election open <title> seats=4 candidates=@a,@b,… [closes=14d] [term=2y] [body=plenary] "
                 "[quorum=50%] [public]"),
         params=[Param("title", Text().with_expected(T("the election's title")))],
         options=[Opt("seats", "sieges", Number(1, 50), aliases=("postes",)),
                  Opt("candidates", "candidats", Users(), aliases=("candidates", "candidat")),
                  CLOSES_OPT, Opt("term", "mandat", TermKind(), aliases=("duree",)), BODY_OPT, QUORUM_OPT,
                  Opt("public", "public", aliases=("open-ballot",))])
async def election_open(ctx: Context, title: str, seats: int | None, candidates: list[str] | None,
                        closes: timedelta | datetime | None, term: Term | None, body: str | None,
                        quorum: Fraction | None, public: bool) -> None:
    if seats is None:
        raise UserError(T("Say how many seats: seats=4."))
    if not candidates:
        raise UserError(T("Name the candidates: candidates=@a,@b,@c."))
    people = [ctx.person_by_ref(handle) for handle in candidates]
    ids = [p.id for p in people if p.id is not None]
    if len(set(ids)) != len(ids):
        raise UserError(T("A candidate is named twice."))
    if seats > len(ids):
        raise UserError(T("There are fewer candidates ({n}) than seats ({seats}).", n=len(ids), seats=seats))
    chosen_body, group_id = resolve_body(ctx, body or Body.PLENARY, None)
    where = Where(chosen_body, group_id, closing_time(ctx, closes, DEFAULT_CLOSES), quorum)
    try:
        opened = open_election(ctx.uow, title, where, seats, ids, term.total_months if term else None,
                               not public, ctx.person_id)
    except NobodyMayVote as refused:
        raise nobody_may_vote(ctx, refused) from None
    announce_opened(ctx, opened)
    ctx.reply(T("Election {ref} is open: {seats}, {candidates}, {voters}, until {when}.",
                ref=vid(opened.vote.id), seats=TN("{n} seat", "{n} seats", seats),
                candidates=TN("{n} candidate", "{n} candidates", len(ids)),
                voters=TN("{n} voter", "{n} voters", opened.electorate), when=When(opened.vote.closes_at)))


@command("election resolve", "election departager", help=T("settle a tie for the last seat of an election"),
         roles=CHAIRS, usage=T("/election resolve V5 @name [@name …]"),
         params=[Param("number", VOTE), Param("people", Text().with_expected(T("the candidates you choose, "
                                                                               "like @alice")))])
async def election_resolve(ctx: Context, number: int, people: str) -> None:
    vote = get_vote(ctx.session, number)
    if vote.kind != VoteKind.ELECTION:
        raise UserError(T("{ref} is not an election.", ref=vid(number)))
    if vote.status != VoteStatus.TIE:
        raise UserError(T("Election {ref} has no tie to settle.", ref=vid(number)))
    try:
        handles = Users().convert(people)
    except ValueError:
        raise UserError(T("“{value}” is not {expected}.", value=Raw(people), expected=Users.expected)) from None
    chosen = [ctx.person_by_ref(h).id or 0 for h in handles]
    try:
        resolved = resolve_tie(ctx.uow, vote, chosen, ctx.person_id)
    except NotTied as refused:
        raise UserError(T("{who} is not among the tied candidates ({names}).", who=who(ctx.session, refused.person_id),
                          names=names(ctx.session, refused.tied))) from None
    except WrongSeatCount as refused:
        raise UserError(TN("Name exactly {n} of the tied candidates.", "Name exactly {n} of the tied candidates.",
                           refused.seats_left)) from None
    post_resolved(ctx.session, ctx.outbox, resolved)
    if ctx.room not in body_rooms(ctx.outbox, vote):
        ctx.reply(T("Election {ref} is settled and recorded as D{decision}.", ref=vid(number),
                    decision=Raw(str(resolved.decision.id))))
