"""One parser for every command: tokens, typed arguments and key=value options in either language."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from bot.errors import ArgError
from bot.i18n import Raw, T, fold
from bot.rules import periods

SMART_DOUBLE_QUOTES = "“”„«»‟〝〞＂"
SMART_SINGLE_QUOTES = "‘’‚‛′"
MAX_COMMAND_LENGTH = 4000


def clean_text(text: str) -> str:
    """Normalise what mobile keyboards and odd clients send: smart quotes, odd spaces, control characters."""
    out = []
    for ch in text:
        if ch in SMART_DOUBLE_QUOTES:
            out.append('"')
        elif ch in SMART_SINGLE_QUOTES:
            out.append("'")
        elif ch in "\n\t":
            out.append(ch)
        elif unicodedata.category(ch) in ("Zs",):
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch != "\u200d":
            continue
        else:
            out.append(ch)
    return "".join(out).strip()


@dataclass(frozen=True)
class Token:
    """A word or a "quoted phrase", with its place in the raw text."""

    text: str
    start: int
    end: int
    quoted: bool = False


_TOKEN = re.compile(r'([^\s"=]+=)"([^"]*)("|$)|"([^"]*)("|$)|(\S+)')


def tokenize(text: str) -> list[Token]:
    """Split on spaces; double quotes group words (apostrophes never do: French is full of them), also in an
    option's value: `org="Ministère de la Culture"` is one token, `org=Ministère de la Culture`."""
    tokens = []
    for match in _TOKEN.finditer(text):
        if match.group(1) is not None:
            tokens.append(Token(match.group(1) + match.group(2), match.start(), match.end()))
        elif match.group(6) is not None:
            tokens.append(Token(match.group(6), match.start(), match.end()))
        else:
            tokens.append(Token(match.group(4), match.start(), match.end(), quoted=True))
    return tokens


class Kind:
    """How one argument is read; `expected` says what a person should have written."""

    expected: T = T("a value")

    def with_expected(self, expected: T) -> Kind:
        """The same kind, saying more precisely what is expected (e.g. the reason)."""
        self.expected = expected
        return self

    def convert(self, text: str) -> Any:
        return text

    def parse(self, tokens: Sequence[Token], i: int, raw: str) -> tuple[Any, int]:
        return self.convert_or_fail(tokens[i].text), i + 1

    def convert_or_fail(self, text: str) -> Any:
        try:
            return self.convert(text)
        except (ValueError, ArithmeticError) as exc:
            raise ArgError(T("“{value}” is not {expected}.", value=Raw(text), expected=self.expected)) from exc


class Word(Kind):
    expected = T("a word")


class Text(Kind):
    """Everything up to the end of the message, as written."""

    expected = T("some text")


class Slug(Kind):
    expected = T("a short name in lower case letters, digits and dashes, like open-data")

    def convert(self, text: str) -> str:
        slug = fold(text)
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", slug):
            raise ValueError(text)
        return slug


class Number(Kind):
    expected = T("a whole number")

    def __init__(self, low: int = 0, high: int = 1_000_000) -> None:
        self.low, self.high = low, high

    def convert(self, text: str) -> int:
        value = int(text)
        if not self.low <= value <= self.high:
            raise ValueError(text)
        return value


class Ref(Kind):
    """An object's short id with or without its letter: P7, p7 or 7."""

    def __init__(self, letter: str, expected: T) -> None:
        self.letter = letter
        self.expected = expected

    def convert(self, text: str) -> int:
        match = re.fullmatch(rf"#?(?:{self.letter})?(\d{{1,9}})", text.strip(), re.IGNORECASE)
        if not match:
            raise ValueError(text)
        return int(match.group(1))


class User(Kind):
    """A person: @name on the console and Telegram, @user:server on Matrix."""

    expected = T("a person, like @alice")

    def convert(self, text: str) -> str:
        handle = text.strip().rstrip(",;")
        if not re.fullmatch(r"@?[\w.\-=/+]{1,64}(:[\w.\-]+(:\d+)?)?", handle):
            raise ValueError(text)
        return handle if handle.startswith("@") else "@" + handle


class Users(Kind):
    """Several people separated by commas: @a,@b,@c."""

    expected = T("people separated by commas, like @alice,@bob")

    def convert(self, text: str) -> list[str]:
        parts = [part for part in re.split(r"[,;\s]+", text) if part]
        if not parts:
            raise ValueError(text)
        return [User().convert(part) for part in parts]


class Choice(Kind):
    """One word from a list, in English or French, with or without accents."""

    def __init__(self, choices: dict[str, Sequence[str]], expected: T) -> None:
        self.lookup = {fold(alias): key for key, aliases in choices.items() for alias in (key, *aliases)}
        self.expected = expected

    def convert(self, text: str) -> str:
        return self.lookup[fold(text)] if fold(text) in self.lookup else _raise(text)


def _raise(text: str) -> Any:
    raise ValueError(text)


class Duration(Kind):
    expected = T("a duration like 30m, 48h, 7d or 2w")

    def convert(self, text: str) -> timedelta:
        return periods.parse_duration(text)


class Day(Kind):
    expected = T("a date like 2024-03-01")

    def convert(self, text: str) -> date:
        return date.fromisoformat(text)


