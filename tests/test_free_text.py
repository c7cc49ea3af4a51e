"""Free text is stored as typed (issue 15): typographic quotes, guillemets, apostrophes, zero-width joiners, bidi
marks and private-use characters stay in titles and reasons; only the command's own syntax is normalised, and text
made only of invisible characters is refused with an answer saying what was expected."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from bot.app import Forum
from bot.parsing import Param, Text, bind, clean_text, tokenize
from bot.router import split_command
from bot.storage.tables import Proposal
from tests.support.forum_setup import committee, lines, start
from tests.transcript import play

TYPED = [
    "L’accès aux données « ouvertes » : où en est‑on ?",  # ’, guillemets, U+202F, non-breaking hyphen
    "“Smart quotes” and ‘single ones’ inside",
    "सार्वजनिक क्\u200dष डेटा",  # a zero-width joiner inside Devanagari
    "بيانات مفتوحة\u200f 2024",  # a right-to-left mark
    "Logo \ue000 du forum",  # a private-use character
    "Deux\u00a0espaces\u2009fines",  # no-break and thin spaces
]


def title_of(forum: Forum, number: int) -> str:
    with Session(forum.engine) as session:
        proposal = session.get(Proposal, number)
        assert proposal is not None
        return proposal.title


async def test_titles_keep_every_character_typed(forum: Forum) -> None:
    await play(forum, start() + committee() + lines(*(f"[committee] carol: /propose {t}" for t in TYPED)))
    assert [title_of(forum, n) for n in range(1, len(TYPED) + 1)] == TYPED


async def test_invisible_marks_in_the_command_s_syntax_are_ignored(forum: Forum) -> None:
    out = await play(forum, start() + committee() + lines("[committee] carol: \u200b/propose\u200d Open data",
                                                        "[committee] carol: /proposal\u2060 P\u200b1"))
    assert title_of(forum, 1) == "Open data"
    assert "P1" in out and "Open data" in out.split("/proposal")[-1]


async def test_text_made_only_of_invisible_characters_is_refused(forum: Forum) -> None:
    out = await play(forum, start() + committee() + lines("[committee] carol: /propose \u200b\u2060\u200b",
                                                        "[committee] dave: /lang fr",
                                                        "[committee] dave: /proposer \u200b\u200b"))
    assert "Only invisible characters were given where I expected" in out
    assert "Seuls des caractères invisibles" in out
    with Session(forum.engine) as session:
        assert session.get(Proposal, 1) is None


def test_control_characters_no_platform_carries_are_dropped() -> None:
    assert clean_text("/propose A\x00B\x07C\nD\tE") == "/propose ABC\nD\tE"


FREE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1).filter(
    lambda t: t.strip() == t and t[:1] not in '"“«„‟〝＂' and any(not c.isspace() for c in t)
    and not any(c.isspace() and c not in " \u00a0\u202f\u2009" for c in t))


@given(FREE)
def test_any_free_text_comes_back_as_typed(text: str) -> None:
    """What a person writes after the command word is the Text argument, character for character."""
    parts = split_command(clean_text(f"/propose {text}"))
    assert parts is not None
    name, args = parts
    try:
        values = bind(args, tokenize(args), [Param("title", Text())], [])
    except Exception as exc:  # only a text of invisible marks may be refused
        assert "invisible" in str(exc.args) or not any(c.isprintable() and not c.isspace() for c in text)
        return
    assert (name, values["title"]) == ("propose", text)


@pytest.mark.parametrize("typed", TYPED)
def test_each_example_binds_unchanged(typed: str) -> None:
    args = split_command(clean_text(f"/propose {typed}"))
    assert args is not None
    assert bind(args[1], tokenize(args[1]), [Param("title", Text())], [])["title"] == typed
