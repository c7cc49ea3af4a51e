"""What proposals, votes, elections and the register share: lookups, wording, electorates, ballots and closing.

Closing is used both by `/vote close` and by the scheduler; it marks the vote closed with a compare-and-set in the
same transaction as the Decision and the result messages, so a vote closes exactly once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from bot.audit import record_audit
from bot.ballot_key import check_in_session
from bot.config import Config
from bot.errors import UserError
from bot.i18n import TN, Day, Lang, Lines, Localizable, Percent, Raw, T, When
from bot.messages import Button, Extras, Reactions
from bot.notify import Outbox, person_lang, room_lang
from bot.people import VOTING_ROLES, dm_account, grant, who
from bot.rules.calendar import add_months
from bot.rules.tally import approval_result, tally
from bot.storage.prebuilt import dialect_of, insert_or_skip, run
from bot.storage.tables import (
    Ballot,
    Decision,
    Electorate,
    Participation,
    Person,
    Proposal,
    ProposalEvent,
    Role,
    Room,
    SecretChoice,
    Vote,
    WorkingGroup,
)

# --------------------------------------------------------------------------- wording

MAJORITY_LABELS = {
    "simple": T("Majority: simple (more yes than no)."),
    "absolute": T("Majority: absolute (yes from more than half of the ballots cast)."),
    "two_thirds": T("Majority: two thirds (yes from at least two thirds of yes and no)."),
}

OUTCOME_LABELS = {
    "adopted": T("adopted"), "rejected": T("rejected"), "no_quorum": T("no quorum"),
    "elected": T("elected"), "withdrawn": T("withdrawn"),
}

PROPOSAL_STATUS = {
    "open": T("open"), "evaluating": T("being evaluated"), "voting": T("being voted on"),
    "accepted": T("accepted"), "rejected": T("rejected"), "adopted": T("adopted"), "withdrawn": T("withdrawn"),
}

ANSWER_LABELS = {"accepted": T("accepted"), "rejected": T("rejected"), "evaluating": T("being evaluated")}


def pid(number: int | None) -> Raw:
    return Raw(f"P{number}")


def vid(number: int | None) -> Raw:
    return Raw(f"V{number}")


def did(number: int | None) -> Raw:
    return Raw(f"D{number}")


def body_label(session: Session, body: str | None, group_id: int | None) -> Localizable:
    if body == "committee":
        return T("the management committee")
    if body == "plenary":
        return T("the plenary")
    if body == "group":
        group = session.get(WorkingGroup, group_id) if group_id else None
        return T("the working group {slug}", slug=Raw(group.slug if group else "?"))
    return Raw("—")


def names(session: Session, ids: list[int]) -> Lines:
    return Lines([who(session, i) for i in ids], sep=", ")


def fraction_text(value: str | None) -> Fraction | None:
    return Fraction(value) if value else None


# --------------------------------------------------------------------------- lookups


def get_proposal(session: Session, number: int) -> Proposal:
    proposal = session.get(Proposal, number)
    if proposal is None:
        raise UserError(T("There is no proposal P{id}. Send /proposals to see them.", id=Raw(str(number))))
    return proposal


_IN_ELECTORATE = (select(Electorate.person_id)
                  .where(Electorate.vote_id == bindparam("vote_id"), Electorate.person_id == bindparam("person_id")))


def is_eligible(session: Session, vote: Vote, person_id: int) -> bool:
    """Whether the person is in the vote's electorate (frozen when it opened)."""
    return run(session, _IN_ELECTORATE, {"vote_id": vote.id, "person_id": person_id}).first() is not None


def get_vote(session: Session, number: int) -> Vote:
    vote = session.get(Vote, number)
    if vote is None:
        raise UserError(T("There is no vote V{id}. Send /votes to see the open votes.", id=Raw(str(number))))
    return vote


# --------------------------------------------------------------------------- proposals' history


