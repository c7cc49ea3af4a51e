"""How deadlines read: a date without a time is the end of that day, in the forum's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Day, Lang, Localizable, Raw, T


@dataclass(frozen=True)
class LocalDay:
    """The day of a moment in a named time zone (the forum's), whatever the reader's."""

    moment: datetime
    zone: str

    def render(self, lang: Lang) -> str:
        return Day(self.moment.astimezone(ZoneInfo(self.zone)).date()).render(lang)


def end_of_day_note(moment: datetime, zone: str) -> Localizable:
    """`moment` is the end of a day: its last instant (a vote's closing) or the next day's first (a mandate's end)."""
    last = moment - timedelta(microseconds=1) if moment.microsecond == 0 else moment
    return T("A date without a time means the end of that day: {day} at 23:59 ({zone} time).",
             day=LocalDay(last, zone), zone=Raw(zone))
