"""How votes are said: labels, the announcement with its ballot buttons, the rules, turnout and results."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from sqlmodel import Session

from bot.config import Config
from bot.domain.bodies import Body
from bot.domain.votes import Choice, Outcome, VoteKind
from bot.domain.votes.lookups import body_rooms
from bot.domain.votes.results import Closed, ElectionClosed, MotionClosed, Resolved, fraction_text
from bot.i18n import TN, Day, Lang, Lines, Localizable, Percent, Raw, T, When
from bot.messages import Button, Extras, Reactions
from bot.notify import Outbox, dm_account, person_lang, room_lang
from bot.storage.tables import Decision, Person, Proposal, Vote, WorkingGroup
from bot.wording.people import who
from bot.wording.proposals import tell_author
from bot.wording.vote_colleges import COLLEGE_MAJORITY_LABELS, college_lines, college_rules_text, college_verdict_text

MAJORITY_LABELS = {
    "simple": T("Majority: simple (more yes than no)."),
    "absolute": T("Majority: absolute (yes from more than half of the ballots cast)."),
    "two_thirds": T("Majority: two thirds (yes from at least two thirds of yes and no)."),
    **COLLEGE_MAJORITY_LABELS,
}

OUTCOME_LABELS: dict[str, Localizable] = {
    Outcome.ADOPTED: T("adopted"), Outcome.REJECTED: T("rejected"), Outcome.NO_QUORUM: T("no quorum"),
    Outcome.ELECTED: T("elected"), Outcome.WITHDRAWN: T("withdrawn"), Outcome.CANCELLED: T("cancelled"),
}

CHOICE_LABELS: dict[str, Localizable] = {Choice.YES: T("yes"), Choice.NO: T("no"), Choice.ABSTAIN: T("abstain")}

KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")


def pid(number: int | None) -> Raw:
    return Raw(f"P{number}")


def vid(number: int | None) -> Raw:
    return Raw(f"V{number}")


def did(number: int | None) -> Raw:
    return Raw(f"D{number}")


def body_label(session: Session, body: str | None, group_id: int | None) -> Localizable:
    if body == Body.COMMITTEE:
        return T("the management committee")
    if body == Body.PLENARY:
        return T("the plenary")
    if body == Body.GROUP:
        group = session.get(WorkingGroup, group_id) if group_id else None
        return T("the working group {slug}", slug=Raw(group.slug if group else "?"))
    return Raw("—")


def names(session: Session, ids: list[int]) -> Lines:
    return Lines([who(session, i) for i in ids], sep=", ")


def recorded_as(decision_id: int | None) -> T:
    return T("Recorded in the register as {ref}.", ref=did(decision_id))


# --------------------------------------------------------------------------- the ballot's buttons


def ballot_payload(vote: Vote, lang: Lang, session: Session) -> Extras:
    """Buttons (and, for open votes, reactions) to cast a ballot."""
    ref, private = f"V{vote.id}", vote.secret
    if vote.kind == VoteKind.ELECTION:
        candidates = list(vote.candidates or [])
        rows: list[tuple[Button, ...]] = [
            (Button(who(session, c).render(lang), f"/vote {ref} +{_handle(session, c, lang)}", private),)
            for c in candidates]
        rows.append((Button(T("Withdraw my ballot").render(lang), f"/vote {ref} withdraw", private),))
        reactions = {KEYCAPS[i]: f"/vote {ref} +{_handle(session, c, lang)}"
                     for i, c in enumerate(candidates[:len(KEYCAPS)])}
    else:
        rows = [(Button(T("Yes").render(lang), f"/vote {ref} yes", private),
                 Button(T("No").render(lang), f"/vote {ref} no", private),
                 Button(T("Abstain").render(lang), f"/vote {ref} abstain", private))]
        reactions = {"👍": f"/vote {ref} yes", "👎": f"/vote {ref} no", "🤷": f"/vote {ref} abstain"}
    if vote.secret:
        return Extras(buttons=tuple(rows))
    return Extras(buttons=tuple(rows), reactions=Reactions(reactions, f"/vote {ref} withdraw"))


def _handle(session: Session, person_id: int, lang: Lang) -> str:
    rendered = who(session, person_id).render(lang)
    return rendered if rendered.startswith("@") else f"@{rendered}"


def person_reader(session: Session, config: Config, person: Person) -> Lang:
    """How a person reads private messages (for rendering button labels outside a command)."""
    account = dm_account(session, person.id or 0)
    return person_lang(config, person, account.network if account else "")


# --------------------------------------------------------------------------- announcing


def how_to_vote(session: Session, vote: Vote) -> Localizable:
    ref = vid(vote.id)
    if vote.kind == VoteKind.ELECTION:
        if vote.secret:
            return T("To vote, write to me in a private chat: /vote {ref} @name @name … (up to {seats}); "
                     "your ballot stays secret.", ref=ref, seats=vote.seats or 0)
        return T("To vote: /vote {ref} @name @name … (up to {seats}).", ref=ref, seats=vote.seats or 0)
    if vote.secret:
        return T("To vote, write to me in a private chat: /vote {ref} yes|no|abstain; your ballot stays secret.",
                 ref=ref)
    return T("To vote: /vote {ref} yes|no|abstain [reason], or the buttons.", ref=ref)


def rules_text(session: Session, vote: Vote, electorate: int) -> Lines:
    quorum = fraction_text(vote.quorum)
    return Lines([
        TN("Who votes: {body} ({n} person).", "Who votes: {body} ({n} people).", electorate,
           body=body_label(session, vote.body, vote.group_id)),
        MAJORITY_LABELS[vote.majority] if vote.kind == VoteKind.MOTION else
        TN("Each voter approves one candidate; the one with most approvals is elected.",
           "Each voter approves up to {n} candidates; the {n} with most approvals are elected.", vote.seats or 0),
        T("Quorum: {share} of the electorate must take part.", share=Percent(float(quorum))) if quorum else
        T("No quorum."),
        college_rules_text(session, vote),
        T("Secret ballot.") if vote.secret else T("Open ballot: everyone's ballot can be seen."),
    ])


def announcement(session: Session, vote: Vote, electorate: int) -> Lines:
    proposal = session.get(Proposal, vote.proposal_id) if vote.proposal_id else None
    if vote.kind == VoteKind.ELECTION:
        head: Localizable = T("Election {ref} is open: {title}", ref=vid(vote.id), title=Raw(vote.title))
        extra: Localizable | None = T("Candidates: {names}.", names=names(session, vote.candidates or []))
    else:
        head = T("Vote {ref} is open: {title}", ref=vid(vote.id), title=Raw(vote.title))
        extra = T("Proposal {ref} by {who}.", ref=pid(proposal.id), who=who(session, proposal.author_id)) \
            if proposal else None
    return Lines([head, extra, rules_text(session, vote, electorate),
                  T("Closes: {when}.", when=When(vote.closes_at)), how_to_vote(session, vote)])


def announce(session: Session, config: Config, outbox: Outbox, vote: Vote, electorate: int) -> int:
    """The opening message in each of the body's rooms, with buttons in the room's language."""
    message = announcement(session, vote, electorate)
    sent = 0
    for room in body_rooms(outbox, vote):
        extras = ballot_payload(vote, room_lang(config, room), session)
        sent += outbox.to_room(room, message, kind="vote_opened", key=f"vote:{vote.id}:opened", extras=extras)
    return sent


def turnout_text(cast: int, electorate: int) -> Localizable:
    share = Fraction(cast, electorate) if electorate else Fraction(0)
    return T("turnout {cast} of {electorate} ({share})", cast=cast, electorate=electorate,
             share=Percent(float(share)))


# --------------------------------------------------------------------------- results


def post_result(session: Session, outbox: Outbox, closed: Closed) -> None:
    """The result in each of the body's rooms (and, for a proposal, to its author)."""
    if isinstance(closed, MotionClosed):
        _post_motion(session, outbox, closed)
    elif isinstance(closed, ElectionClosed):
        message = election_result(session, closed)
        for room in body_rooms(outbox, closed.vote):
            outbox.to_room(room, message, kind="election_result", key=f"vote:{closed.vote.id}:result")


