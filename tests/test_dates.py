"""No date is special: the golden transcripts played 28 and 56 years later say the same, years aside.

Every year in a transcript (`@at` lines, deadlines, periods like "H1 2024" or "T3 2024", mandate ends) is shifted by
28 or 56 years, and so is the moment the forum starts at. Between 1901 and 2099 the Gregorian calendar repeats every
28 years (same weekdays, same leap years, hence the same ISO weeks and the same last Sundays of March and October
for summer time), so the output must be the golden one once the shifted years are put back. The shifted runs are in
the future of any machine running the tests and the golden ones in its past: code that read the real date instead
of the forum's clock (a milestone "overdue" against the wall clock, a mandate "ended", a period "current") would
answer differently in one of them.

Left out: milestones_en and the demo import the bundled plan bot/demo/fr-2023-2025-FR0112.toml, whose dates are
those of the real plan and do not move with the transcript.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from tests.support import FORUM_EPOCH
from tests.transcript import play

ROOT = Path(__file__).parent
TRANSCRIPTS = ROOT / "transcripts"
SHIFTED = ["meetings_year_fr", "milestones_fr", "mandates_en", "meetings_en", "votes_en", "structure_en"]
SHIFTS = [28, 56]  # 2024 → 2052 and → 2080 (a leap year, like 2024)
YEARS = range(2000, 2040)  # the years a transcript may name; all of them move
_YEAR = re.compile(r"(?<![\d])(\d{4})(?![\d])")


def shift_years(text: str, years: int, among: range) -> str:
    """Every four-digit number standing alone (not inside a longer number) that is a year of `among`, moved."""
    return _YEAR.sub(lambda m: str(int(m[1]) + years) if int(m[1]) in among else m[1], text)


def later(when: datetime, years: int) -> datetime:
    return when.replace(year=when.year + years)


def test_the_shift_keeps_the_calendar() -> None:
    """What the test relies on (and that the years named in the transcripts are all shifted)."""
    for years in SHIFTS:
        for year in YEARS:
            moved = year + years
            assert datetime(moved, 1, 1).weekday() == datetime(year, 1, 1).weekday()
            assert (moved % 4 == 0) == (year % 4 == 0) and moved < 2100
    named = {int(y) for name in SHIFTED for y in _YEAR.findall((TRANSCRIPTS / f"{name}.txt").read_text())}
    assert {y for y in named if 1900 < y < 2100} <= set(YEARS), named
    golden = {int(y) for name in SHIFTED for y in _YEAR.findall((TRANSCRIPTS / f"{name}.out").read_text())}
    assert not golden & {y + s for s in SHIFTS for y in YEARS}, "a golden output names a shifted year"


@pytest.mark.parametrize("years", SHIFTS)
@pytest.mark.parametrize("name", SHIFTED)
async def test_a_transcript_played_years_later_says_the_same(config: Config, name: str, years: int) -> None:
    forum = Forum(config, SimulatedClock(later(FORUM_EPOCH, years)), migrate=False)
    try:
        text = shift_years((TRANSCRIPTS / f"{name}.txt").read_text(encoding="utf-8"), years, YEARS)
        assert text != (TRANSCRIPTS / f"{name}.txt").read_text(encoding="utf-8")
        output = await play(forum, text)
    finally:
        forum.engine.dispose()
    back = shift_years(output, -years, range(YEARS.start + years, YEARS.stop + years))
    assert back == (TRANSCRIPTS / f"{name}.out").read_text(encoding="utf-8")
