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


# --------------------------------------------------------------------------- a commitment's progress

# What a level alone (without a percentage) counts for: the middle of its half of the IRM scale.
LEVEL_ONLY_PERCENT: dict[CompletionLevel, int] = {
    CompletionLevel.NOT_STARTED: 0, CompletionLevel.LIMITED: 25, CompletionLevel.SUBSTANTIAL: 75,
    CompletionLevel.COMPLETE: 100,
}


def level_of_percent(progress: int) -> CompletionLevel:
    """0 % not started, 1–49 % limited, 50–99 % substantial, 100 % complete."""
    if progress <= 0:
        return CompletionLevel.NOT_STARTED
    if progress >= 100:
        return CompletionLevel.COMPLETE
    return CompletionLevel.LIMITED if progress < 50 else CompletionLevel.SUBSTANTIAL


def milestone_percent(done: bool, progress: int | None, level: str | None) -> int:
    """A milestone's share of the work: 100 % once done, else its latest reported percentage (or its level's
    middle, or 0 % when nothing was reported)."""
    if done:
        return 100
    if progress is not None:
        return min(progress, 99)
    return min(LEVEL_ONLY_PERCENT[CompletionLevel(level)], 99) if level else 0


def derived_progress(percents: list[int]) -> tuple[int, CompletionLevel] | None:
    """A commitment's progress from its milestones' (see `milestone_percent`): their mean, rounded down, never
    0 % once one has started nor 100 % before all are done; the level follows from it. None without milestones
    (the commitment's own updates then say its progress).

    The rule of docs/progress.md: like Decidim's accountability results (a parent's progress is the mean of its
    children's) and Redmine's parent tasks (computed from subtasks by default).
    """
    if not percents:
        return None
    mean = sum(percents) // len(percents)
    if any(percents) and mean == 0:
        mean = 1
    if mean == 100 and min(percents) < 100:
        mean = 99
    return mean, level_of_percent(mean)


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
