"""Proxies (procurations): a member gives their vote to another member of the same body, for one vote, one
meeting or until a date; the holder casts the giver's ballot, recorded as the giver's with a `ProxyBallot` row
saying who cast it (who, never what: a secret choice stays under the giver's slot).

A giver who votes themselves takes the vote back: their ballot replaces the holder's, and a proxy given for that
vote alone ends. Every proxy given, ended or used is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import union_all
from sqlmodel import Session, col, or_, select

from bot.audit import record_audit
from bot.domain import DomainError, UnitOfWork
from bot.domain.meetings import MeetingStatus
from bot.domain.people import VOTING_ROLES, active_roles
from bot.domain.votes import VoteStatus
from bot.domain.votes.ballots import VoteClosed, record_ballot, withdraw_ballot
from bot.domain.votes.colleges import rules_of
from bot.domain.votes.lookups import is_eligible
from bot.rules.proxies import proxy_refusal
from bot.storage.tables import Meeting, Participation, Person, Proxy, ProxyBallot, Vote

MEETING_PROXY_LASTS = timedelta(days=1)  # a proxy for a meeting covers the votes opened during it


class ProxyRefused(DomainError):
    """A proxy that may not be given; `code` says why (bot/rules/proxies.py, or not_voter / already_given)."""

    def __init__(self, code: str, person_id: int | None = None) -> None:
        super().__init__(code, person_id)
        self.code, self.person_id = code, person_id


class NoProxy(DomainError):
    """The holder has no proxy from the giver that covers this vote (or, for a cancel, there is none to end)."""


class GiverVoted(DomainError):
    """The giver has cast their own ballot in this vote: the proxy can no longer be used for it."""


@dataclass(frozen=True)
class Cover:
    """What a proxy covers: one vote, one meeting's votes, or every vote until a moment."""

    vote: Vote | None = None
    meeting: Meeting | None = None
    until: datetime | None = None


def give(uow: UnitOfWork, giver: Person, holder: Person, cover: Cover) -> Proxy:
    """Record a proxy from `giver` to `holder`, checked against the config's rules."""
    assert giver.id is not None and holder.id is not None
    if cover.vote is not None and cover.vote.status != VoteStatus.OPEN:
        raise VoteClosed()
    _check_voters(uow, giver, holder, cover)
    if _given(uow.session, giver.id, cover, uow.now):
        raise ProxyRefused("already_given")
    held = len([p for p in _active(uow.session, uow.now, holder_id=holder.id) if _same_cover(p, cover)])
    code = proxy_refusal(uow.config.proxies, giver=giver.id, holder=holder.id, held=held,
                         giver_college=giver.college, holder_college=holder.college,
                         secret=bool(cover.vote and cover.vote.secret))
    if code:
        raise ProxyRefused(code)
    proxy = Proxy(giver_id=giver.id, holder_id=holder.id, vote_id=cover.vote.id if cover.vote else None,
                  meeting_id=cover.meeting.id if cover.meeting else None, until=cover.until, created_at=uow.now)
    uow.session.add(proxy)
    uow.session.flush()
    record_audit(uow.session, uow.now, giver.id, "proxy.give", "proxy", proxy.id, {
        "giver": giver.id, "holder": holder.id, "vote": proxy.vote_id, "meeting": proxy.meeting_id,
        "until": cover.until.isoformat() if cover.until else None})
    return proxy


def _check_voters(uow: UnitOfWork, giver: Person, holder: Person, cover: Cover) -> None:
    """Both must be voters: in the vote's electorate, or holding a voting role now."""
    for person in (giver, holder):
        assert person.id is not None
        if cover.vote is not None:
            allowed = is_eligible(uow.session, cover.vote, person.id)
        else:
            allowed = any(r.role in VOTING_ROLES for r in active_roles(uow.session, person.id, uow.now))
        if not allowed:
            raise ProxyRefused("not_voter", person.id)


