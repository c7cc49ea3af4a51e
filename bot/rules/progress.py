"""Progress of the action plan: completion levels, lateness, and the fixed slots of digests (no I/O)."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class CompletionLevel(enum.StrEnum):
    """A commitment's IRM completion level, as stored."""

    NOT_STARTED = "not_started"
    LIMITED = "limited"
    SUBSTANTIAL = "substantial"
    COMPLETE = "complete"


# The IRM completion level and the progress must agree (see `check_progress_and_level`).
LEVEL_RANGES: dict[CompletionLevel, tuple[int, int]] = {
    CompletionLevel.NOT_STARTED: (0, 0), CompletionLevel.LIMITED: (1, 99), CompletionLevel.SUBSTANTIAL: (1, 99),
    CompletionLevel.COMPLETE: (100, 100),
}


class ProgressOutOfRange(ValueError):
    """A progress outside 0–100 %."""

    def __init__(self, progress: int) -> None:
        super().__init__(progress)
        self.progress = progress


class ProgressContradictsLevel(ValueError):
    """A progress outside its level's range (complete at 60 %)."""

    def __init__(self, level: CompletionLevel, progress: int) -> None:
        super().__init__(level, progress)
        self.level, self.progress = level, progress


def check_progress_and_level(progress: int | None,
                             level: str | None) -> tuple[int | None, CompletionLevel | None]:
    """Refuse what is out of range or contradictory; fill what follows from the other value.

    complete ⇔ 100 %; not started ⇔ 0 %; limited and substantial lie between (1–99 %).
    """
    if progress is not None and not 0 <= progress <= 100:
        raise ProgressOutOfRange(progress)
    chosen = CompletionLevel(level) if level is not None else None
    if chosen is not None and progress is not None:
        low, high = LEVEL_RANGES[chosen]
        if not low <= progress <= high:
            raise ProgressContradictsLevel(chosen, progress)
    if chosen is None and progress in (0, 100):
        chosen = CompletionLevel.NOT_STARTED if progress == 0 else CompletionLevel.COMPLETE
    if progress is None and chosen in (CompletionLevel.NOT_STARTED, CompletionLevel.COMPLETE):
        progress = 0 if chosen is CompletionLevel.NOT_STARTED else 100
    return progress, chosen


# --------------------------------------------------------------------------- lateness


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def overdue_from(due: date, tz: ZoneInfo) -> datetime:
    """The moment a milestone becomes overdue: the day after its due date, 00:00 in the forum's time zone."""
    return datetime.combine(due + timedelta(days=1), time(0, 0), tzinfo=tz).astimezone(UTC)


def days_late(due: date, today: date) -> int:
    return (today - due).days


def is_late(due: date, done: bool, today: date) -> bool:
    """Not done and due before today (a milestone due today is not late yet)."""
    return not done and due < today


# --------------------------------------------------------------------------- digest slots


def slot_index(moment: datetime, anchor: datetime, every: timedelta, tz: ZoneInfo) -> int:
    """The number of the last slot at or before `moment` (slots are anchor + k·every in local time)."""
    local = moment.astimezone(tz).replace(tzinfo=None)
    return (local - anchor) // every


def slot_at(index: int, anchor: datetime, every: timedelta, tz: ZoneInfo) -> datetime:
    return (anchor + index * every).replace(tzinfo=tz).astimezone(UTC)


def slot_after(moment: datetime, anchor: datetime, every: timedelta, tz: ZoneInfo) -> datetime:
    """The first slot strictly after `moment`."""
    index = slot_index(moment, anchor, every, tz)
    while slot_at(index, anchor, every, tz) <= moment:
        index += 1
    return slot_at(index, anchor, every, tz)


def slot_floor(moment: datetime, anchor: datetime, every: timedelta, tz: ZoneInfo) -> datetime:
    """The last slot at or before `moment`."""
    index = slot_index(moment, anchor, every, tz)
    while slot_at(index, anchor, every, tz) > moment:
        index -= 1
    return slot_at(index, anchor, every, tz)
