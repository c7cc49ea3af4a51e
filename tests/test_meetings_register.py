"""Issue 15, meetings: the register of meetings holds. Minutes are taken during the meeting and only minutes taken
mark it held; /cadence never calls a period still running "not kept"; minutes read a MeetBot meeting as MeetBot does;
a meeting planned twice is questioned; a cancellation is recorded and announced. Both languages."""

from __future__ import annotations

from bot.app import Forum
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
