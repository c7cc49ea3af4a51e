"""Casting a ballot: /vote V3 yes|no|abstain [reason], /vote V3 withdraw, /vote V5 @a @b (an election), and the
same for someone whose proxy one holds (`for=@anne`, French `au-nom-de=@anne`)."""

from __future__ import annotations

import json

from bot.context import Context
from bot.domain.votes import VoteKind, ballots, proxies
from bot.domain.votes.ballots import NotInElectorate, VoteClosed
from bot.errors import ArgError, UserError
from bot.handlers.vote_colleges import secret_college
from bot.handlers.vote_options import VOTE, get_vote
from bot.i18n import TN, Lines, Localizable, Raw, T, When
from bot.parsing import Choice, Opt, Param, Text, User, Users
from bot.registry import command
from bot.storage.tables import Person, Vote
from bot.wording.people import who
from bot.wording.votes import CHOICE_LABELS, body_label, names, vid

WITHDRAW_WORDS = ("withdraw", "retirer", "retrait")
CHOICE = Choice({"yes": ("pour", "oui"), "no": ("contre", "non"), "abstain": ("abstention", "abstiens")},
                T("yes, no or abstain"))


# --------------------------------------------------------------------------- casting


def _not_eligible(ctx: Context, vote: Vote) -> UserError:
    body = body_label(ctx.session, vote.body, vote.group_id)
    if ctx.has_role("observer") and not ctx.roles & {"member", "cochair", "committee"}:
        return UserError(T("Observers do not vote. Vote {ref} is for {body}.", ref=vid(vote.id), body=body))
    return UserError(T("You are not in the electorate of {ref}: it was fixed when the vote opened ({when}) as "
                       "the members of {body} holding a voting role then.", ref=vid(vote.id),
                       when=When(vote.opens_at), body=body))


def check_may_vote(ctx: Context, vote: Vote) -> None:
    """The domain's refusal (closed, not in the electorate), said to the sender."""
    try:
        ballots.check_may_vote(ctx.session, vote, ctx.person_id)
    except VoteClosed:
        raise UserError(T("Vote {ref} is closed; ballots can no longer be cast or changed.",
                          ref=vid(vote.id))) from None
    except NotInElectorate:
        raise _not_eligible(ctx, vote) from None


def _parse_election(ctx: Context, vote: Vote, text: str, voter: int) -> list[int]:
    words = text.split()
    if len(words) == 1 and words[0].lower() in ("abstain", "abstention", "blank", "blanc"):
        return []
    relative = all(w[:1] in "+-" for w in words)
    current: list[int] | None = None
    if relative:
        previous = ballots.current_choice(ctx.session, vote, voter, ctx.config.ballot_key)
        current = json.loads(previous) if previous else []
    try:
        handles = Users().convert(" ".join(w.lstrip("+-") if relative else w for w in words))
    except ValueError as exc:
        raise ArgError(T("“{value}” is not {expected}.", value=Raw(text), expected=Users.expected)) from exc
    named = ((word[:1], ctx.person_by_ref(handle).id or 0) for word, handle in zip(words, handles, strict=True))
    try:
        return ballots.approval_ballot(vote, named, current)
    except ballots.NotACandidate as refused:
        raise UserError(T("{who} is not a candidate in {ref}. Candidates: {names}.",
                          who=who(ctx.session, refused.person_id), ref=vid(vote.id),
                          names=names(ctx.session, list(vote.candidates or [])))) from None
    except ballots.NamedTwice as refused:
        raise UserError(T("You named {who} twice.", who=who(ctx.session, refused.person_id))) from None
    except ballots.TooManyApprovals as refused:
        raise UserError(TN("You may approve at most {n} candidate in {ref}.",
                           "You may approve at most {n} candidates in {ref}.", refused.seats,
                           ref=vid(vote.id))) from None


def deadline_line(vote: Vote) -> T:
    return T("You can change it until {when}.", when=When(vote.closes_at))


def _secret_here(number: int, withdrawing: bool) -> UserError:
    if withdrawing:
        return UserError(T("Vote {ref} is secret: send /vote {ref} withdraw to me in a private chat.",
                           ref=vid(number)))
    return UserError(T("Vote {ref} is secret: your ballot was NOT recorded, and the choice you wrote here was "
                       "visible to this room. Send it to me in a private chat: /vote {ref} …", ref=vid(number)))


def _withdraw(ctx: Context, vote: Vote, number: int) -> None:
    if not ballots.withdraw_ballot(ctx.session, vote, ctx.person_id, ctx.config.ballot_key):
        raise UserError(T("You have no ballot in {ref}.", ref=vid(number)))
    ctx.audit("vote.withdraw_ballot", "vote", number)
    ctx.reply(T("Your ballot in {ref} is withdrawn.", ref=vid(number)))


def _choice(ctx: Context, vote: Vote, ballot: str, voter: int | None = None) -> tuple[str, str | None]:
    """The ballot as stored (yes/no/abstain, or an election's JSON list) and the reason given; `voter` is whose
    ballot it is (the sender's unless they cast it by proxy)."""
    if vote.kind == VoteKind.ELECTION:
        return json.dumps(_parse_election(ctx, vote, ballot, ctx.person_id if voter is None else voter)), None
    first, _, rest = ballot.partition(" ")
    try:
        choice = CHOICE.convert(first)
    except ValueError as exc:
        raise ArgError(T("“{value}” is not {expected}.", value=Raw(first), expected=CHOICE.expected)) from exc
    return choice, rest.strip() or None


FOR_OPT = Opt("for_", "au-nom-de", User(), aliases=("for", "mandant"))


