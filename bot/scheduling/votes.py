"""Votes on time: a private reminder before closing to each eligible member who has not voted, and closing at the
deadline. The database is the truth: `reminded_at` and `status` are set in the same transaction as the messages,
so after a restart nothing is sent twice and a missed deadline is caught up."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.audit import record_audit
from bot.config import Config
from bot.domain import UnitOfWork
from bot.domain.votes import VoteStatus
from bot.domain.votes.closing import close_vote
from bot.domain.votes.lookups import electorate_ids, participants
from bot.i18n import Lines, Raw, T, When
from bot.scheduling.due import JobContext, due_source
from bot.storage.tables import Person, Vote
from bot.wording.votes import ballot_payload, how_to_vote, person_reader, post_result, vid


def _remindable(session: Session, config: Config) -> list[Vote]:
    """Open votes whose reminder is still to send (a vote shorter than the lead time gets none)."""
    before = config.reminders.vote_reminder_before
    votes = session.exec(select(Vote).where(Vote.status == VoteStatus.OPEN, col(Vote.reminded_at).is_(None))).all()
    return [v for v in votes if v.closes_at - before > v.opens_at]


def next_reminder(session: Session, config: Config, now: datetime) -> datetime | None:
    moments = [v.closes_at - config.reminders.vote_reminder_before for v in _remindable(session, config)]
    return min(moments) if moments else None


@due_source("votes.remind", next_due=next_reminder)
def send_reminders(job: JobContext) -> int:
    sent = 0
    for vote in _remindable(job.session, job.config):
        if vote.closes_at - job.config.reminders.vote_reminder_before > job.now:
            continue
        vote.reminded_at = job.now
        if job.now >= vote.closes_at:
            continue
        assert vote.id is not None
        voted = participants(job.session, vote.id)
        reminded = 0
        message = Lines([
            T("Reminder: you have not voted yet in {ref}: {title}", ref=vid(vote.id), title=Raw(vote.title)),
            T("It closes {when}.", when=When(vote.closes_at)),
            how_to_vote(job.session, vote),
        ])
        for person_id in electorate_ids(job.session, vote.id):
            person = job.session.get(Person, person_id)
            if person_id in voted or person is None:
                continue
            reader = person_reader(job.session, job.config, person)
            if job.outbox.to_person(person, message, kind="vote_reminder", key=f"vote:{vote.id}:reminder",
                                    extras=ballot_payload(vote, reader, job.session)):
                reminded += 1
        sent += reminded
        record_audit(job.session, job.now, None, "vote.remind", "vote", vote.id, {"sent": reminded})
    return sent


def next_closing(session: Session, config: Config, now: datetime) -> datetime | None:
    return session.exec(select(Vote.closes_at).where(Vote.status == VoteStatus.OPEN)
                        .order_by(col(Vote.closes_at))).first()


@due_source("votes.close", next_due=next_closing)
def close_due_votes(job: JobContext) -> int:
    closed = 0
    due = job.session.exec(select(Vote).where(Vote.status == VoteStatus.OPEN, Vote.closes_at <= job.now)
                           .order_by(col(Vote.closes_at), col(Vote.id))).all()
    uow = UnitOfWork(job.session, job.outbox, job.now, job.config)
    for vote in due:
        result = close_vote(uow, vote, None)
        if result is not None:
            post_result(job.session, job.outbox, result)
            closed += 1
    return closed
