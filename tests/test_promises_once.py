"""Promises the curated mutants of tests/mutants.toml break, where no other test caught the break: an overdue alert
and a vote reminder are stamped and never repeated (the outbox's keys would hide a repeat of the messages, not of
the work and its records), the electorate is the one frozen when the vote opened, an election's quorum exactly
reached elects, and the register marks a tie only when it rejects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from bot.app import Forum
from bot.notify import Outbox
from bot.scheduling.due import JobContext
from bot.scheduling.milestones import alert_overdue
from bot.scheduling.votes import send_reminders
from bot.storage.db import unit_of_work
from bot.storage.tables import AuditEvent, Ballot, Decision, Milestone, OutboxMessage, Vote
from tests.support.forum_setup import commitment_with_milestones, committee, propose, start
from tests.transcript import bot_lines, play

MILESTONES = start() + commitment_with_milestones([("H1 2024", "First plenary"), ("2024-07-15", "Second plenary")])

COMMITTEE = start() + committee() + propose("Publish the minutes")


def _job(forum: Forum, session: Session) -> JobContext:
    now = forum.clock.now()
    return JobContext(session, forum.config, now, Outbox(session, forum.config, now))


def _stamps(forum: Forum) -> list[datetime | None]:
    with Session(forum.engine) as session:
        return [m.overdue_alerted_at for m in session.exec(select(Milestone).order_by(col(Milestone.id))).all()]


def _count(forum: Forum, kind: str) -> int:
    with Session(forum.engine) as session:
        return len(session.exec(select(OutboxMessage.id).where(OutboxMessage.kind == kind)).all())


def _audits(forum: Forum, action: str) -> int:
    with Session(forum.engine) as session:
        return len(session.exec(select(AuditEvent.id).where(AuditEvent.action == action)).all())


async def test_an_overdue_alert_is_stamped_and_not_repeated(forum: Forum) -> None:
    await play(forum, MILESTONES + "@at 2024-06-30 23:00\n")
    assert _count(forum, "milestone_overdue") == 0, "alerted on its due date, not from the day after"
    assert _stamps(forum) == [None, None]

    alerted = datetime(2024, 7, 2, 8, 0, tzinfo=UTC)
    forum.advance_to(alerted)
    first, second = _stamps(forum)
    assert first is not None and second is None
    assert _count(forum, "milestone_overdue") == 2  # the secretariat's alert and the group's notice
    with unit_of_work(forum.engine) as session:
        assert alert_overdue(_job(forum, session)) == 0, "an alerted milestone was taken up again"

    # The second milestone falls due: only it is alerted; the first keeps the moment of its one alert.
    forum.advance_to(datetime(2024, 7, 20, 8, 0, tzinfo=UTC))
    again, second = _stamps(forum)
    assert again == first and second is not None and second > first
    assert _count(forum, "milestone_overdue") == 4


async def test_a_vote_reminder_is_sent_once(forum: Forum) -> None:
    await play(forum, COMMITTEE + "[committee] bob: /vote open P1 closes=3d\n[committee] carol: /vote V1 yes\n"
                                  "@advance 2d\n")
    assert _count(forum, "vote_reminder") == 3  # bob, dave, erin: carol has voted
    with Session(forum.engine) as session:
        vote = session.get(Vote, 1)
        assert vote is not None and vote.reminded_at is not None
        reminded_at = vote.reminded_at
    assert _audits(forum, "vote.remind") == 1
    with unit_of_work(forum.engine) as session:
        assert send_reminders(_job(forum, session)) == 0
    forum.advance_to(forum.clock.now() + timedelta(hours=12))
    with Session(forum.engine) as session:
        vote = session.get(Vote, 1)
        assert vote is not None and vote.reminded_at == reminded_at and vote.status == "open"
    assert _audits(forum, "vote.remind") == 1, "the reminder pass ran again on a reminded vote"
    assert _count(forum, "vote_reminder") == 3


async def test_the_electorate_is_frozen_when_the_vote_opens(forum: Forum) -> None:
    out = await play(forum, COMMITTEE + """\
[plenary] alice: /role @ivy committee
[plenary] alice: /role @ivy committee end
@advance 1h
[committee] bob: /vote open P1 closes=3d
[plenary] alice: /role @frank committee
[plenary] alice: /role @gary committee
[plenary] alice: /role @erin committee end
[committee] frank: /vote V1 yes
[committee] ivy: /vote V1 yes
[committee] erin: /vote V1 no
[committee] carol: /vote V1 yes
""")
    lines = bot_lines(out)
    refused = [line for line in lines if "You are not in the electorate of V1" in line]
    assert len(refused) == 2, out  # frank came after the opening, ivy's mandate had ended before it
    assert "(4 people)" in out  # bob, carol, dave, erin
    with Session(forum.engine) as session:
        ballots = sorted(session.exec(select(Ballot.choice).where(Ballot.vote_id == 1)).all())
    assert ballots == ["no", "yes"]  # erin (whose mandate ended after the opening) and carol were recorded
    forum.advance_to(forum.clock.now() + timedelta(days=4))
    with Session(forum.engine) as session:
        decision = session.exec(select(Decision)).one()
        vote = session.get(Vote, 1)
        assert vote is not None and vote.result is not None
    assert (decision.electorate, decision.cast, decision.votes_for, decision.votes_against) == (4, 2, 1, 1)
    assert vote.result["electorate"] == 4


async def test_an_election_quorum_exactly_reached_elects(forum: Forum) -> None:
    out = await play(forum, COMMITTEE + """\
[plenary] bob: /election open Treasurer seats=1 candidates=@carol,@dave closes=1d quorum=50% body=committee
[dm] carol: /vote V1 @carol
[dm] dave: /vote V1 @carol
@advance 2d
[plenary] bob: /election open Secretary seats=1 candidates=@carol,@dave closes=1d quorum=50% body=committee
[dm] dave: /vote V2 @dave
@advance 2d
""")
    with Session(forum.engine) as session:
        first, second = session.get(Vote, 1), session.get(Vote, 2)
        assert first is not None and second is not None and first.result and second.result, out
    assert first.result["electorate"] == 4 and first.result["cast"] == 2
    assert first.result["outcome"] == "elected" and first.result["elected"], out  # 2 of 4: 50 % exactly
    assert second.result["outcome"] == "no_quorum" and second.result["elected"] == [], out  # 1 of 4


async def test_a_tie_is_recorded_only_when_it_rejects(forum: Forum) -> None:
    out = await play(forum, COMMITTEE + """\
[committee] bob: /vote open P1 closes=1d quorum=100%
[committee] carol: /vote V1 yes
[committee] dave: /vote V1 no
@advance 2d
""")
    with Session(forum.engine) as session:
        decision = session.exec(select(Decision)).one()
    assert decision.outcome == "no_quorum", out
    assert (decision.votes_for, decision.votes_against) == (1, 1)
    assert decision.tie is False  # as many yes as no, but nothing was decided: not a rejected tie
