"""The command registry: each command declares, in one place, its names, arguments, options, roles and help;
plain-text hooks (lines that are not commands, e.g. minutes being taken) register here too."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.errors import ArgError
from bot.i18n import Lang, Raw, T, fold
from bot.parsing import Opt, Param, Token

if TYPE_CHECKING:
    from bot.context import Context

Handler = Callable[..., Awaitable[None]]

EVERYONE: frozenset[str] | None = None
ADMINS = frozenset({"admin"})
STAFF = frozenset({"admin", "secretariat", "cochair"})
CHAIRS = frozenset({"admin", "cochair"})
MEMBERS = frozenset({"admin", "secretariat", "cochair", "committee", "member"})


@dataclass
class Command:
    """A command or subcommand: `/group add <slug> <name>` is the subcommand `add` of `group`."""

    name: str
    fr: str
    help: T
    usage: T | None = None
    example: T | None = None  # shown by /help under the usage (else bot/handlers/help_examples.py has it)
    params: Sequence[Param] = ()
    options: Sequence[Opt] = ()
    roles: frozenset[str] | None = None
    where: str = "any"
    hidden: bool = False
    handler: Handler | None = None
    subject: Param | None = None  # object-first subcommands: `/agenda S2 add` reads S2 into this, then `add`
    sub_expected: T | None = None  # what may follow the subject, when it is not one of the subcommands
    denied: T | None = None  # the refusal when the sender lacks the roles (else the router's generic one)
    parent: Command | None = None
    subcommands: dict[str, Command] = field(default_factory=dict)
    sub_order: list[Command] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"{self.parent.path} {self.name}" if self.parent else self.name

    @property
    def path_fr(self) -> str:
        return f"{self.parent.path_fr} {self.fr}" if self.parent else self.fr

    def names(self) -> set[str]:
        return {fold(self.name), fold(self.fr)}

    def find_sub(self, word: str) -> Command | None:
        return lookup(self.subcommands, word)

    def walk(self) -> Iterator[Command]:
        yield self
        for sub in self.sub_order:
            yield from sub.walk()


class Registry:
    """All commands, by English and French name."""

    def __init__(self) -> None:
        self.top: dict[str, Command] = {}
        self.order: list[Command] = []

    def add(self, path: str, fr: str, **fields: Any) -> Command:
        """Declare `path` ("group add") with its French name ("groupe ajouter")."""
        words, words_fr = path.split(), fr.split()
        assert len(words) == len(words_fr), f"{path!r} and {fr!r} differ in length"
        parent: Command | None = None
        for depth, (word, word_fr) in enumerate(zip(words, words_fr, strict=True)):
            table = self.top if parent is None else parent.subcommands
            node = table.get(fold(word))
            last = depth == len(words) - 1
            if node is None:
                node = Command(name=word, fr=word_fr, help=fields.get("help", T("(no description)")), parent=parent)
                table[fold(word)] = node
                table[fold(word_fr)] = node
                (self.order if parent is None else parent.sub_order).append(node)
            if last:
                for key, value in fields.items():
                    setattr(node, key, value)
            parent = node
        assert parent is not None
        return parent

    def command(self, path: str, fr: str, **fields: Any) -> Callable[[Handler], Handler]:
        """Decorator: `@registry.command("group add", "groupe ajouter", help=T(...), params=[...])`."""

        def decorate(handler: Handler) -> Handler:
            self.add(path, fr, handler=handler, **fields)
            return handler

        return decorate

    def find(self, word: str) -> Command | None:
        return lookup(self.top, word)

    def suggest(self, word: str) -> list[Command]:
        """The commands whose English or French name is close to `word`, best first, each once."""
        names = sorted(name for name, cmd in self.top.items() if not cmd.hidden)
        found: list[Command] = []
        for name in difflib.get_close_matches(fold(word), names, n=6, cutoff=0.6):
            if self.top[name] not in found:
                found.append(self.top[name])
        return found[:3]

    def all_commands(self) -> Iterator[Command]:
        for top in self.order:
            yield from top.walk()


def lookup(table: dict[str, Command], word: str) -> Command | None:
    """A command by name, folded; `_` also stands for `-` (Telegram command names cannot hold dashes)."""
    key = fold(word)
    return table.get(key) or (table.get(key.replace("_", "-")) if "_" in key else None)


registry = Registry()
command = registry.command


@dataclass(frozen=True)
class TextHook:
    """Handles plain (non-command) lines, e.g. minutes being taken; `claims` is a cheap test with no I/O."""

    claims: Callable[[str], bool]
    handle: Callable[[Context, str], Awaitable[bool]]


TextHandler = Callable[["Context", str], Awaitable[bool]]
text_hooks: list[TextHook] = []


def text_hook(claims: Callable[[str], bool]) -> Callable[[TextHandler], TextHandler]:
    """Decorator registering a plain-text hook."""

    def decorate(fn: TextHandler) -> TextHandler:
        text_hooks.append(TextHook(claims, fn))
        return fn

    return decorate


@dataclass(frozen=True)
class CommandName:
    """`/group add` for English readers, `/groupe ajouter` for French ones."""

    command: Command

    def render(self, lang: Lang) -> str:
        return "/" + (self.command.path_fr if lang.locale == "fr" else self.command.path)


def descend(command: Command, tokens: Sequence[Token]) -> tuple[Command, int, dict[str, Any]]:
    """The subcommand the words name, where its own arguments start in the text, and the subject read on the way:
    `group add x` → (group add, after `add`, {}); `agenda S2 add x` → (agenda add, after `add`, {"number": 2})."""
    node, end, subject = command, 0, {}
    while tokens and node.subcommands:
        if node.subject is not None:
            if len(tokens) < 2:
                break  # `/agenda S2`: the command itself reads the subject
            value = node.subject.kind.convert_or_fail(tokens[0].text)
            sub = node.find_sub(tokens[1].text)
            if sub is None:
                raise ArgError(T("“{value}” is not {expected}.", value=Raw(tokens[1].text),
                                 expected=node.sub_expected or T("a value")))
            subject[node.subject.name] = value
            node, end, tokens = sub, tokens[1].end, tokens[2:]
            continue
        sub = node.find_sub(tokens[0].text)
        if sub is None:
            break
        node, end, tokens = sub, tokens[0].end, tokens[1:]
    return node, end, subject


def is_allowed(command: Command, roles: set[str]) -> bool:
    """The one permission rule: a command with roles needs one of them; admins may do everything."""
    node: Command | None = command
    while node is not None:
        if node.roles is not None:
            return "admin" in roles or bool(node.roles & roles)
        node = node.parent
    return True


def usage_of(command: Command, context: Context | None = None) -> T | None:
    node: Command | None = command
    while node is not None and node.usage is None:
        node = node.parent
    return node.usage if node else None
