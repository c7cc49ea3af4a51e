"""Dates as people write them: one meaning for a date without a time (the end of that day, forum time, said in the
answer), French forms wherever a date is read (`until=`, `closes=`, `due=`), and durations where `m` is asked about.
Both languages, both databases (the `forum` fixture)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.app import Forum
from bot.parsing import tokenize
from bot.storage.tables import ActionItem, Person, Role, Vote
from tests.support.forum_setup import committee, lines, propose, room, start
from tests.transcript import bot_lines, play

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2024, 1, 15)  # the forum's first day (tests.support.FORUM_EPOCH)
VOTE_SETUP = start() + committee() + propose("Publish the minutes")
NOTE = {"en": "A date without a time means the end of that day: March 1, 2024 at 23:59 (Europe/Paris time).",
        "fr": "Une date sans heure désigne la fin de ce jour\u202f: le 1 mars 2024 à 23\u202fh\u202f59 "
              "(fuseau Europe/Paris)."}


def _vote(forum: Forum) -> Vote | None:
    with Session(forum.engine) as session:
        return session.exec(select(Vote)).first()


def _until(forum: Forum, name: str) -> datetime | None:
    with Session(forum.engine) as session:
        person = session.exec(select(Person).where(Person.display_name == name)).one()
        return session.exec(select(Role).where(Role.person_id == person.id)).one().until


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_a_closing_date_without_a_time_is_the_end_of_that_day_and_said(forum: Forum, lang: str) -> None:
    out = await play(forum, VOTE_SETUP + lines(f"[dm] bob: /lang {lang}", "[committee] bob: /vote open P1 "
                                                                           "closes=2024-03-01"))
    vote = _vote(forum)
    assert vote is not None, out
    assert vote.closes_at == datetime(2024, 3, 1, 23, 59, 59, 999999, tzinfo=PARIS)
    assert NOTE[lang].replace("1 mars", "1er mars") in out or NOTE[lang] in out, out


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_a_mandate_end_is_the_end_of_that_day_and_said(forum: Forum, lang: str) -> None:
    out = await play(forum, start() + room("plenary", "plenary") + lines(
        f"[dm] alice: /lang {lang}", "[plenary] alice: /role @bob member until=2024-03-01"))
    assert _until(forum, "bob") == datetime(2024, 3, 2, tzinfo=PARIS)
    assert NOTE[lang].replace("1 mars", "1er mars") in out or NOTE[lang] in out, out


# (as typed after until=, the mandate's last day) — today is Monday 15 January 2024
UNTIL_FORMS = [
    ("2025-12-31", date(2025, 12, 31)),
    ("31/12/2025", date(2025, 12, 31)),
    ("31.12.2025", date(2025, 12, 31)),
    ('"31 décembre 2025"', date(2025, 12, 31)),
    ("«\u202f31 décembre 2025\u202f»", date(2025, 12, 31)),
    ("“December 31, 2025”", date(2025, 12, 31)),
    ('"1er mars"', date(2024, 3, 1)),
    ('"1 janvier"', date(2025, 1, 1)),  # no year: the next such day
    ('"fin 2024"', date(2024, 12, 31)),
    ('"end of 2024"', date(2024, 12, 31)),
    ('"fin mars 2025"', date(2025, 3, 31)),
    ("demain", date(2024, 1, 16)),
    ("tomorrow", date(2024, 1, 16)),
    ('"dans 3 jours"', date(2024, 1, 18)),
    ('"in 2 weeks"', date(2024, 1, 29)),
    ('"dans 6 mois"', date(2024, 7, 15)),
    ("2025-12", date(2025, 12, 31)),  # like a milestone's month
    ('"T2 2025"', date(2025, 6, 30)),
]


@pytest.mark.parametrize(("typed", "last_day"), UNTIL_FORMS, ids=[f[0] for f in UNTIL_FORMS])
async def test_until_understands_french_and_english_dates(forum: Forum, typed: str, last_day: date) -> None:
    out = await play(forum, start() + room("plenary", "plenary") + lines(
        f"[plenary] alice: /role @bob member until={typed}"))
    assert _until(forum, "bob") == datetime.combine(last_day + timedelta(days=1), datetime.min.time(),
                                                    tzinfo=PARIS), out


@pytest.mark.parametrize(("typed", "closes"), [
    ('"1er mars 18h"', datetime(2024, 3, 1, 18, 0, tzinfo=PARIS)),
    ('"31/01/2024 18:30"', datetime(2024, 1, 31, 18, 30, tzinfo=PARIS)),
    ('"demain 9h30"', datetime(2024, 1, 16, 9, 30, tzinfo=PARIS)),
    ('"dans 3 jours"', datetime(2024, 1, 18, 23, 59, 59, 999999, tzinfo=PARIS)),
    ("2mois", datetime(2024, 3, 15, 9, 0, tzinfo=PARIS)),
    ("90min", datetime(2024, 1, 15, 10, 30, tzinfo=PARIS)),
])
async def test_closes_understands_french_dates_and_months(forum: Forum, typed: str, closes: datetime) -> None:
    out = await play(forum, VOTE_SETUP + f"[committee] bob: /vote open P1 closes={typed}\n")
    vote = _vote(forum)
    assert vote is not None and vote.closes_at == closes, out


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_m_alone_is_asked_about(forum: Forum, lang: str) -> None:
    out = await play(forum, VOTE_SETUP + lines(f"[dm] bob: /lang {lang}", "[committee] bob: /vote open P1 "
                                                                           "closes=30m"))
    assert _vote(forum) is None
    reply = bot_lines(out)[-1]
    assert "min" in reply and ("months" in reply if lang == "en" else "mois" in reply), reply


async def test_an_action_s_due_date_in_french(forum: Forum) -> None:
    out = await play(forum, start() + room("plenary", "plenary") + lines(
        "[plenary] alice: /meeting plan plenary 2024-01-15 10:00", "@at 2024-01-15 10:00",
        "[plenary] alice: /minutes start S1", '[plenary] alice: #action @bob send the draft due="31 mars 2024"',
        "[plenary] alice: #action @bob call them due=demain", "[plenary] alice: /minutes end"))
    with Session(forum.engine) as session:
        assert [a.due for a in session.exec(select(ActionItem).order_by(ActionItem.id)).all()] == [
            date(2024, 3, 31), date(2024, 1, 16)], out


def test_days_and_deadlines_as_rules() -> None:
    from bot.rules.dates.days import DayError, parse_day, parse_deadline  # here: the old code had no such module

    assert parse_day("31 décembre 2025").on(TODAY) == date(2025, 12, 31)
    assert parse_day("1er mars").on(date(2024, 3, 2)) == date(2025, 3, 1)
    assert parse_day("29 février").on(date(2025, 1, 1)) == date(2028, 2, 29)
    assert parse_day("hier").on(TODAY) == date(2024, 1, 14)
    now = datetime(2024, 1, 15, 8, 0, tzinfo=ZoneInfo("UTC"))
    assert parse_deadline("2024-03-01").resolve(now, PARIS) == datetime(2024, 3, 1, 23, 59, 59, 999999, PARIS)
    assert parse_deadline("2024-03-01").whole_day and not parse_deadline("2024-03-01 18:00").whole_day
    for wrong, code in [("30m", "ambiguous_unit"), ("31/02/2025", "bad_day"), ("soon", "unknown_form"),
                        ("en continu", "no_day")]:
        with pytest.raises(DayError) as info:
            parse_deadline(wrong)
        assert info.value.code == code, wrong


def test_quoted_option_values_keep_their_spaces() -> None:
    assert [t.text for t in tokenize('@bob member until="31 décembre 2025" x')] == [
        "@bob", "member", "until=31 décembre 2025", "x"]
    assert [t.text for t in tokenize("closes=« 1er mars »")] == ["closes=1er mars"]
