"""/cadence: per working group and for the plenary, the last meeting held, the next planned, and whether the
forum's rule (groups every quarter, the plenary twice a year) is kept this period."""

from __future__ import annotations

from sqlmodel import col, select

from bot.context import Context
from bot.domain.meetings import MeetingKind
from bot.domain.meetings.cadence import (
    PeriodState,
    days_left,
    group_cadence,
    last_held,
    next_planned,
    period_state,
    plenary_cadence,
)
from bot.i18n import TN, Lines, Localizable, Raw, T, When
from bot.registry import STAFF, command
from bot.rules.calendar import Cadence
from bot.storage.tables import Meeting, WorkingGroup
from bot.wording.meetings import PeriodLabel

NONE = T("none")


def _state(ctx: Context, kind: str, group_id: int | None, cadence: Cadence) -> Localizable:
    period = cadence.period_of(ctx.now.astimezone(ctx.config.tz).date())
    label = PeriodLabel(cadence, period)
    state = period_state(ctx.session, ctx.config, kind, group_id, period, ctx.now)
    if state == PeriodState.KEPT:
        return T("{period}: kept ✓", period=label)
    if state == PeriodState.PLANNED:
        return T("{period}: a meeting is planned", period=label)
    if state == PeriodState.IN_PROGRESS:
        left = days_left(period, ctx.config, ctx.now)
        return TN("{period}: in progress, {n} day left to meet", "{period}: in progress, {n} days left to meet",
                  left, period=label)
    return T("{period}: not kept ✗", period=label)


def _when(meeting: Meeting | None, none: T) -> Localizable:
    return Lines([Raw("S" + str(meeting.id)), When(meeting.starts_at)], sep=", ") if meeting else none


def _row(ctx: Context, name: Localizable, kind: str, group_id: int | None, cadence: Cadence) -> Lines:
    held = last_held(ctx.session, kind, group_id)
    planned = next_planned(ctx.session, kind, group_id, ctx.now)
    return Lines([Lines([Raw("• "), name], sep=""),
                  Lines([Raw("  "), T("last held: {when}", when=_when(held, NONE))], sep=""),
                  Lines([Raw("  "), T("next planned: {when}", when=_when(planned, NONE))], sep=""),
                  Lines([Raw("  "), _state(ctx, kind, group_id, cadence)], sep="")])


@command("cadence", "cadence", help=T("whether groups and the plenary meet as often as the rules ask"),
         roles=STAFF, usage=T("/cadence"))
async def cadence(ctx: Context) -> None:
    groups = ctx.session.exec(select(WorkingGroup).order_by(col(WorkingGroup.slug))).all()
    rows: list[Localizable] = [T("Meeting cadence (groups: once a quarter; plenary: twice a year):")]
    rows.extend(_row(ctx, T("working group {slug}", slug=Raw(g.slug)), MeetingKind.GROUP, g.id,
                     group_cadence(ctx.config)) for g in groups)
    rows.append(_row(ctx, T("plenary"), MeetingKind.PLENARY, None, plenary_cadence(ctx.config)))
    ctx.reply(Lines(rows))
