"""Tokens, typed arguments and key=value options in either language (dates are in bot/parsing/dates.py)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bot.errors import ArgError
from bot.i18n import Raw, T, fold

SMART_DOUBLE_QUOTES = "“”„«»‟〝〞＂"
SMART_SINGLE_QUOTES = "‘’‚‛′"
MAX_COMMAND_LENGTH = 4000


def clean_text(text: str) -> str:
    """Drop only what no platform carries (control characters but newline and tab, lone surrogates) and the
    spaces and invisible marks before the command; free text keeps every other character as typed."""
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    start = 0
    while start < len(kept) and (kept[start].isspace() or unicodedata.category(kept[start]) == "Cf"):
        start += 1
    return kept[start:].rstrip()


def syntax(text: str) -> str:
    """A command word, an option or a reference without the invisible marks (zero-width, bidi) keyboards slip in:
    only the command's own syntax is normalised, never free text."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def visible(text: str) -> bool:
    """Whether some character of the text can be seen (not only spaces and invisible marks)."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc") for ch in text)


@dataclass(frozen=True)
class Token:
    """A word or a "quoted phrase", with its place in the raw text."""

    text: str
    start: int
    end: int
    quoted: bool = False


QUOTES = '"' + SMART_DOUBLE_QUOTES
_Q = re.escape(QUOTES)
_TOKEN = re.compile(rf'([^\s{_Q}=]+=)[{_Q}]([^{_Q}]*)(?:[{_Q}]|$)|[{_Q}]([^{_Q}]*)(?:[{_Q}]|$)|(\S+)')


def tokenize(text: str) -> list[Token]:
    """Split on spaces; double quotes (straight or typographic: “…”, « … ») group words, also in an option's value
    (`until="31 décembre 2025"`); apostrophes never do: French is full of them."""
    tokens = []
    for match in _TOKEN.finditer(text):
        if match.group(4) is not None:
            tokens.append(Token(match.group(4), match.start(), match.end()))
        elif match.group(1) is not None:
            tokens.append(Token(match.group(1) + match.group(2).strip(), match.start(), match.end()))
        else:
            tokens.append(Token(match.group(3).strip(), match.start(), match.end(), quoted=True))
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
        return self.convert_or_fail(syntax(tokens[i].text)), i + 1

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
        if (low, high) != (0, 1_000_000):  # say the limits: `sieges=51` is refused for being too many
            self.expected = T("a whole number from {low} to {high}", low=low, high=high)

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


class Share(Kind):
    """A share such as a quorum: 50%, 0.5, 1/2, 2/3."""

    expected = T("a share like 50%, 1/2 or 2/3")

    def convert(self, text: str) -> Fraction:
        text = text.replace(" ", "").replace(",", ".")
        value = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
        if not 0 <= value <= 1:
            raise ValueError(text)
        return value


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


def _option_of(token: Token, options: Sequence[Opt]) -> tuple[Opt, str | None, str] | None:
    """The option a token sets, its value, and the key as the person typed it (`jusqua`, not `until`)."""
    if token.quoted:
        return None
    key, sep, value = syntax(token.text).partition("=")
    for opt in options:
        if fold(key) in opt.names():
            if sep and opt.kind is not None:
                return opt, value, key
            if not sep and opt.kind is None:
                return opt, None, key
    return None


def bind(raw: str, tokens: list[Token], params: Sequence[Param], options: Sequence[Opt]) -> dict[str, Any]:
    """Read params and options from tokens; raise ArgError saying what is missing or wrong."""
    values: dict[str, Any] = {opt.name: (False if opt.kind is None else None) for opt in options}
    found: list[tuple[Opt, str | None, str]] = []
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
    for opt, value, key in found:
        values[opt.name] = True if opt.kind is None else _option_value(opt, value, key)
    i = 0
    for param in params:
        if i >= len(positional):
            if param.optional:
                values[param.name] = None
                continue
            raise ArgError(T("Missing {what}.", what=param.kind.expected))
        if isinstance(param.kind, Text):
            single_quoted = len(positional) - i == 1 and positional[i].quoted and raw[positional[i].start] == '"'
            values[param.name] = (positional[i].text if single_quoted
                                  else raw[positional[i].start:positional[-1].end].strip())
            if not visible(values[param.name]):
                raise ArgError(T("Only invisible characters were given where I expected {what}.",
                                 what=param.kind.expected))
            i = len(positional)
            continue
        values[param.name], i = param.kind.parse(positional, i, raw)
    if i < len(positional):
        raise ArgError(T("I did not understand “{extra}”.", extra=Raw(" ".join(t.text for t in positional[i:]))))
    return values


def _option_value(opt: Opt, value: str | None, key: str) -> Any:
    """An option's value; a refusal names the option as it was typed, in the person's language."""
    assert opt.kind is not None
    if not value:
        raise ArgError(T("The option {name}= needs {expected}.", name=Raw(key), expected=opt.kind.expected))
    try:
        return opt.kind.convert(value)
    except (ValueError, ArithmeticError) as exc:
        raise ArgError(T("{name}={value}: the option {name}= needs {expected}.", name=Raw(key), value=Raw(value),
                         expected=opt.kind.expected)) from exc