def _verdict(closed: MotionClosed) -> Localizable:
    counted = closed.tally
    by_colleges = college_verdict_text(closed.vote.result or {})
    if by_colleges is not None:
        return by_colleges
    if counted.outcome == Outcome.NO_QUORUM:
        return T("No quorum: {cast} of {electorate} took part ({share}); {needed} were needed. Nothing is decided.",
                 cast=counted.cast, electorate=closed.electorate, share=Percent(float(counted.turnout)),
                 needed=Percent(float(counted.quorum or 0)))
    if counted.outcome == Outcome.ADOPTED:
        return T("Adopted.")
    if closed.decision is not None and closed.decision.tie:
        return T("Rejected: a tie ({yes} yes, {no} no) does not carry.", yes=counted.yes, no=counted.no)
    return T("Rejected.")


def _post_motion(session: Session, outbox: Outbox, closed: MotionClosed) -> None:
    vote, counted, decision_id = closed.vote, closed.tally, closed.decision.id if closed.decision else None
    verdict = _verdict(closed)
    message = Lines([
        T("Vote {ref} is closed: {title}", ref=vid(vote.id), title=Raw(vote.title)),
        verdict,
        Lines([T("Yes: {yes} · No: {no} · Abstentions: {abstain}", yes=counted.yes, no=counted.no,
                 abstain=counted.abstain), Raw(" — "), turnout_text(counted.cast, closed.electorate)], sep=""),
        college_lines(vote.result or {}),
        recorded_as(decision_id),
    ])
    for room in body_rooms(outbox, vote):
        outbox.to_room(room, message, kind="vote_result", key=f"vote:{vote.id}:result")
    if closed.proposal is not None and closed.event is not None:
        tell_author(session, outbox, closed.proposal, closed.event,
                    Lines([T("Your proposal {ref}: the vote is closed.", ref=pid(closed.proposal.id)), verdict,
                           recorded_as(decision_id)]))