def proposal_event(session: Session, outbox: Outbox, now: datetime, proposal: Proposal, action: str,
                   message: Localizable, actor_id: int | None, *, answer: str | None = None,
                   text: str | None = None, vote_id: int | None = None, decision_id: int | None = None) -> None:
    """Record a step of the proposal and tell its author (unless they did it themselves)."""
    event = ProposalEvent(proposal_id=proposal.id or 0, at=now, person_id=actor_id, action=action, answer=answer,
                          text=text, vote_id=vote_id, decision_id=decision_id)
    session.add(event)
    session.flush()
    if actor_id != proposal.author_id:
        author = session.get(Person, proposal.author_id)
        if author is not None:
            outbox.to_person(author, message, kind="proposal_update", key=f"proposal:{proposal.id}:event:{event.id}")


# --------------------------------------------------------------------------- electorate


def electorate_of(session: Session, body: str, group_id: int | None, now: datetime) -> list[int]:
    """Who may vote now: holders of a voting role in the body (ended mandates and observers excluded)."""
    query = select(Role).where(col(Role.role).in_(VOTING_ROLES), Role.since <= now)
    roles = [r for r in session.exec(query).all() if r.until is None or r.until > now]
    if body == "committee":
        chosen = {r.person_id for r in roles if r.role in ("committee", "cochair")}
    elif body == "group":
        chosen = {r.person_id for r in roles if r.group_id == group_id}
    else:
        chosen = {r.person_id for r in roles}
    return sorted(chosen)


def electorate_ids(session: Session, vote_id: int) -> list[int]:
    return sorted(session.exec(select(Electorate.person_id).where(Electorate.vote_id == vote_id)).all())


def participants(session: Session, vote_id: int) -> set[int]:
    return set(session.exec(select(Participation.person_id).where(Participation.vote_id == vote_id)).all())


def body_rooms(outbox: Outbox, vote: Vote) -> list[Room]:
    return outbox.rooms_with_purpose(vote.body, vote.group_id if vote.body == "group" else None)


# --------------------------------------------------------------------------- secret ballots


def new_salt() -> str:
    return secrets.token_hex(32)


def slot_of(vote: Vote, person_id: int, ballot_key: bytes) -> str:
    """The keyed hash that lets the bot find (and replace) one voter's secret choice while the vote is open."""
    assert vote.salt is not None
    key = ballot_key + bytes.fromhex(vote.salt)
    return hmac.new(key, f"{vote.id}:{person_id}".encode(), hashlib.sha256).hexdigest()


def secret_slot(session: Session, vote: Vote, person_id: int, ballot_key: str) -> str:
    """`slot_of` with the process's ballot key (`config.ballot_key`), once checked against the database's."""
    return slot_of(vote, person_id, check_in_session(session, ballot_key))


def secret_choice_of(session: Session, vote: Vote, slot: str) -> SecretChoice | None:
    return session.exec(select(SecretChoice).where(SecretChoice.vote_id == vote.id,
                                                   SecretChoice.slot == slot)).first()


def current_choice(session: Session, vote: Vote, person_id: int, ballot_key: str) -> str | None:
    """The sender's own current choice (the bot may read it for them while the vote is open)."""
    if vote.secret:
        row = secret_choice_of(session, vote, secret_slot(session, vote, person_id, ballot_key))
        return row.choice if row else None
    ballot = session.exec(select(Ballot).where(Ballot.vote_id == vote.id, Ballot.person_id == person_id)).first()
    return ballot.choice if ballot else None


_BALLOT = Ballot.__table__  # type: ignore[attr-defined]
_INSERT_BALLOT = insert(_BALLOT)
_CHANGE_BALLOT = update(_BALLOT).where(_BALLOT.c.vote_id == bindparam("b_vote_id"),
                                       _BALLOT.c.person_id == bindparam("b_person_id"))


def record_ballot(session: Session, vote: Vote, person_id: int, choice: str, reason: str | None,
                  now: datetime, ballot_key: str) -> bool:
    """Store or replace a ballot; returns True when it replaced an earlier one."""
    assert vote.id is not None
    # A participation goes with exactly one ballot (or secret choice): written together, withdrawn together.
    first = run(session, insert_or_skip(Participation, dialect_of(session), ("vote_id", "person_id"), "vote_id"),
                {"vote_id": vote.id, "person_id": person_id, "at": now}).first() is not None
    if vote.secret:
        slot = secret_slot(session, vote, person_id, ballot_key)
        row = secret_choice_of(session, vote, slot)
        if row is None:
            session.add(SecretChoice(vote_id=vote.id, slot=slot, choice=choice))
        else:
            row.choice = choice
        session.flush()
    else:
        replaced = 0 if first else run(session, _CHANGE_BALLOT, {
            "b_vote_id": vote.id, "b_person_id": person_id, "choice": choice, "reason": reason,
            "changed_at": now}).rowcount
        if not replaced:
            run(session, _INSERT_BALLOT, {"vote_id": vote.id, "person_id": person_id, "choice": choice,
                                          "reason": reason, "cast_at": now})
    return not first