@command("vote", "voter", help=T("vote, and manage votes"),
         usage=T("/vote V3 yes|no|abstain [reason] · /vote V3 withdraw · /vote V5 @a @b (election) · "
                 "/vote V3 yes for=@anne (a proxy you hold) · /vote open P7 … · /vote close V3 · /vote status V3"),
         params=[Param("number", VOTE), Param("ballot", Text().with_expected(T("your choice: yes, no or abstain")),
                                              optional=True)],
         options=[FOR_OPT])
async def vote_cast(ctx: Context, number: int, ballot: str | None, for_: str | None) -> None:
    vote = get_vote(ctx.session, number)
    if ballot is None:
        raise ArgError(T("Missing {what}.", what=T("your choice: yes, no or abstain") if vote.kind == VoteKind.MOTION
                         else T("the candidates you approve, like @alice @bob")))
    first, _, rest = ballot.partition(" ")
    withdrawing = first.lower() in WITHDRAW_WORDS and not rest.strip()
    if vote.secret and not ctx.room.is_private:
        raise _secret_here(number, withdrawing)
    if for_ is not None:
        _cast_for(ctx, vote, ctx.person_by_ref(for_), ballot, withdrawing)
        return
    check_may_vote(ctx, vote)
    if withdrawing:
        _withdraw(ctx, vote, number)
        return
    choice, reason = _choice(ctx, vote, ballot)
    changed = ballots.record_ballot(ctx.session, vote, ctx.person_id, choice, None if vote.secret else reason,
                                    ctx.now, ctx.config.ballot_key, secret_college(ctx, vote, ctx.person_id))
    _took_back(ctx, vote)
    if vote.secret:
        ctx.audit("vote.participate", "vote", number, changed=changed)
        ctx.reply(Lines([_secret_recorded(number, changed),
                         T("Reasons are not kept in a secret vote.") if reason else None, deadline_line(vote)]))
        return
    ctx.audit("vote.ballot", "vote", number, choice=choice, reason=reason, changed=changed)
    shown = _shown(ctx, vote, choice)
    ctx.reply(Lines([T("Your ballot in {ref} is changed: {choice}.", ref=vid(number), choice=shown) if changed else
                     T("Your ballot in {ref} is recorded: {choice}.", ref=vid(number), choice=shown),
                     deadline_line(vote)]))


def _secret_recorded(number: int, changed: bool) -> Lines:
    return Lines([T("Your secret ballot in {ref} is changed.", ref=vid(number)) if changed else
                  T("Your secret ballot in {ref} is recorded.", ref=vid(number)),
                  T("Nobody, not even the bot's operators, can link it to you once the vote closes.")])


def _shown(ctx: Context, vote: Vote, choice: str) -> Localizable:
    if vote.kind == VoteKind.ELECTION:
        return names(ctx.session, json.loads(choice)) or T("nobody")
    return CHOICE_LABELS[choice]


def _took_back(ctx: Context, vote: Vote) -> None:
    """The sender voted themselves: a proxy they gave for this vote ends, its holder is told."""
    holder_id = proxies.took_back(ctx.uow, vote, ctx.person_id)
    holder = ctx.session.get(Person, holder_id) if holder_id is not None else None
    if holder is None:
        return
    ctx.outbox.to_person(holder, T("{who} has voted in {ref} themselves: your proxy for them no longer counts in "
                                   "this vote.", who=who(ctx.session, ctx.person_id), ref=vid(vote.id)),
                         kind="proxy_notice", key=f"proxy-back:{vote.id}:{ctx.person_id}")


def _cast_for(ctx: Context, vote: Vote, giver: Person, ballot: str, withdrawing: bool) -> None:
    """The sender casts (or withdraws) the ballot of someone whose proxy they hold."""
    assert giver.id is not None and vote.id is not None
    number, name = vote.id, who(ctx.session, giver.id)
    try:
        if withdrawing:
            if not proxies.withdraw_for(ctx.uow, vote, ctx.person_id, giver.id):
                raise UserError(T("You have cast no ballot for {who} in {ref}.", who=name, ref=vid(number)))
            ctx.reply(T("The ballot you cast for {who} in {ref} is withdrawn.", who=name, ref=vid(number)))
            return
        choice, reason = _choice(ctx, vote, ballot, giver.id)
        changed = proxies.cast_for(ctx.uow, vote, ctx.person_id, giver.id, choice,
                                   None if vote.secret else reason, secret_college(ctx, vote, giver.id))
    except VoteClosed:
        raise UserError(T("Vote {ref} is closed; ballots can no longer be cast or changed.", ref=vid(number))) from None
    except proxies.GiverVoted:
        raise UserError(T("{who} has voted in {ref} themselves: your proxy no longer counts in this vote.",
                          who=name, ref=vid(number))) from None
    except proxies.NoProxy:
        raise UserError(T("You hold no proxy from {who} for {ref}. They can give you one: /proxy @you {ref}.",
                          who=name, ref=vid(number))) from None
    shown = T("a secret ballot") if vote.secret else _shown(ctx, vote, choice)
    ctx.reply(Lines([T("Your ballot for {who} in {ref} is changed: {choice}.", who=name, ref=vid(number), choice=shown)
                     if changed else
                     T("Your ballot for {who} in {ref} is recorded: {choice}.", who=name, ref=vid(number),
                       choice=shown),
                     deadline_line(vote)]))
    ctx.outbox.to_person(giver, T("{holder} cast your ballot in {ref} with the proxy you gave.",
                                     holder=who(ctx.session, ctx.person_id), ref=vid(number)),
                         kind="proxy_notice", key=f"proxy-used:{number}:{giver.id}:{ctx.now.isoformat()}")