class Moment(Kind):
    """A date with an optional time (`2024-03-01 14:00` or `2024-03-01T14:00`), in local time."""

    expected = T("a date and time like 2024-03-01 14:00")

    def __init__(self, require_time: bool = False) -> None:
        self.require_time = require_time

    def convert(self, text: str) -> datetime:
        text = text.strip().replace("T", " ")
        if " " in text:
            day, clock = text.split(None, 1)
            clock = clock.lower().replace("h", ":")
            clock = clock + "00" if clock.endswith(":") else clock
            return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock.zfill(5)))
        if self.require_time:
            raise ValueError(text)
        return datetime.combine(date.fromisoformat(text), time(0, 0))

    def parse(self, tokens: Sequence[Token], i: int, raw: str) -> tuple[Any, int]:
        if i + 1 < len(tokens) and re.fullmatch(r"\d{1,2}([:h]\d{0,2})?", tokens[i + 1].text):
            try:
                return self.convert(tokens[i].text + " " + tokens[i + 1].text), i + 2
            except ValueError:
                pass
        return self.convert_or_fail(tokens[i].text), i + 1


class Deadline(Kind):
    """When something closes: a duration from now (7d) or a date and time."""

    expected = T("a duration like 7d or a date like 2024-03-01 18:00")

    def convert(self, text: str) -> timedelta | datetime:
        try:
            return Duration().convert(text)
        except ValueError:
            return Moment().convert(text)


class Share(Kind):
    """A share such as a quorum: 50%, 0.5, 1/2, 2/3."""

    expected = T("a share like 50%, 1/2 or 2/3")

    def convert(self, text: str) -> Fraction:
        text = text.replace(" ", "").replace(",", ".")
        value = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
        if not 0 <= value <= 1:
            raise ValueError(text)
        return value


class Period(Kind):
    """A due period as people write it: 2024-02-15, February 2024, Q3 2024, H1 2024, 2025 …"""

    expected = T("a period like 2024-02-15, 2024-02, February 2024, Q3 2024, H1 2024 or 2025")

    def convert(self, text: str) -> Any:
        return periods.parse_period(text)

    def parse(self, tokens: Sequence[Token], i: int, raw: str) -> tuple[Any, int]:
        if i + 1 < len(tokens):
            try:
                return self.convert(tokens[i].text + " " + tokens[i + 1].text), i + 2
            except ValueError:
                pass
        return self.convert_or_fail(tokens[i].text), i + 1


@dataclass(frozen=True)
class Param:
    """A positional argument of a command."""

    name: str
    kind: Kind
    optional: bool = False


@dataclass(frozen=True)
class Opt:
    """A key=value option (or a bare flag when `kind` is None), named in English and French."""

    name: str
    fr: str
    kind: Kind | None = None
    aliases: tuple[str, ...] = ()

    def names(self) -> set[str]:
        return {fold(self.name), fold(self.fr), *(fold(a) for a in self.aliases)}


def _option_of(token: Token, options: Sequence[Opt]) -> tuple[Opt, str | None] | None:
    if token.quoted:
        return None
    key, sep, value = token.text.partition("=")
    for opt in options:
        if fold(key) in opt.names():
            if sep and opt.kind is not None:
                return opt, value
            if not sep and opt.kind is None:
                return opt, None
    return None


def bind(raw: str, tokens: list[Token], params: Sequence[Param], options: Sequence[Opt]) -> dict[str, Any]:
    """Read params and options from tokens; raise ArgError saying what is missing or wrong."""
    values: dict[str, Any] = {opt.name: (False if opt.kind is None else None) for opt in options}
    found: list[tuple[Opt, str | None]] = []
    positional: list[Token] = []
    has_text = any(isinstance(p.kind, Text) for p in params)
    # Options stand anywhere before free text, and after it at the end.
    trailing_start = len(tokens)
    while trailing_start > 0 and _option_of(tokens[trailing_start - 1], options):
        trailing_start -= 1
    fixed_count = sum(1 for p in params if not isinstance(p.kind, Text))
    for index, token in enumerate(tokens):
        option = _option_of(token, options)
        text_started = has_text and len(positional) >= fixed_count
        if option and (index >= trailing_start or not text_started):
            found.append(option)
        else:
            positional.append(token)
    for opt, value in found:
        values[opt.name] = True if opt.kind is None else (
            opt.kind.convert_or_fail(value or "") if value else _missing_option(opt))
    i = 0
    for param in params:
        if i >= len(positional):
            if param.optional:
                values[param.name] = None
                continue
            raise ArgError(T("Missing {what}.", what=param.kind.expected))
        if isinstance(param.kind, Text):
            single_quoted = len(positional) - i == 1 and positional[i].quoted
            values[param.name] = (positional[i].text if single_quoted
                                  else raw[positional[i].start:positional[-1].end].strip())
            i = len(positional)
            continue
        values[param.name], i = param.kind.parse(positional, i, raw)
    if i < len(positional):
        raise ArgError(T("I did not understand “{extra}”.", extra=Raw(" ".join(t.text for t in positional[i:]))))
    return values


def _missing_option(opt: Opt) -> Any:
    assert opt.kind is not None
    raise ArgError(T("The option {name}= needs {expected}.", name=Raw(opt.name), expected=opt.kind.expected))