def cancel(uow: UnitOfWork, giver_id: int, cover: Cover, reason: str = "giver") -> list[Proxy]:
    """End the giver's proxies for this cover (all of theirs when the cover is empty); NoProxy when none."""
    ended = [p for p in _active(uow.session, uow.now, giver_id=giver_id) if _same_cover(p, cover) or
             cover == Cover()]
    if cover.vote is not None and cover.vote.status != VoteStatus.OPEN:
        raise VoteClosed()
    if not ended:
        raise NoProxy()
    for proxy in ended:
        proxy.cancelled_at = uow.now
        record_audit(uow.session, uow.now, giver_id, "proxy.cancel", "proxy", proxy.id, {"reason": reason})
    uow.session.flush()
    return ended


def covering(session: Session, vote: Vote, giver_id: int, holder_id: int, now: datetime) -> Proxy | None:
    """The giver's proxy to the holder that covers `vote` now, if any."""
    meeting_id = _meeting_of(session, vote)
    for proxy in _active(session, now, giver_id=giver_id, holder_id=holder_id):
        if proxy.vote_id == vote.id or (proxy.meeting_id is not None and proxy.meeting_id == meeting_id) or \
                _dated(proxy):
            return proxy
    return None


def givers_at_meeting(session: Session, meeting_id: int, holders: frozenset[int], now: datetime) -> set[int]:
    """Those whose proxy for the meeting (or until a date) is held by someone present: counted present too."""
    return {p.giver_id for p in _active(session, now) if p.holder_id in holders and
            (p.meeting_id == meeting_id or _dated(p))}


def cast_for(uow: UnitOfWork, vote: Vote, holder_id: int, giver_id: int, choice: str, reason: str | None,
             college: str | None) -> bool:
    """The holder casts (or changes) the giver's ballot; returns True when it replaced one."""
    proxy = _usable(uow, vote, holder_id, giver_id)
    changed = record_ballot(uow.session, vote, giver_id, choice, reason, uow.now, uow.config.ballot_key, college)
    row = uow.session.get(ProxyBallot, (vote.id, giver_id))
    if row is None:
        uow.session.add(ProxyBallot(vote_id=vote.id or 0, giver_id=giver_id, holder_id=holder_id,
                                    proxy_id=proxy.id or 0))
    uow.session.flush()
    record_audit(uow.session, uow.now, holder_id, "vote.proxy_ballot", "vote", vote.id,
                 {"giver": giver_id, "holder": holder_id, "proxy": proxy.id, "changed": changed})
    return changed


def withdraw_for(uow: UnitOfWork, vote: Vote, holder_id: int, giver_id: int) -> bool:
    """The holder withdraws the ballot they cast for the giver; False when there was none."""
    _usable(uow, vote, holder_id, giver_id)
    row = uow.session.get(ProxyBallot, (vote.id, giver_id))
    if row is None or not withdraw_ballot(uow.session, vote, giver_id, uow.config.ballot_key):
        return False
    uow.session.delete(row)
    uow.session.flush()
    record_audit(uow.session, uow.now, holder_id, "vote.proxy_withdraw", "vote", vote.id, {"giver": giver_id})
    return True


def _usable(uow: UnitOfWork, vote: Vote, holder_id: int, giver_id: int) -> Proxy:
    if vote.status != VoteStatus.OPEN:
        raise VoteClosed()
    proxy = covering(uow.session, vote, giver_id, holder_id, uow.now)
    own = uow.session.get(Participation, (vote.id, giver_id)) is not None and \
        uow.session.get(ProxyBallot, (vote.id, giver_id)) is None
    if own and (proxy is not None or _was_given_for(uow.session, vote, giver_id, holder_id)):
        raise GiverVoted()
    if proxy is None or not is_eligible(uow.session, vote, giver_id):
        raise NoProxy()
    return proxy


def _was_given_for(session: Session, vote: Vote, giver_id: int, holder_id: int) -> bool:
    """A proxy for this vote alone, ended when the giver voted themselves."""
    return session.exec(select(Proxy).where(Proxy.vote_id == vote.id, Proxy.giver_id == giver_id,
                                            Proxy.holder_id == holder_id)).first() is not None


