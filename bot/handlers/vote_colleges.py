"""What /vote open adds for colleges and meetings: quorum in each college, an electorate of the members present."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from bot.context import Context
from bot.domain.meetings.minutes import minutes_of, open_session
from bot.domain.votes import colleges
from bot.domain.votes.colleges import CollegeTooSmall, freeze_colleges, save_rules
from bot.domain.votes.opening import Opened
from bot.domain.votes.proxies import givers_at_meeting
from bot.errors import UserError
from bot.i18n import T
from bot.parsing import Choice, Opt, Share
from bot.storage.tables import Vote
from bot.wording.colleges import college_label

QUORUM_EACH_OPT = Opt("quorum_each", "quorum-college", Share(), aliases=("quorum-each", "quorum-chaque"))
ELECTORATE_OPT = Opt("electorate", "corps", Choice({"members": ("membres",), "present": ("presents", "presentes")},
                                                    T("members or present")), aliases=("electeurs",))


@dataclass(frozen=True)
class Attendance:
    """The meeting whose minutes are being taken in this room, and who is recorded present (#here), with those
    whose proxy a present member holds: `electorate=present` counts the vote on them."""

    meeting_id: int
    present: frozenset[int]
    counted: bool = True  # False: the vote is only opened during the meeting (its proxies apply), not on attendance


def attendance(ctx: Context, electorate: str | None) -> Attendance | None:
    """The meeting running in this room and its attendance (None without one: refused for electorate=present)."""
    minutes = open_session(ctx.session, ctx.room.id)
    if minutes is None:
        if electorate != "present":
            return None
        raise UserError(T("electorate=present counts the members present at a meeting: start its minutes in this "
                          "room first (/minutes start S2), and let those present say #here."))
    present = frozenset(minutes_of(ctx.session, minutes).present)
    if electorate != "present":
        return Attendance(minutes.meeting_id, present, counted=False)
    givers = givers_at_meeting(ctx.session, minutes.meeting_id, present, ctx.now)
    return Attendance(minutes.meeting_id, present | givers)


def college_rules(ctx: Context, opened: Opened, quorum_each: Fraction | None, present: Attendance | None) -> Opened:
    """Keep the vote's college rules and freeze its voters' colleges (before it is announced)."""
    vote = opened.vote
    counted = present is not None and present.counted
    save_rules(ctx.session, vote, quorum_each=quorum_each, electorate="present" if counted else "members",
               meeting_id=present.meeting_id if present else None)
    try:
        freeze_colleges(ctx.uow, vote)
    except CollegeTooSmall as refused:
        raise UserError(T("A secret vote counted by college needs at least {minimum} voters in each college; "
                          "{college} has {n}. Open it without secret, or without the college rule.",
                          minimum=refused.minimum, college=college_label(refused.college), n=refused.size)) from None
    return opened


def secret_college(ctx: Context, vote: Vote, voter: int) -> str | None:
    """The college a secret choice keeps (None for an open ballot, whose college is the electorate's)."""
    if not vote.secret:
        return None
    return colleges.secret_college(ctx.session, vote, voter, ctx.config.colleges.secret_min_voters)
