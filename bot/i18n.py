"""Translatable text: messages are built once and rendered per reader (language and time zone).

`T("msgid {x}", x=...)` and `TN("one", "many {n}", n)` mark strings for extraction (pybabel: -k T -k TN:1,2)
and stay lazy until `render(lang)`. Catalogs are compiled in memory from locales/*/LC_MESSAGES/messages.po,
one cached `Translations` per locale, so two people can be answered in two languages at once.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.config_values import SUPPORTED_LANGUAGES
from bot.rules.text import fold  # noqa: F401  (re-exported: bot.i18n.fold is how wording compares keywords)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


@cache
def translations(locale: str) -> Translations:
    """The compiled catalog of `locale`, built from its .po file on first use."""
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return Translations()
    with po_path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def normalize_language(code: str | None) -> str | None:
    """Map a platform hint like 'fr-FR' or 'en_GB' to a supported language, or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in SUPPORTED_LANGUAGES else None


@dataclass(frozen=True)
class Lang:
    """The reader: their language and time zone."""

    locale: str
    tz: ZoneInfo
    network: str = ""

    def gettext(self, msgid: str) -> str:
        return translations(self.locale).gettext(msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.locale).ngettext(singular, plural, n)

    def pgettext(self, context: str, msgid: str) -> str:
        return str(translations(self.locale).pgettext(context, msgid))


class Localizable(Protocol):
    """Anything that can be rendered for a reader."""

    def render(self, lang: Lang) -> str: ...


def render_value(value: Any, lang: Lang) -> str:
    """Render a placeholder value: localizable objects for the reader, numbers with Babel, the rest as text."""
    if hasattr(value, "render"):
        return str(value.render(lang))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return babel_numbers.format_decimal(value, locale=lang.locale)
    return str(value)


def _render_params(params: Mapping[str, Any], lang: Lang) -> dict[str, str]:
    return {key: render_value(value, lang) for key, value in params.items()}


class T:
    """A translatable message with named placeholders."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params

    def render(self, lang: Lang) -> str:
        return lang.gettext(self.msgid).format(**_render_params(self.params, lang))

    def __repr__(self) -> str:
        return f"T({self.msgid!r}, {self.params!r})"


class TP:
    """A message in a context (gettext's msgctxt): `TP("feminine", "co-chair")` is the co-chair's title for a
    person addressed in the feminine (coprésidente); bot/catalog_quality.py checks all three forms exist."""

    __slots__ = ("context", "msgid", "params")

    def __init__(self, context: str, msgid: str, **params: Any) -> None:
        self.context, self.msgid, self.params = context, msgid, params

    def render(self, lang: Lang) -> str:
        return lang.pgettext(self.context, self.msgid).format(**_render_params(self.params, lang))


class TN:
    """A translatable message whose form depends on the number `n` (also available as {n})."""

    __slots__ = ("n", "params", "plural", "singular")

    def __init__(self, singular: str, plural: str, n: int, **params: Any) -> None:
        self.singular, self.plural, self.n, self.params = singular, plural, n, params

    def render(self, lang: Lang) -> str:
        template = lang.ngettext(self.singular, self.plural, self.n)
        return template.format(n=render_value(self.n, lang), **_render_params(self.params, lang))


@dataclass(frozen=True)
class Raw:
    """Text that is not translated: what people wrote, names, codes."""

    text: str

    def render(self, lang: Lang) -> str:
        return self.text


@dataclass(frozen=True)
class Lines:
    """Several parts, one per line (empty parts are dropped)."""

    parts: Sequence[Localizable | str | None] = field(default_factory=list)
    sep: str = "\n"

    def render(self, lang: Lang) -> str:
        rendered = (part if isinstance(part, str) else part.render(lang) for part in self.parts if part)
        return self.sep.join(text for text in rendered if text)


def lines(parts: Iterable[Localizable | str | None], sep: str = "\n") -> Lines:
    return Lines(list(parts), sep)


def either(items: Sequence[Localizable]) -> Localizable:
    """`a, b or c` in the reader's language."""
    if len(items) <= 1:
        return Lines(list(items))
    return T("{items} or {last}", items=Lines(list(items[:-1]), sep=", "), last=items[-1])


@dataclass(frozen=True)
class Day:
    """A calendar date, written out for the reader (15 janvier 2024 / January 15, 2024)."""

    value: date
    style: str = "long"

    def render(self, lang: Lang) -> str:
        return first_of_month(babel_dates.format_date(self.value, format=self.style, locale=lang.locale), lang)


def first_of_month(text: str, lang: Lang) -> str:
    """French writes the first day of a month as an ordinal: `1er mars 2024`, not `1 mars 2024`."""
    if lang.locale == "fr" and text.startswith("1 "):
        return "1er " + text[2:]
    return text


@dataclass(frozen=True)
class When:
    """A moment, in the reader's time zone (15 janvier 2024, 09:00)."""

    value: datetime

    def render(self, lang: Lang) -> str:
        local = self.value.astimezone(lang.tz)
        day = first_of_month(babel_dates.format_date(local.date(), format="long", locale=lang.locale), lang)
        time = babel_dates.format_time(local, format="short", locale=lang.locale)
        return T("{date}, {time}", date=Raw(day), time=Raw(time)).render(lang)


@dataclass(frozen=True)
class Percent:
    """A share (0..1) written as a percentage for the reader."""

    value: float

    def render(self, lang: Lang) -> str:
        return babel_numbers.format_percent(self.value, locale=lang.locale)
