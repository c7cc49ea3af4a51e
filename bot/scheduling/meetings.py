"""Scheduled work of meetings: reminders before each meeting, the cadence watch, and action items due.

What is due and its bookkeeping live in bot/domain/meetings/ (reminders, cadence); the wording in
bot/wording/meetings.py. Here: the due sources, which queue the messages.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.domain.meetings import MeetingKind, at_local
from bot.domain.meetings.cadence import next_cadence, take_due_cadence
from bot.domain.meetings.minutes import unreminded_actions
from bot.domain.meetings.reminders import next_reminder, take_due_reminders
from bot.domain.rooms import RoomPurpose
from bot.i18n import Day, Raw, T
from bot.scheduling.due import JobContext, due_source
from bot.storage.tables import ActionItem, Meeting, Person
from bot.wording.meetings import cadence_message, reminder_message, tell_rooms
from bot.wording.people import who


@due_source("meetings.remind", next_due=next_reminder)
def send_meeting_reminders(job: JobContext) -> int:
    due = take_due_reminders(job.session, job.config, job.now)
    for reminder in due:
        tell_rooms(job.outbox, reminder.meeting, reminder_message(job.session, reminder.meeting, reminder.lead),
                   kind="meeting_reminder", key=reminder.key)
    return len(due)


@due_source("meetings.cadence", next_due=next_cadence)
def send_cadence_reminders(job: JobContext) -> int:
    notices = take_due_cadence(job.session, job.config, job.now)
    for notice in notices:
        message, kind, key = cadence_message(notice), notice.watch.notice_kind, notice.key
        if notice.watch.kind == MeetingKind.GROUP:
            job.outbox.to_purpose(RoomPurpose.GROUP, message, kind=kind, key=key, group_id=notice.watch.group_id)
        else:
            job.outbox.to_purpose(RoomPurpose.PLENARY, message, kind=kind, key=key)
        job.outbox.to_purpose(RoomPurpose.SECRETARIAT, message, kind=kind, key=key)
    return len(notices)


# Action items, reminded to their owner on the day they are due


def _action_moment(action: ActionItem, config: Config) -> datetime:
    assert action.due is not None
    return at_local(action.due, config)


def next_action(session: Session, config: Config, now: datetime) -> datetime | None:
    moments = [_action_moment(action, config) for action in unreminded_actions(session)]
    return min(moments) if moments else None


@due_source("meetings.actions", next_due=next_action)
def remind_actions(job: JobContext) -> int:
    sent = 0
    for action in unreminded_actions(job.session):
        if _action_moment(action, job.config) > job.now:
            continue
        action.reminded_at = job.now
        owner = job.session.get(Person, action.owner_id)
        meeting = job.session.get(Meeting, action.meeting_id)
        assert owner is not None and owner.id is not None and meeting is not None
        message = T("Action due today ({due}), from meeting S{id}: {text}", due=Day(action.due or job.now.date()),
                    id=Raw(str(meeting.id)), text=Raw(action.text))
        key = f"action:{action.id}:due"
        if not job.outbox.to_person(owner, message, kind="action_due", key=key):
            tell_rooms(job.outbox, meeting, T("{who}, action due today ({due}), from meeting S{id}: {text}",
                                              who=who(job.session, owner.id), due=Day(action.due or job.now.date()),
                                              id=Raw(str(meeting.id)), text=Raw(action.text)),
                       kind="action_due", key=key)
        sent += 1
    return sent