def withdraw_ballot(session: Session, vote: Vote, person_id: int, ballot_key: str) -> bool:
    assert vote.id is not None
    participation = session.get(Participation, (vote.id, person_id))
    if participation is None:
        return False
    session.delete(participation)
    if vote.secret:
        row = secret_choice_of(session, vote, secret_slot(session, vote, person_id, ballot_key))
        if row is not None:
            session.delete(row)
    else:
        ballot = session.exec(select(Ballot).where(Ballot.vote_id == vote.id,
                                                   Ballot.person_id == person_id)).first()
        if ballot is not None:
            session.delete(ballot)
    session.flush()
    return True


def choices_of(session: Session, vote: Vote) -> list[str]:
    if vote.secret:
        return list(session.exec(select(SecretChoice.choice).where(SecretChoice.vote_id == vote.id)).all())
    return list(session.exec(select(Ballot.choice).where(Ballot.vote_id == vote.id)).all())


def running_counts(session: Session, vote: Vote) -> dict[str, int]:
    counts = {"yes": 0, "no": 0, "abstain": 0}
    for choice in choices_of(session, vote):
        if choice in counts:
            counts[choice] += 1
    return counts


# --------------------------------------------------------------------------- announcements


KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")


def ballot_payload(vote: Vote, lang: Lang, session: Session) -> Extras:
    """Buttons (and, for open votes, reactions) to cast a ballot."""
    ref, private = f"V{vote.id}", vote.secret
    if vote.kind == "election":
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


def how_to_vote(session: Session, vote: Vote) -> Localizable:
    ref = vid(vote.id)
    if vote.kind == "election":
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
        MAJORITY_LABELS[vote.majority] if vote.kind == "motion" else
        T("Each voter approves up to {seats} candidates; the {seats} with most approvals are elected.",
          seats=vote.seats or 0),
        T("Quorum: {share} of the electorate must take part.", share=Percent(float(quorum))) if quorum else
        T("No quorum."),
        T("Secret ballot.") if vote.secret else T("Open ballot: everyone's ballot can be seen."),
    ])


def announcement(session: Session, vote: Vote, electorate: int) -> Lines:
    proposal = session.get(Proposal, vote.proposal_id) if vote.proposal_id else None
    if vote.kind == "election":
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


# --------------------------------------------------------------------------- closing


@dataclass
class Closed:
    vote: Vote
    decision: Decision | None


def close_vote(session: Session, config: Config, outbox: Outbox, now: datetime, vote: Vote,
               by: int | None) -> Closed | None:
    """Count, record the decision, post the result, forget the secret links; None when already closed."""
    assert vote.id is not None
    claimed = session.execute(update(Vote).where(col(Vote.id) == vote.id, col(Vote.status) == "open")
                              .values(status="closed", closed_at=now, closed_by=by)
                              .execution_options(synchronize_session=False))
    if not getattr(claimed, "rowcount", 0):
        return None
    session.refresh(vote)
    electorate = len(electorate_ids(session, vote.id))
    choices = choices_of(session, vote)
    if vote.kind == "election":
        decision = _close_election(session, config, outbox, now, vote, electorate, choices)
    else:
        decision = _close_motion(session, outbox, now, vote, electorate, choices)
    if vote.secret:
        session.execute(update(SecretChoice).where(col(SecretChoice.vote_id) == vote.id).values(slot=None)
                        .execution_options(synchronize_session=False))
        vote.salt = None
    record_audit(session, now, by, "vote.close", "vote", vote.id,
                 {"outcome": (vote.result or {}).get("outcome"), "early": now < vote.closes_at})
    session.flush()
    return Closed(vote, decision)


