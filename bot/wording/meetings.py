"""Meetings as people read them: labels, the agenda, reminders and cadence notices (shared by the commands and
the scheduled work), and the refusals common to several meeting commands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from bot.domain.meetings import (
    MeetingKind,
    NonexistentLocalTime,
    WasCancelled,
    WasHeld,
    group_of,
    rooms_concerned,
)
from bot.domain.meetings.agenda import agenda_items
from bot.domain.meetings.cadence import CadenceNotice
from bot.domain.meetings.minutes import AlreadyTaking, Minutes, Tag
from bot.errors import UserError
from bot.i18n import TN, Day, Lang, Lines, Localizable, Raw, T, When
from bot.notify import Outbox
from bot.parsing import Ref
from bot.rules.calendar import Cadence, CadencePeriod
from bot.storage.tables import ActionItem, Meeting, Room
from bot.wording.people import who

MEETING = Ref("S", T("a meeting id like S2"))


def get_meeting(session: Session, number: int) -> Meeting:
    """The meeting S<number>, or a refusal saying how to find the right id."""
    meeting = session.get(Meeting, number)
    if meeting is None:
        raise UserError(T("There is no meeting S{id}. Send /meetings to see the meetings planned.",
                          id=Raw(str(number))))
    return meeting


def refused(exc: WasCancelled | WasHeld | NonexistentLocalTime) -> UserError:
    """The refusals several meeting commands share, worded."""
    if isinstance(exc, NonexistentLocalTime):
        return UserError(T("{time} does not exist in {zone}: the clocks change that night. Choose another time.",
                           time=Raw(exc.local.strftime("%Y-%m-%d %H:%M")), zone=Raw(str(exc.zone))))
    if isinstance(exc, WasCancelled):
        return UserError(T("Meeting S{id} was cancelled.", id=Raw(str(exc.meeting_id))))
    return UserError(T("Meeting S{id} was already held.", id=Raw(str(exc.meeting_id))))


def meeting_body_label(session: Session, meeting: Meeting) -> Localizable:
    """`working group open-data`, `plenary`, `management committee` (no article: votes say `the plenary`)."""
    if meeting.kind == MeetingKind.PLENARY:
        return T("plenary")
    if meeting.kind == MeetingKind.COMMITTEE:
        return T("management committee")
    group = group_of(session, meeting)
    return T("working group {slug}", slug=Raw(group.slug if group else "?"))


def meeting_label(session: Session, meeting: Meeting) -> Localizable:
    """`S2 (working group open-data, June 10, 2024, 10:00)`."""
    return T("S{id} ({body}, {when})", id=Raw(str(meeting.id)), body=meeting_body_label(session, meeting),
             when=When(meeting.starts_at))


def tell_rooms(outbox: Outbox, meeting: Meeting, message: Localizable, *, kind: str, key: str,
               skip: Room | None = None) -> int:
    """Queue a message to every room concerned (except `skip`, usually where the command was sent)."""
    return sum(outbox.to_room(room, message, kind=kind, key=key)
               for room in rooms_concerned(outbox, meeting) if skip is None or room.id != skip.id)


def agenda_lines(session: Session, meeting: Meeting) -> Lines:
    """The agenda as a reader sees it: a title saying whether it is approved, then numbered items."""
    assert meeting.id is not None
    items = agenda_items(session, meeting.id)
    if not items:
        return Lines([T("No agenda yet.")])
    title = (T("Agenda (approved on {date}):", date=Day(meeting.agenda_approved_at.date()))
             if meeting.agenda_approved_at else T("Draft agenda:"))
    return Lines([title, *(Raw(f"{n}. {item.text}") for n, item in enumerate(items, start=1))])


def place_line(meeting: Meeting) -> Localizable | None:
    return T("Place: {place}", place=Raw(meeting.place)) if meeting.place else None


def _lead_text(lead: timedelta) -> Localizable:
    seconds = int(lead.total_seconds())
    if seconds % 86400 == 0:
        return TN("in {n} day", "in {n} days", seconds // 86400)
    if seconds % 3600 == 0:
        return TN("in {n} hour", "in {n} hours", seconds // 3600)
    return TN("in {n} minute", "in {n} minutes", max(seconds // 60, 1))


def reminder_message(session: Session, meeting: Meeting, lead: timedelta) -> Lines:
    return Lines([T("Reminder: meeting S{id} ({body}) {lead}, on {when}.", id=Raw(str(meeting.id)),
                    body=meeting_body_label(session, meeting), lead=_lead_text(lead), when=When(meeting.starts_at)),
                  place_line(meeting), agenda_lines(session, meeting)])


# The cadence


@dataclass(frozen=True)
class PeriodLabel:
    """`Q2 2024` / `T2 2024`, `H1 2024` / `S1 2024`, or the period's dates when it is not a calendar one."""

    cadence: Cadence
    period: CadencePeriod

    def render(self, lang: Lang) -> str:
        start, step = self.period.start, self.cadence.months_per_period
        if self.cadence.aligned and step == 3:
            return T("Q{n} {year}", n=Raw(str((start.month - 1) // 3 + 1)), year=Raw(str(start.year))).render(lang)
        if self.cadence.aligned and step == 6:
            return T("H{n} {year}", n=Raw(str((start.month - 1) // 6 + 1)), year=Raw(str(start.year))).render(lang)
        return T("{start} to {end}", start=Day(start), end=Day(self.period.end)).render(lang)


def cadence_message(notice: CadenceNotice) -> Localizable:
    watch, period = notice.watch, notice.period
    label = PeriodLabel(watch.cadence, period)
    if watch.group is not None:
        slug = Raw(watch.group.slug)
        if notice.which == "first":
            return T("The working group {slug} has no meeting planned for {period}. Working groups meet once a "
                     "quarter: please plan one with /meeting plan {slug} <YYYY-MM-DD HH:MM> [place].",
                     slug=slug, period=label)
        return T("{period} ends on {end} and the working group {slug} has not met yet. Please plan a meeting "
                 "with /meeting plan {slug} <YYYY-MM-DD HH:MM> [place], or post the minutes of the one held.",
                 slug=slug, period=label, end=Day(period.end))
    if notice.which == "first":
        return T("No plenary is planned for {period}. The plenary meets twice a year: please plan it with "
                 "/meeting plan plenary <YYYY-MM-DD HH:MM> [place].", period=label)
    return T("{period} ends on {end} and the plenary has not met yet. Please plan it with /meeting plan plenary "
             "<YYYY-MM-DD HH:MM> [place], or post the minutes of the one held.", period=label, end=Day(period.end))



# Minutes


def people_list(session: Session, ids: list[int]) -> Lines:
    """`@bob, @carol`: the people as mentions."""
    return Lines([who(session, p) for p in ids], sep=", ")


# Each kind of item as the reader would tag it (`#agreed`, `#accord` in French).
ITEM_WORDS = {Tag.TOPIC: T("#topic"), Tag.INFO: T("#info"), Tag.IDEA: T("#idea"), Tag.AGREED: T("#agreed"),
              Tag.DISAGREED: T("#disagreed"), Tag.ACTION: T("#action"), Tag.LINK: T("#link")}
SECTIONS = ((Tag.TOPIC, T("Topics:")), (Tag.INFO, T("Information:")), (Tag.IDEA, T("Ideas:")),
            (Tag.AGREED, T("Agreed:")), (Tag.DISAGREED, T("Disagreed:")))


def action_line(session: Session, action: ActionItem) -> Lines:
    """`• @carol: draft the letter (due April 17, 2024)`; `• no owner: …` for an action that named nobody known."""
    owner = who(session, action.owner_id) if action.owner_id is not None else T("no owner")
    return Lines([Raw("• "), owner, Raw(": "), Raw(action.text),
                  Lines([Raw(" ("), T("due {date}", date=Day(action.due)), Raw(")")], sep="") if action.due else None],
                 sep="")


def minutes_text(session: Session, meeting: Meeting, taken: Minutes) -> Lines:
    """The minutes as posted when they end: who was present and chaired, then each kind of item, actions with
    their owners, and links."""
    sections: list[Localizable] = []
    for tag, title in SECTIONS:
        chosen = taken.tagged(tag)
        sections += [title, *(Raw(f"• {e.text}") for e in chosen)] if chosen else []
    if taken.actions:
        sections += [T("Actions:"), *(action_line(session, a) for a in taken.actions)]
    if links := taken.tagged(Tag.LINK):
        sections += [T("Links:"), *(Raw(f"• {e.text}") for e in links)]
    return Lines([
        T("Minutes of {meeting}", meeting=meeting_label(session, meeting)),
        Lines([T("Present:"), people_list(session, taken.present)], sep=" "),
        Lines([T("Chairs:"), people_list(session, taken.chairs)], sep=" "),
        *sections,
    ])


def already_taking(session: Session, exc: AlreadyTaking, asked: int) -> UserError:
    """Why /minutes start is refused while minutes are open in the room, saying which and since when."""
    running = exc.running
    fields = {"id": Raw(str(running.meeting_id)), "asked": Raw(str(asked)), "when": When(running.started_at),
              "who": who(session, running.started_by) if running.started_by else Raw("?")}
    if running.meeting_id == asked:
        return UserError(T("Minutes of S{id} are already being taken here: {who} started them at {when}. Go on "
                           "tagging your lines, or send /minutes end to finish.", **fields))
    if exc.same_body:
        return UserError(T("Minutes of S{id}, a meeting of the same body, are already being taken here ({who} "
                           "started them at {when}). Is S{asked} really another meeting? Send /minutes end to "
                           "finish S{id}'s first.", **fields))
    return UserError(T("Minutes of S{id} are already being taken here; send /minutes end first.", **fields))
