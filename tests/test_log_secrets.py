"""Logs never contain a token or what was chosen in a secret vote, even at DEBUG.

A year of secret ballots would be worthless if the choices could be read back from the operator's logs. The bot
is run as a process at `--log-level DEBUG` with a Telegram token in its environment; it plays an open vote and a
secret one whose ballots carry distinctive words. The check is shown able to fail: the same script played by a
build whose router logs each message's text (a plausible "debugging aid") is caught by the same check.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from bot.storage.db import make_engine
from bot.storage.tables import SecretChoice
from tests.support.crash import forked, run_to_end, spawned

TOKEN = "123456:SECRETTOKENxyz"
SCRIPT = """\
@at 2024-01-15 09:00
@admin alice
[plenary] alice: /room plenary
[plenary] alice: /role @bob cochair
[plenary] alice: /role @carol member
[plenary] alice: /role @dave member
[plenary] alice: /role @zephyrine member
[plenary] alice: /role @quillon member
[plenary] carol: /propose An open question
[plenary] bob: /vote open P1 closes=1d
[plenary] carol: /vote V1 yes heliotrope
[plenary] dave: /vote V1 abstain heliotrope too
[plenary] carol: /propose A secret question
[plenary] bob: /vote open P2 secret closes=1d
[dm] carol: /vote V2 yes marzipan
[dm] dave: /vote V2 abstain marzipan again
[plenary] bob: /election open Treasurer seats=1 candidates=@zephyrine,@quillon closes=1d
[dm] carol: /vote V3 @zephyrine
[dm] dave: /vote V3 @quillon
[dm] carol: /help
@advance 2d
[dm] alice: is this our bot token? 123456:SECRETTOKENxyz
"""
SECRET_LINES = {15, 16, 18, 19}  # the ballots of the secret vote V2 and of the election V3 (secret by default)
OPEN_LINES = {11, 12}


def log_lines(stderr: str) -> list[dict[str, Any]]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("{") for line in lines), "every log line is one JSON object"
    return [json.loads(line) for line in lines]


def leaks(stderr: str) -> list[str]:
    """What the logs give away: the token anywhere; in the log lines of secret ballots, any word of the ballot."""
    found = [f"the token in: {line[:160]}" for line in stderr.splitlines() if "SECRETTOKEN" in line]
    found += [f"'marzipan' (a secret ballot's reason) in: {line[:160]}" for line in stderr.splitlines()
              if "marzipan" in line]
    for entry in log_lines(stderr):
        lineno = int(str(entry.get("event", "x:0")).rsplit(":", 1)[-1] or 0)
        if lineno in SECRET_LINES:
            text = json.dumps(entry)
            found += [f"{word!r} in the log of secret ballot line {lineno}: {text[:160]}"
                      for word in ("yes", "abstain", "zephyrine", "quillon") if word in text]
    return found


def run(tmp_path: Path, launch: Any, name: str, **kwargs: Any) -> tuple[str, str]:
    script = tmp_path / "secret.txt"
    script.write_text(SCRIPT)
    url = f"sqlite:///{tmp_path}/{name}.sqlite3"
    with open(tmp_path / f"{name}.log", "w") as err:
        run_to_end(lambda argv, e: launch(argv, e, **kwargs),
                   ["--log-level", "DEBUG", "console", "--script", str(script), "--db", url], err)
    return (tmp_path / f"{name}.log").read_text(), url


def test_debug_logs_hold_no_token_and_no_secret_choice(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("FORUMBOT_TELEGRAM_TOKEN", TOKEN)
    stderr, url = run(tmp_path, spawned, "real")
    entries = log_lines(stderr)
    events = {int(e["event"].rsplit(":", 1)[1]): e for e in entries if e.get("msg") == "event"}
    # the secret ballots were handled and logged, one line each, with who and where — not what
    assert all(events[n]["command"] == "vote" and events[n]["outcome"] == "ok" for n in SECRET_LINES | OPEN_LINES)
    assert leaks(stderr) == []
    # and the choices did pass through the process: they are in the database, not in the logs
    engine = make_engine(url)
    with Session(engine) as session:
        choices = sorted(c.choice for c in session.exec(select(SecretChoice)).all())
    engine.dispose()
    assert choices[2:] == ["abstain", "yes"] and all(c.startswith("[") for c in choices[:2])


def _log_the_text() -> None:
    """A leaky build: the router's event line also carries the message's text."""
    import bot.router

    original = bot.router.Router.handle

    async def handle(self: Any, msg: Any) -> Any:
        logging.getLogger("forumbot.router").debug("received", extra={"event": msg.event_id, "text": msg.text})
        return await original(self, msg)

    bot.router.Router.handle = handle  # type: ignore[method-assign]


def test_the_check_catches_a_build_that_logs_message_text(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("FORUMBOT_TELEGRAM_TOKEN", TOKEN)
    stderr, _ = run(tmp_path, forked, "leaky", before=_log_the_text)
    assert "heliotrope" in stderr  # the open ballots' words now reach the logs …
    found = leaks(stderr)
    assert any("marzipan" in f for f in found)  # … and so do the secret ones: the check says so
    assert any("line 15" in f and "'yes'" in f for f in found)
    assert any("line 18" in f and "zephyrine" in f for f in found)
    assert not any("the token" in f for f in found)  # the token stays redacted even then
    assert "is this our bot token? ***" in stderr
