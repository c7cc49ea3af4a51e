"""Every string a person reads has a French and an English translation with the same placeholders."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from bot.catalogs import load, template
from bot.i18n import TN, Lang, T, When

PLACEHOLDER = re.compile(r"\{(\w*)[^}]*\}")
TEMPLATE = template()
MESSAGES = [m for m in TEMPLATE if m.id]


def _ids(message: object) -> tuple[str, ...]:
    value = message.id
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def test_code_has_strings() -> None:
    assert len(MESSAGES) > 100


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_every_string_is_translated(locale: str) -> None:
    catalog = load(locale)
    missing = []
    for message in MESSAGES:
        entry = catalog.get(message.id, context=message.context)
        strings = entry.string if entry is not None else None
        values = tuple(strings) if isinstance(strings, tuple | list) else (strings,)
        if entry is None or entry.fuzzy or not all(values):
            missing.append(_ids(message)[0])
    assert missing == [], f"{locale}: {len(missing)} strings lack a translation (python scripts/catalog.py sync)"


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_placeholders_match(locale: str) -> None:
    catalog = load(locale)
    wrong = []
    for message in MESSAGES:
        entry = catalog.get(message.id, context=message.context)
        if entry is None:
            continue
        expected = set().union(*(PLACEHOLDER.findall(i) for i in _ids(message)))
        strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) - expected - {"n"}:
                wrong.append((message.id, string))
            if string and len(strings) == 1 and set(PLACEHOLDER.findall(string)) != expected:
                wrong.append((message.id, string))
    assert wrong == []


def test_rendering_depends_on_the_reader() -> None:
    paris = ZoneInfo("Europe/Paris")
    message = T("Working group {slug} created: {name}.", slug="open-data", name="Open data")
    assert message.render(Lang("fr", paris)) == "Groupe de travail open-data créé\u202f: Open data."
    assert message.render(Lang("en", paris)) == "Working group open-data created: Open data."


def test_dates_are_written_for_the_reader() -> None:
    from datetime import UTC, datetime

    moment = When(datetime(2024, 1, 15, 8, 0, tzinfo=UTC))
    assert moment.render(Lang("fr", ZoneInfo("Europe/Paris"))) == "15 janvier 2024 à 09:00"
    assert moment.render(Lang("en", ZoneInfo("Europe/Paris"))) == "January 15, 2024, 9:00\u202fAM"


def test_plural_forms_follow_the_language() -> None:
    lang = Lang("en", ZoneInfo("UTC"))
    assert TN("{n} vote", "{n} votes", 1).render(lang) == "1 vote"
    assert TN("{n} vote", "{n} votes", 3).render(lang) == "3 votes"


def test_the_first_of_the_month_is_an_ordinal_in_french() -> None:
    from datetime import UTC, date, datetime

    from bot.i18n import Day

    paris = ZoneInfo("Europe/Paris")
    assert Day(date(2024, 3, 1)).render(Lang("fr", paris)) == "1er mars 2024"
    assert Day(date(2024, 3, 11)).render(Lang("fr", paris)) == "11 mars 2024"
    assert Day(date(2024, 3, 1)).render(Lang("en", paris)) == "March 1, 2024"
    assert When(datetime(2024, 2, 29, 23, 30, tzinfo=UTC)).render(Lang("fr", paris)) == "1er mars 2024 à 00:30"
