"""/help: what the sender may do here, in their language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.errors import UserError
from bot.handlers.help_examples import EXAMPLES
from bot.i18n import Lang, Lines, Raw, T
from bot.parsing import Param, Text, Word
from bot.registry import Command, CommandName, command, is_allowed, registry, usage_of


def _name(cmd: Command, locale: str) -> str:
    return "/" + (cmd.path_fr if locale == "fr" else cmd.path)


def _line(cmd: Command, locale: str) -> Lines:
    return Lines([Raw(_name(cmd, locale)), cmd.help], sep=" — ")


ORDER = ("help", "lang", "whoami", "address", "group", "room", "role", "members", "apply", "applications", "accept",
         "decline", "propose", "proposals", "proposal", "withdraw", "answer", "vote", "votes", "election",
         "decisions", "commitment", "commitments", "milestone", "milestones", "update", "status", "meeting",
         "meetings", "agenda", "minutes", "cadence", "calendar", "export")


def _rank(cmd: Command) -> int:
    return ORDER.index(cmd.name) if cmd.name in ORDER else len(ORDER)


def example_of(cmd: Command) -> T | None:
    return cmd.example or EXAMPLES.get(cmd.path)


def find_topic(words: list[str]) -> Command:
    """`vote open` → the subcommand; a subject on the way (`agenda S2 add`) is skipped; an unknown word refused."""
    cmd = registry.find(words[0].lstrip("/!"))
    if cmd is None:
        raise UserError(T("I do not know the command /{name}. Send /help to see what I can do.",
                          name=Raw(words[0].lstrip("/!")[:40])))
    for index, word in enumerate(words[1:], 1):
        sub = cmd.find_sub(word)
        if sub is None and cmd.subject is not None and index < len(words) - 1:
            continue  # `/help agenda S2 add`: S2 is the subject
        if sub is None:
            subs = Lines([SubName(node) for node in cmd.sub_order], sep=", ")
            raise UserError(T("{command} has no subcommand “{word}”; its subcommands: {names}.",
                              command=CommandName(cmd), word=Raw(word[:40]), names=subs))
        cmd = sub
    return cmd


@dataclass(frozen=True)
class SubName:
    """A subcommand's own word in the reader's language (`open` / `ouvrir`)."""

    command: Command

    def render(self, lang: Lang) -> str:
        return self.command.fr if lang.locale == "fr" else self.command.name


def _topic(cmd: Command, roles: set[str], locale: str) -> Lines:
    """`/help group`: the command, the subcommands the sender may use, its usage and an example."""
    parts: list[Lines | T | None] = [_line(cmd, locale)]
    parts.extend(Lines([Raw("  "), _line(node, locale)], sep="") for node in cmd.walk()
                 if node is not cmd and not node.hidden and node.handler is not None and is_allowed(node, roles))
    usage = usage_of(cmd)
    if usage:
        parts.append(T("Usage: {usage}", usage=usage))
    example = example_of(cmd)
    if example:
        parts.append(T("Example: {example}", example=example))
    return Lines(parts)


@command("help", "aide", help=T("what I can do here, for your role"), usage=T("/help [command] [subcommand]"),
         params=[Param("topic", Text(), optional=True)])
async def help_command(ctx: Context, topic: str | None) -> None:
    locale = ctx.lang.locale
    if topic and topic.split():
        ctx.reply(_topic(find_topic(topic.split()), ctx.roles, locale))
        return
    allowed = [cmd for cmd in sorted(registry.order, key=_rank) if not cmd.hidden
               if any(is_allowed(node, ctx.roles) and node.handler for node in cmd.walk())]
    ctx.reply(Lines([T("What you can do here:"), *(_line(cmd, locale) for cmd in allowed),
                     T("Send /help <command> for details. Commands work in English and French.")]))


StartHandler = Callable[[Context, str], Awaitable[None]]
start_handlers: dict[str, StartHandler] = {}


def start_handler(prefix: str) -> Callable[[StartHandler], StartHandler]:
    """Decorator: `/start vote_V3` (a Telegram deep link) calls the handler registered for "vote" with "V3"."""

    def decorate(fn: StartHandler) -> StartHandler:
        start_handlers[prefix] = fn
        return fn

    return decorate


@command("start", "demarrer", help=T("start talking with me"), usage=T("/start"), hidden=True,
         params=[Param("payload", Word(), optional=True)])
async def start(ctx: Context, payload: str | None) -> None:
    if payload:
        prefix, _, rest = payload.partition("_")
        handler = start_handlers.get(prefix.lower())
        if handler is not None:
            await handler(ctx, rest)
            return
    ctx.reply(Lines([T("Hello! I am the forum's bot. I keep track of proposals, votes, commitments and meetings."),
                     T("Send /help to see what you can do, and /lang en or /lang fr to choose your language.")]))


def command_menu(locale: str, private: bool) -> list[tuple[str, str]]:
    """The top-level commands for a chat client's menu: (name in `locale`, help in `locale`), in /help's order.

    `private` picks the commands that make sense in a private chat (else in a group); `where` on a command
    ("private" or "group") narrows it, "any" is both.
    """
    lang = Lang(locale, ZoneInfo("UTC"))
    wanted = {"any", "private"} if private else {"any", "group"}
    menu = []
    for cmd in sorted(registry.order, key=_rank):
        if cmd.hidden or cmd.where not in wanted:
            continue
        if not any(node.handler for node in cmd.walk()):
            continue
        menu.append((cmd.fr if locale == "fr" else cmd.name, cmd.help.render(lang)))
    return menu
