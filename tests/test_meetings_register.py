"""Issue 15, meetings: the register of meetings holds. Minutes are taken during the meeting and only minutes taken
mark it held; /cadence never calls a period still running "not kept"; minutes read a MeetBot meeting as MeetBot does;
a meeting planned twice is questioned; a cancellation is recorded and announced. Both languages."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from sqlmodel import Session

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config, MeetingsConfig
from bot.exports import export
from tests.support import FORUM_EPOCH
from tests.support.forum_setup import group, lines, roles, room, start
from tests.transcript import play

SETUP = (start("2024-04-01 09:00") + room("secretariat", "secretariat", english=True)
         + group("open-data", "Open data") + lines("[open-data] alice: /lang room en")
         + room("plenary", "plenary", english=True)
         + roles([("bob", "cochair"), ("carol", "member open-data"), ("dave", "member open-data")],
                 where="secretariat")
         + lines("[dm] bob: /lang en", "[dm] carol: /lang en", "[dm] dave: /lang en"))


async def test_cadence_calls_a_running_period_in_progress_with_the_days_left(forum: Forum) -> None:
    out = await play(forum, SETUP + lines("@at 2024-04-10 09:00", "[secretariat] alice: /cadence"))
    assert "not kept" not in out
    # April 10 to June 30, today included.
    assert out.count("Q2 2024: in progress, 82 days left to meet") == 1
    assert out.count("H1 2024: in progress, 82 days left to meet") == 1


async def test_cadence_in_french_on_the_last_day(forum: Forum) -> None:
    out = await play(forum, SETUP + lines("[secretariat] alice: /lang room fr", "@at 2024-06-30 12:00",
                                          "[secretariat] alice: /cadence"))
    assert "T2 2024\u202f: en cours, il reste 1 jour pour se réunir" in out
    assert "non respecté" not in out


PLANNED = SETUP + lines("[open-data] bob: /meeting plan open-data 2024-04-10 10:00 CESE")


def _meeting_row(forum: Forum, number: int) -> dict[str, object]:
    with Session(forum.engine) as session:
        rows = json.loads(export(session, forum.config, forum.clock.now(), "meetings", "json"))
    return dict(next(row for row in rows if row["id"] == f"S{number}"))


async def test_minutes_are_taken_during_the_meeting_else_confirmed(forum: Forum) -> None:
    out = await play(forum, PLANNED + lines(
        "@at 2024-04-03 10:00", "[open-data] bob: /minutes start S1",  # a week early
        "@at 2024-04-10 09:25", "[open-data] bob: /minutes start S1",  # 35 minutes early: the window opens at 09:30
        "@at 2024-04-10 09:35", "[open-data] bob: /minutes start S1",
        "[open-data] bob: #info the 2023 data is out", "[open-data] bob: /minutes end"))
    asked = ("S1 (working group open-data, April 10, 2024, 10:00\u202fAM) is not taking place now: minutes are taken "
             "from April 10, 2024, 9:30\u202fAM to April 10, 2024, 2:00\u202fPM. If it is really meeting now, send "
             "/minutes start S1 confirm.")
    assert out.count(asked) == 2
    assert out.count("Minutes of S1 (working group open-data, April 10, 2024, 10:00\u202fAM) started.") == 1
    assert _meeting_row(forum, 1)["status"] == "held"


async def test_minutes_after_the_window_are_confirmed_then_taken(forum: Forum) -> None:
    out = await play(forum, PLANNED + lines(
        "@at 2024-04-10 14:05", "[open-data] bob: /minutes start S1",
        "[open-data] bob: #info nothing yet", "[open-data] bob: /minutes start S1 confirm",
        "[open-data] bob: #info written up afterwards", "[open-data] bob: /minutes end"))
    assert "is not taking place now" in out
    assert "Minutes of S1 (working group open-data, April 10, 2024, 10:00\u202fAM) started." in out
    assert _meeting_row(forum, 1)["status"] == "held"


async def test_only_minutes_actually_taken_mark_the_meeting_held(forum: Forum) -> None:
    out = await play(forum, PLANNED + lines(
        "@at 2024-04-10 10:00", "[open-data] bob: /minutes start S1", "[open-data] carol: #here",
        "[open-data] bob: /minutes end", "[secretariat] alice: /cadence"))
    assert "Nothing but attendance was recorded: S1 is not marked as held." in out
    assert _meeting_row(forum, 1)["status"] == "planned"
    assert "last held: none" in out


async def test_minutes_window_in_french_and_configurable(config: Config) -> None:
    """Configured: from 2 hours before to 1 hour after."""
    forum = Forum(replace(config, meetings=MeetingsConfig(timedelta(hours=2), timedelta(hours=1))),
                  SimulatedClock(FORUM_EPOCH), migrate=False)
    try:
        out = await play(forum, PLANNED + lines(
            "[open-data] alice: /lang room fr", "[dm] bob: /lang fr",
            "@at 2024-04-10 08:05", "[open-data] bob: /cr debut S1", "[open-data] bob: /cr fin",
            "@at 2024-04-10 11:05", "[open-data] bob: /cr debut S1"))
    finally:
        forum.engine.dispose()
    assert out.count("Compte rendu de la réunion S1 (groupe de travail open-data, 10 avril 2024") >= 1
    assert out.count("n’a pas lieu maintenant") == 1