def took_back(uow: UnitOfWork, vote: Vote, giver_id: int) -> int | None:
    """The giver votes themselves: the holder's ballot for them is theirs now, a proxy for this vote alone ends.
    Returns the holder whose ballot was replaced, if any (to tell them)."""
    if not _any_proxy_in(uow.session, vote, giver_id):
        return None
    row = uow.session.get(ProxyBallot, (vote.id, giver_id))
    holder = row.holder_id if row else None
    if row is not None:
        uow.session.delete(row)
    for proxy in _active(uow.session, uow.now, giver_id=giver_id):
        if proxy.vote_id == vote.id:
            proxy.cancelled_at = uow.now
            record_audit(uow.session, uow.now, giver_id, "proxy.cancel", "proxy", proxy.id, {"reason": "voted"})
            holder = holder or proxy.holder_id
    uow.session.flush()
    return holder


def _any_proxy_in(session: Session, vote: Vote, giver_id: int) -> bool:
    """One statement on every ballot: did the giver's proxy cast, or may it cast, in this vote?"""
    cast = select(ProxyBallot.holder_id).where(ProxyBallot.vote_id == vote.id, ProxyBallot.giver_id == giver_id)
    given = select(Proxy.holder_id).where(Proxy.vote_id == vote.id, Proxy.giver_id == giver_id,
                                          col(Proxy.cancelled_at).is_(None))
    return session.exec(union_all(cast, given).limit(1)).first() is not None  # type: ignore[call-overload]


def given_and_held(session: Session, person_id: int, now: datetime) -> tuple[list[Proxy], list[Proxy]]:
    """The person's active proxies: those they gave, those they hold."""
    active = _active(session, now)
    return [p for p in active if p.giver_id == person_id], [p for p in active if p.holder_id == person_id]


def _active(session: Session, now: datetime, *, giver_id: int | None = None,
            holder_id: int | None = None) -> list[Proxy]:
    query = select(Proxy).where(col(Proxy.cancelled_at).is_(None),
                                or_(col(Proxy.until).is_(None), col(Proxy.until) > now))
    if giver_id is not None:
        query = query.where(Proxy.giver_id == giver_id)
    if holder_id is not None:
        query = query.where(Proxy.holder_id == holder_id)
    return [p for p in session.exec(query.order_by(col(Proxy.id))).all() if _not_spent(session, p, now)]


def _not_spent(session: Session, proxy: Proxy, now: datetime) -> bool:
    """A proxy for one vote ends with it; for a meeting, when it is cancelled or a day after it starts."""
    if proxy.vote_id is not None:
        vote = session.get(Vote, proxy.vote_id)
        return vote is not None and vote.status == VoteStatus.OPEN
    if proxy.meeting_id is not None:
        meeting = session.get(Meeting, proxy.meeting_id)
        return meeting is not None and meeting.status != MeetingStatus.CANCELLED and \
            now < meeting.starts_at + MEETING_PROXY_LASTS
    return True


def _given(session: Session, giver_id: int, cover: Cover, now: datetime) -> bool:
    return any(_same_cover(p, cover) for p in _active(session, now, giver_id=giver_id))


def _same_cover(proxy: Proxy, cover: Cover) -> bool:
    if cover.vote is not None:
        return proxy.vote_id == cover.vote.id
    if cover.meeting is not None:
        return proxy.meeting_id == cover.meeting.id
    return cover.until is not None and _dated(proxy)


def _dated(proxy: Proxy) -> bool:
    """A proxy for every vote until a date (not for one vote or one meeting)."""
    return proxy.until is not None and proxy.vote_id is None and proxy.meeting_id is None


def _meeting_of(session: Session, vote: Vote) -> int | None:
    rules = rules_of(session, vote.id)
    return rules.meeting_id if rules else None