def elected_line(session: Session, elected: list[int], until: datetime | None) -> Localizable:
    if until is None:
        return T("Elected: {names}.", names=names(session, elected))
    return T("Elected: {names}, until {date}.", names=names(session, elected), date=Day(until.date()))


def election_result(session: Session, closed: ElectionClosed) -> Lines:
    vote, cast, electorate = closed.vote, closed.cast, closed.electorate
    counts = Lines([Lines([who(session, int(c)), Raw(f" {n}")], sep="") for c, n in closed.result.counts.items()],
                   sep=" · ")
    parts: list[Localizable | None] = [T("Election {ref} is closed: {title}", ref=vid(vote.id),
                                         title=Raw(vote.title))]
    if closed.decision is not None and closed.decision.outcome == Outcome.NO_QUORUM:
        parts.append(T("No quorum: nobody took part. Nobody is elected.") if not cast else
                     T("No quorum: {cast} of {electorate} took part; {needed} were needed. Nobody is elected.",
                       cast=cast, electorate=electorate, needed=Percent(float(closed.quorum or 0))))
    else:
        if closed.elected:
            parts.append(elected_line(session, closed.elected, closed.until))
        if closed.result.vacant:
            parts.append(TN("{n} seat stays vacant: no other candidate was approved.",
                            "{n} seats stay vacant: no other candidate was approved.", closed.result.vacant))
        if closed.tied:
            parts.append(TN("Tie for the last seat: {names} have as many approvals; {n} seat is left to the "
                            "co-chairs, who decide with /election resolve {ref} @name.",
                            "Tie for the last seats: {names} have as many approvals; {n} seats are left to the "
                            "co-chairs, who decide with /election resolve {ref} @name.",
                            closed.result.seats_left, names=names(session, closed.tied), ref=vid(vote.id)))
    parts.append(Lines([T("Approvals: {counts}", counts=counts), Raw(" — "), turnout_text(cast, electorate)],
                       sep=""))
    if closed.decision is not None:
        parts.append(recorded_as(closed.decision.id))
    return Lines(parts)


def post_resolved(session: Session, outbox: Outbox, resolved: Resolved) -> None:
    """The co-chairs' settlement of a tie, in each of the body's rooms."""
    vote = resolved.vote
    message = Lines([T("Election {ref}: the co-chairs settled the tie.", ref=vid(vote.id)),
                     elected_line(session, resolved.elected, resolved.until), recorded_as(resolved.decision.id)])
    for room in body_rooms(outbox, vote):
        outbox.to_room(room, message, kind="election_result", key=f"vote:{vote.id}:resolved")


def post_cancelled(session: Session, outbox: Outbox, vote: Vote, decision: Decision, by: int) -> None:
    """A cancelled vote or election, in each of the body's rooms."""
    head = T("Election {ref} is cancelled by {who}: {title}", ref=vid(vote.id), who=who(session, by),
             title=Raw(vote.title)) if vote.kind == VoteKind.ELECTION else \
        T("Vote {ref} is cancelled by {who}: {title}", ref=vid(vote.id), who=who(session, by), title=Raw(vote.title))
    message = Lines([head, T("Reason: {reason}", reason=Raw(decision.reason or "")),
                     T("Nothing is counted: the ballots cast are set aside."), recorded_as(decision.id)])
    for room in body_rooms(outbox, vote):
        outbox.to_room(room, message, kind="vote_cancelled", key=f"vote:{vote.id}:cancelled")
