"""Refusals name what the person typed, in their language: the option as typed (`jusqua=`, not `until=`), the
limits of a number (`sieges=51`)."""

from __future__ import annotations

from bot.app import Forum
from tests.support.forum_setup import start
from tests.transcript import bot_lines, play

N = "\u202f"



async def test_an_option_is_named_as_it_was_typed(forum: Forum) -> None:
    """`jusqua=`, not `until=`; a number out of range says the limits."""
    out = await play(forum, start() + "".join(f"{line}\n" for line in [
        "[plenary] alice: /room plenary",
        "[plenary] alice: /role @bob membre jusqua=bientot",
        "[plenary] alice: /role @bob membre jusqua=",
        "[plenary] alice: /election ouvrir Comité sieges=51 candidats=@bob,@carol",
    ]))
    said = bot_lines(out)
    assert any(line.startswith(f"[plenary] bot: jusqua=bientot{N}: l’option jusqua= attend ") for line in said), said
    assert any(line.startswith("[plenary] bot: L’option jusqua= attend ") for line in said), said
    assert any("sieges=51" in line and "un nombre entier de 1 à 50" in line for line in said), said
    assert "until=" not in out


async def test_export_alone_lists_what_can_be_exported(forum: Forum) -> None:
    out = await play(forum, start() + "[dm] alice: /exporter\n[dm] alice: /lang en\n[dm] alice: /export\n")
    said = bot_lines(out)
    assert said[-3] == (f"[dm alice] bot: Je peux exporter{N}: engagements, décisions, réunions, membres, jalons, "
                        "propositions, avancements, votes.")
    assert said[-1] == ("[dm alice] bot: I can export: commitments, decisions, meetings, members, milestones, "
                        "proposals, updates, votes."), said