def _close_motion(session: Session, outbox: Outbox, now: datetime, vote: Vote, electorate: int,
                  choices: list[str]) -> Decision:
    counted = tally([c for c in choices if c in ("yes", "no", "abstain")], electorate,  # type: ignore[misc]
                    fraction_text(vote.quorum), vote.majority)  # type: ignore[arg-type]
    vote.result = {"outcome": counted.outcome, "yes": counted.yes, "no": counted.no, "abstain": counted.abstain,
                   "cast": counted.cast, "electorate": electorate, "tie": counted.tie}
    decision = Decision(vote_id=vote.id, proposal_id=vote.proposal_id, title=vote.title, outcome=counted.outcome,
                        decided_at=now, body=vote.body, group_id=vote.group_id, votes_for=counted.yes,
                        votes_against=counted.no, abstentions=counted.abstain, cast=counted.cast,
                        electorate=electorate, tie=counted.tie and counted.outcome == "rejected")
    session.add(decision)
    session.flush()
    if counted.outcome == "no_quorum":
        verdict: Localizable = T("No quorum: {cast} of {electorate} took part ({share}); {needed} were needed. "
                                 "Nothing is decided.", cast=counted.cast, electorate=electorate,
                                 share=Percent(float(counted.turnout)),
                                 needed=Percent(float(counted.quorum or 0)))
    elif counted.outcome == "adopted":
        verdict = T("Adopted.")
    elif decision.tie:
        verdict = T("Rejected: a tie ({yes} yes, {no} no) does not carry.", yes=counted.yes, no=counted.no)
    else:
        verdict = T("Rejected.")
    message = Lines([
        T("Vote {ref} is closed: {title}", ref=vid(vote.id), title=Raw(vote.title)),
        verdict,
        Lines([T("Yes: {yes} · No: {no} · Abstentions: {abstain}", yes=counted.yes, no=counted.no,
                 abstain=counted.abstain), Raw(" — "), turnout_text(counted.cast, electorate)], sep=""),
        T("Recorded in the register as {ref}.", ref=did(decision.id)),
    ])
    for room in body_rooms(outbox, vote):
        outbox.to_room(room, message, kind="vote_result", key=f"vote:{vote.id}:result")
    if vote.proposal_id:
        proposal = session.get(Proposal, vote.proposal_id)
        if proposal is not None:
            proposal.status = {"adopted": "adopted", "rejected": "rejected"}.get(counted.outcome, "open")
            proposal_event(session, outbox, now, proposal, "decided",
                           Lines([T("Your proposal {ref}: the vote is closed.", ref=pid(proposal.id)), verdict,
                                  T("Recorded in the register as {ref}.", ref=did(decision.id))]),
                           None, answer=counted.outcome, vote_id=vote.id, decision_id=decision.id)
    return decision


def term_end(vote: Vote, closed_at: datetime, tz: ZoneInfo) -> datetime | None:
    if not vote.term_months:
        return None
    return add_months(closed_at.astimezone(tz), vote.term_months)


def _close_election(session: Session, config: Config, outbox: Outbox, now: datetime, vote: Vote,
                    electorate: int, choices: list[str]) -> Decision | None:
    candidates = [str(c) for c in (vote.candidates or [])]
    ballots = [[str(i) for i in json.loads(c)] for c in choices]
    result = approval_result(ballots, candidates, vote.seats or 1)
    quorum = fraction_text(vote.quorum)
    cast = len(ballots)
    met = quorum is None or (electorate > 0 and Fraction(cast, electorate) >= quorum)
    elected = [int(c) for c in result.elected] if met else []
    tied = [int(c) for c in result.tied_for_last] if met else []
    outcome = "no_quorum" if not met else ("tie" if tied else "elected")
    vote.result = {"outcome": outcome, "counts": {c: n for c, n in result.counts.items()}, "cast": cast,
                   "electorate": electorate, "elected": elected, "tied": tied, "seats_left": result.seats_left}
    until = term_end(vote, now, config.tz)
    for person_id in elected:
        _seat(session, person_id, now, until)
    counts = Lines([Lines([who(session, int(c)), Raw(f" {n}")], sep="") for c, n in result.counts.items()],
                   sep=" · ")
    parts: list[Localizable | None] = [T("Election {ref} is closed: {title}", ref=vid(vote.id),
                                         title=Raw(vote.title))]
    decision: Decision | None = None
    if outcome == "no_quorum":
        parts.append(T("No quorum: {cast} of {electorate} took part; {needed} were needed. Nobody is elected.",
                       cast=cast, electorate=electorate, needed=Percent(float(quorum or 0))))
        decision = _election_decision(session, vote, now, "no_quorum", [], cast, electorate)
    else:
        if elected:
            parts.append(_elected_line(session, elected, until))
        if tied:
            parts.append(TN("Tie for the last seat: {names} have as many approvals; {n} seat is left to the "
                            "co-chairs, who decide with /election resolve {ref} @name.",
                            "Tie for the last seats: {names} have as many approvals; {n} seats are left to the "
                            "co-chairs, who decide with /election resolve {ref} @name.",
                            result.seats_left, names=names(session, tied), ref=vid(vote.id)))
        else:
            decision = _election_decision(session, vote, now, "elected", elected, cast, electorate)
    parts.append(Lines([T("Approvals: {counts}", counts=counts), Raw(" — "), turnout_text(cast, electorate)],
                       sep=""))
    if decision is not None:
        parts.append(T("Recorded in the register as {ref}.", ref=did(decision.id)))
    for room in body_rooms(outbox, vote):
        outbox.to_room(room, Lines(parts), kind="election_result", key=f"vote:{vote.id}:result")
    if tied:
        vote.status = "tie"
    return decision


