"""The console speaks the forum's language (issue 16): its banner, and the size of a file it shows."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.transports.console import run_interactive
from tests.support import FORUM_EPOCH
from tests.transcript import play


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", "Console de Forum Bot. Tapez /aide, ou des lignes comme «\u202f[plenary] alice: /propose …\u202f». "
           "Vous êtes «\u202fyou\u202f» (admin). Ctrl-D pour quitter."),
    ("en", "Forum Bot console. Type /help, or lines like “[plenary] alice: /propose …”. "
           "You are “you” (admin). Ctrl-D quits."),
])
async def test_the_banner_follows_the_forum_s_language(config: Config, language: str, expected: str,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    forum = Forum(replace(config, default_language=language), SimulatedClock(FORUM_EPOCH), migrate=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    try:
        assert await run_interactive(forum) == 0
    finally:
        forum.engine.dispose()
    assert capsys.readouterr().out.splitlines()[0] == expected


async def test_a_file_s_size_is_said_in_the_reader_s_language(forum: Forum) -> None:
    out = await play(forum, "@admin alice\n[dm] alice: /lang en\n[dm] alice: /export members json\n"
                            "[dm] alice: /lang fr\n"
                            "[dm] alice: /export members json\n")
    english, french = [line for line in out.splitlines() if "📎" in line]
    assert english.endswith(" bytes)") and french.endswith("\u202foctets)")
