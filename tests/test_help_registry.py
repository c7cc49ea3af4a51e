"""Every command and subcommand has its help: `/help <command> <subcommand>` (and `/aide …`) reaches it and shows
a full usage and an example, in both languages; tested by walking the registry, so a new command without them
fails here."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

import bot.app  # noqa: F401  (registers every command)
from bot.app import Forum
from bot.handlers.help import example_of
from bot.i18n import Lang, fold
from bot.registry import Command, registry, usage_of
from tests.support.forum_setup import start
from tests.transcript import play

LANGS = {"en": Lang("en", ZoneInfo("Europe/Paris")), "fr": Lang("fr", ZoneInfo("Europe/Paris"))}
COMMANDS = [cmd for cmd in registry.all_commands() if cmd.handler is not None]


def _words(cmd: Command, locale: str) -> list[str]:
    return (cmd.path_fr if locale == "fr" else cmd.path).split()


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize("cmd", COMMANDS, ids=[cmd.path for cmd in COMMANDS])
def test_every_command_has_a_usage_and_an_example(cmd: Command, locale: str) -> None:
    usage, example = usage_of(cmd), example_of(cmd)
    assert usage is not None, f"/{cmd.path} has no usage"
    assert example is not None, f"/{cmd.path} has no example (bot/handlers/help_examples.py)"
    shown_usage, shown_example = fold(usage.render(LANGS[locale])), fold(example.render(LANGS[locale]))
    for word in _words(cmd, locale):
        assert fold(word) in shown_usage, f"the usage of /{cmd.path} does not name {word}: {shown_usage}"
        assert fold(word) in shown_example, f"the example of /{cmd.path} does not use {word}: {shown_example}"
    assert shown_example.startswith("/" + fold(_words(cmd, locale)[0]))


async def test_help_reaches_every_subcommand(forum: Forum) -> None:
    """One transcript: `/help <path>` in English and `/aide <path>` in French for every command, as an admin."""
    asks = []
    for cmd in COMMANDS:
        asks.append(f"[dm] alice: /lang en\n[dm] alice: /help {cmd.path}\n")
        asks.append(f"[dm] alice: /langue fr\n[dm] alice: /aide {cmd.path_fr}\n")
    out = await play(forum, start() + "".join(asks))
    answers = out.split("> [dm] alice: /")[1:]
    helps = [answer for answer in answers if answer.startswith(("help ", "aide "))]
    assert len(helps) == 2 * len(COMMANDS)
    for cmd, english, french in zip(COMMANDS, helps[::2], helps[1::2], strict=True):
        for answer, locale, usage, example in ((english, "en", "Usage", "Example"),
                                               (french, "fr", "Utilisation", "Exemple")):
            expected = example_of(cmd).render(LANGS[locale])  # type: ignore[union-attr]
            assert f"{usage}\u202f: " in answer or f"{usage}: " in answer, answer
            assert f"{example}\u202f: {expected}" in answer or f"{example}: {expected}" in answer, answer


async def test_an_unknown_subcommand_lists_the_known_ones(forum: Forum) -> None:
    out = await play(forum, start() + "[dm] alice: /aide voter ouvrr\n")
    assert "/voter n’a pas de sous-commande «\u202fouvrr\u202f»\u202f; ses sous-commandes\u202f: " in out
    assert "ouvrir" in out