def _seat(session: Session, person_id: int, now: datetime, until: datetime | None) -> None:
    person = session.get(Person, person_id)
    if person is not None:
        grant(session, person, "committee", None, now, until, None)
        record_audit(session, now, None, "role.grant", "person", person_id,
                     {"role": "committee", "until": until.isoformat() if until else None, "by": "election"})


def _elected_line(session: Session, elected: list[int], until: datetime | None) -> Localizable:
    if until is None:
        return T("Elected: {names}.", names=names(session, elected))
    return T("Elected: {names}, until {date}.", names=names(session, elected), date=Day(until.date()))


def _election_decision(session: Session, vote: Vote, now: datetime, outcome: str, elected: list[int],
                       cast: int, electorate: int) -> Decision:
    decision = Decision(vote_id=vote.id, title=vote.title, outcome=outcome, decided_at=now, body=vote.body,
                        group_id=vote.group_id, cast=cast, electorate=electorate, elected=elected)
    session.add(decision)
    session.flush()
    return decision


def resolve_tie(session: Session, config: Config, outbox: Outbox, now: datetime, vote: Vote, chosen: list[int],
                by: int) -> Decision:
    """The co-chairs fill the seats left by a tie; the election's decision is recorded then."""
    result = vote.result or {}
    tied, seats_left = list(result.get("tied", [])), int(result.get("seats_left", 0))
    outside = [c for c in chosen if c not in tied]
    if outside:
        raise UserError(T("{who} is not among the tied candidates ({names}).", who=who(session, outside[0]),
                          names=names(session, tied)))
    if len(set(chosen)) != seats_left:
        raise UserError(TN("Name exactly {n} of the tied candidates.", "Name exactly {n} of the tied candidates.",
                           seats_left))
    closed_at = vote.closed_at or now
    until = term_end(vote, closed_at, config.tz)
    for person_id in chosen:
        _seat(session, person_id, now, until)
    elected = [*result.get("elected", []), *chosen]
    vote.result = {**result, "elected": elected, "resolved_by": by}
    vote.status = "closed"
    decision = _election_decision(session, vote, now, "elected", elected, int(result.get("cast", 0)),
                                  int(result.get("electorate", 0)))
    record_audit(session, now, by, "election.resolve", "vote", vote.id, {"chosen": chosen})
    message = Lines([T("Election {ref}: the co-chairs settled the tie.", ref=vid(vote.id)),
                     _elected_line(session, elected, until),
                     T("Recorded in the register as {ref}.", ref=did(decision.id))])
    for room in body_rooms(outbox, vote):
        outbox.to_room(room, message, kind="election_result", key=f"vote:{vote.id}:resolved")
    return decision


def person_reader(session: Session, config: Config, person: Person) -> Lang:
    """How a person reads private messages (for rendering button labels outside a command)."""
    account = dm_account(session, person.id or 0)
    return person_lang(config, person, account.network if account else "")
