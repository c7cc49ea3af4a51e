"""Elections: /election open (approval voting for N seats), /election resolve (a tie left to the co-chairs)."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

from bot.context import Context
from bot.errors import UserError
from bot.handlers import voting
from bot.handlers.votes import BODY_OPT, CLOSES_OPT, QUORUM_OPT, VOTE, closing_time, open_vote, resolve_body
from bot.handlers.voting import get_vote, vid
from bot.i18n import Raw, T, When
from bot.parsing import Kind, Number, Opt, Param, Text, Users
from bot.registry import CHAIRS, command
from bot.rules.periods import Term, parse_term
from bot.storage.tables import Vote

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
    chosen_body, group_id = resolve_body(ctx, body or "plenary", None)
    vote = Vote(kind="election", title=title, body=chosen_body, group_id=group_id, opened_by=ctx.person_id,
                opens_at=ctx.now, closes_at=closing_time(ctx, closes, DEFAULT_CLOSES),
                quorum=str(quorum) if quorum else None, majority="simple", secret=not public,
                salt=None if public else voting.new_salt(), seats=seats, candidates=ids,
                term_months=term.total_months if term else None)
    size = open_vote(ctx, vote)
    ctx.audit("election.open", "vote", vote.id, body=chosen_body, seats=seats, candidates=ids,
              term_months=vote.term_months, closes_at=vote.closes_at.isoformat(), secret=vote.secret,
              electorate=size)
    ctx.reply(T("Election {ref} is open: {seats} seats, {n} candidates, {voters} voters, until {when}.",
                ref=vid(vote.id), seats=seats, n=len(ids), voters=size, when=When(vote.closes_at)))


@command("election resolve", "election departager", help=T("settle a tie for the last seat of an election"),
         roles=CHAIRS, usage=T("/election resolve V5 @name [@name …]"),
         params=[Param("number", VOTE), Param("people", Text().with_expected(T("the candidates you choose, "
                                                                               "like @alice")))])
async def election_resolve(ctx: Context, number: int, people: str) -> None:
    vote = get_vote(ctx.session, number)
    if vote.kind != "election":
        raise UserError(T("{ref} is not an election.", ref=vid(number)))
    if vote.status != "tie":
        raise UserError(T("Election {ref} has no tie to settle.", ref=vid(number)))
    try:
        handles = Users().convert(people)
    except ValueError:
        raise UserError(T("“{value}” is not {expected}.", value=Raw(people), expected=Users.expected)) from None
    chosen = [ctx.person_by_ref(h).id or 0 for h in handles]
    decision = voting.resolve_tie(ctx.session, ctx.config, ctx.outbox, ctx.now, vote, chosen, ctx.person_id)
    if ctx.room not in voting.body_rooms(ctx.outbox, vote):
        ctx.reply(T("Election {ref} is settled and recorded as D{decision}.", ref=vid(number),
                    decision=Raw(str(decision.id))))
