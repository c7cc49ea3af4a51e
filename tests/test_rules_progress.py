"""bot/rules/progress.py: levels and progress agree, lateness starts the day after, slots fall on their anchor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.rules.progress import (
    CompletionLevel,
    ProgressContradictsLevel,
    ProgressOutOfRange,
    check_progress_and_level,
    days_late,
    derived_progress,
    is_late,
    level_of_percent,
    local_today,
    milestone_percent,
    overdue_from,
    slot_after,
    slot_at,
    slot_floor,
    slot_index,
)

PARIS = ZoneInfo("Europe/Paris")
MONDAY_9 = datetime(2024, 1, 1, 9, 0)
WEEK = timedelta(days=7)
moments = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.just(UTC))


def test_the_stored_values_do_not_change() -> None:
    assert [level.value for level in CompletionLevel] == ["not_started", "limited", "substantial", "complete"]


@pytest.mark.parametrize(("progress", "level", "expected"), [
    (0, None, (0, CompletionLevel.NOT_STARTED)),
    (1, None, (1, None)),
    (99, None, (99, None)),
    (100, None, (100, CompletionLevel.COMPLETE)),
    (1, "limited", (1, CompletionLevel.LIMITED)),
    (99, "substantial", (99, CompletionLevel.SUBSTANTIAL)),
    (None, "limited", (None, CompletionLevel.LIMITED)),
    (None, "complete", (100, CompletionLevel.COMPLETE)),
    (None, "not_started", (0, CompletionLevel.NOT_STARTED)),
])
def test_level_and_progress_fill_each_other(progress: int | None, level: str | None,
                                            expected: tuple[int | None, CompletionLevel | None]) -> None:
    assert check_progress_and_level(progress, level) == expected


@pytest.mark.parametrize(("progress", "level"), [(0, "limited"), (100, "limited"), (0, "substantial"),
                                                 (100, "substantial"), (1, "not_started"), (99, "complete")])
def test_the_bounds_of_each_level(progress: int, level: str) -> None:
    with pytest.raises(ProgressContradictsLevel) as refused:
        check_progress_and_level(progress, level)
    assert (refused.value.level, refused.value.progress) == (level, progress)


@pytest.mark.parametrize("progress", [-1, 101])
def test_out_of_range(progress: int) -> None:
    with pytest.raises(ProgressOutOfRange) as refused:
        check_progress_and_level(progress, None)
    assert refused.value.progress == progress


@given(st.integers(0, 100), st.sampled_from([None, *CompletionLevel]))
def test_an_accepted_pair_is_stable(progress: int, level: CompletionLevel | None) -> None:
    try:
        settled = check_progress_and_level(progress, level)
    except ProgressContradictsLevel:
        return
    assert check_progress_and_level(*settled) == settled


def test_late_from_the_day_after_the_due_date() -> None:
    due = date(2024, 6, 30)
    assert not is_late(due, False, date(2024, 6, 30))
    assert is_late(due, False, date(2024, 7, 1))
    assert not is_late(due, True, date(2024, 7, 1))
    assert days_late(due, date(2024, 7, 1)) == 1
    assert overdue_from(due, PARIS) == datetime(2024, 6, 30, 22, 0, tzinfo=UTC)  # July 1st, 00:00 in Paris


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_overdue_from_is_the_first_late_moment(due: date) -> None:
    first = overdue_from(due, PARIS)
    assert is_late(due, False, local_today(first, PARIS))
    assert not is_late(due, False, local_today(first - timedelta(microseconds=1), PARIS))


def test_a_slot_is_its_own_floor_and_not_its_own_successor() -> None:
    slot = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris (winter time)
    assert slot_floor(slot, MONDAY_9, WEEK, PARIS) == slot
    assert slot_after(slot, MONDAY_9, WEEK, PARIS) == slot + WEEK
    assert slot_floor(slot - timedelta(microseconds=1), MONDAY_9, WEEK, PARIS) == slot - WEEK
    assert slot_after(slot - timedelta(microseconds=1), MONDAY_9, WEEK, PARIS) == slot


def test_slots_keep_their_local_hour_across_daylight_saving() -> None:
    def slot_of(moment: datetime) -> datetime:
        return slot_at(slot_index(moment, MONDAY_9, WEEK, PARIS), MONDAY_9, WEEK, PARIS)

    before, after = slot_of(datetime(2024, 3, 25, 12, tzinfo=UTC)), slot_of(datetime(2024, 4, 1, 12, tzinfo=UTC))
    assert before.astimezone(PARIS).hour == after.astimezone(PARIS).hour == 9
    assert after - before == WEEK - timedelta(hours=1)


@given(moments)
def test_floor_and_after_frame_every_moment(moment: datetime) -> None:
    floor = slot_floor(moment, MONDAY_9, WEEK, PARIS)
    after = slot_after(moment, MONDAY_9, WEEK, PARIS)
    assert floor <= moment < after
    assert floor.astimezone(PARIS).weekday() == after.astimezone(PARIS).weekday() == 0
    assert floor.astimezone(PARIS).hour == after.astimezone(PARIS).hour == 9
    assert timedelta(days=7) - timedelta(hours=1) <= after - floor <= timedelta(days=7) + timedelta(hours=1)
    assert slot_floor(after, MONDAY_9, WEEK, PARIS) == after
    assert slot_after(floor, MONDAY_9, WEEK, PARIS) == after


@given(moments, st.sampled_from([timedelta(days=1), timedelta(days=7), timedelta(days=14)]))
def test_slots_are_the_anchor_plus_whole_intervals(moment: datetime, every: timedelta) -> None:
    floor = slot_floor(moment, MONDAY_9, every, PARIS)
    assert (floor.astimezone(PARIS).replace(tzinfo=None) - MONDAY_9) % every == timedelta(0)


# --------------------------------------------------------------------------- a commitment's progress (docs/progress.md)


def test_a_milestone_counts_its_own_report_until_it_is_done() -> None:
    assert milestone_percent(True, None, None) == 100
    assert milestone_percent(True, 10, "limited") == 100
    assert milestone_percent(False, 40, "limited") == 40
    assert milestone_percent(False, None, "substantial") == 75
    assert milestone_percent(False, None, "limited") == 25
    assert milestone_percent(False, None, None) == 0
    assert milestone_percent(False, 100, "complete") == 99  # done only once marked done, with its evidence


def test_a_commitment_with_milestones_takes_their_mean() -> None:
    assert derived_progress([]) is None  # without milestones its own updates say its progress
    assert derived_progress([0, 0]) == (0, CompletionLevel.NOT_STARTED)
    assert derived_progress([100, 40, 0]) == (46, CompletionLevel.LIMITED)
    assert derived_progress([100, 60, 60]) == (73, CompletionLevel.SUBSTANTIAL)
    assert derived_progress([100, 100]) == (100, CompletionLevel.COMPLETE)
    assert derived_progress([1, 0, 0]) == (1, CompletionLevel.LIMITED)  # started is not "not started"
    assert derived_progress([100] * 199 + [99]) == (99, CompletionLevel.SUBSTANTIAL)  # not complete until all are


@given(st.lists(st.integers(0, 100), min_size=1, max_size=30))
def test_the_derived_level_agrees_with_the_derived_percentage(percents: list[int]) -> None:
    result = derived_progress(percents)
    assert result is not None
    progress, level = result
    assert check_progress_and_level(progress, level) == (progress, level)
    assert (progress == 100) == all(p == 100 for p in percents)
    assert (progress == 0) == all(p == 0 for p in percents)
    assert level_of_percent(progress) is level
