"""The secret-ballot key: configured or generated beside a SQLite file, never in the database, never changed while
a secret vote is open (a voter changing their ballot would otherwise be counted twice)."""

from __future__ import annotations

import stat
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.app import Forum
from bot.ballot_key import FINGERPRINT_STATE, fingerprint, resolve_ballot_key
from bot.cli import main
from bot.clock import SimulatedClock
from bot.config import BallotKeyError, Config, ConfigError, parse_config
from bot.storage.state import get_state
from bot.storage.tables import SecretChoice
from tests.support.forum_setup import committee, lines, propose, start
from tests.transcript import play

START = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
OTHER_KEY = "another ballot key, long enough"

SECRET_VOTE = start() + committee(("carol", "dave"), plenary=False, english=("carol",)) + propose(
    "Publish the minutes") + lines("[committee] bob: /vote open P1 closes=3d secret", "[dm] carol: /vote V1 yes")


def secret_choices(forum: Forum) -> list[str]:
    with Session(forum.engine) as session:
        return sorted(session.exec(select(SecretChoice.choice)).all())


# --------------------------------------------------------------------------- where the key comes from


def test_the_environment_wins_over_the_key_file(tmp_path: Path) -> None:
    key_file = tmp_path / "ballot.key"
    key_file.write_text("key from the file, long enough\n")
    from_file = parse_config({"ballot_key_file": str(key_file)}, {})
    assert resolve_ballot_key(from_file)[0] == "key from the file, long enough"
    both = parse_config({"ballot_key_file": str(key_file)}, {"FORUMBOT_BALLOT_KEY": "key from the environment"})
    assert resolve_ballot_key(both) == ("key from the environment", "FORUMBOT_BALLOT_KEY")


def test_a_short_or_missing_key_names_its_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as short:
        parse_config({}, {"FORUMBOT_BALLOT_KEY": "secret"})
    assert short.value.key == "FORUMBOT_BALLOT_KEY" and "secret" not in str(short.value).split("expected")[1]
    missing = parse_config({"ballot_key_file": str(tmp_path / "nowhere.key")}, {})
    with pytest.raises(ConfigError) as info:
        resolve_ballot_key(missing)
    assert info.value.key == "ballot_key_file" and "nowhere.key" in str(info.value)


def test_a_sqlite_file_gets_a_key_generated_beside_it_once(sqlite_url: str) -> None:
    path = Path(make_url(sqlite_url).database or "")
    key_file = Path(f"{path}.ballot-key")
    assert not key_file.exists()
    first = Forum(replace(Config(), database_url=sqlite_url), SimulatedClock(START), migrate=False)
    key = first.config.ballot_key
    assert len(key) >= 32 and key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first.engine.dispose()
    second = Forum(replace(Config(), database_url=sqlite_url), SimulatedClock(START), migrate=False)
    assert second.config.ballot_key == key
    assert get_state(second.engine, FINGERPRINT_STATE) == fingerprint(key) != key
    second.engine.dispose()
    stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p != key_file)
    assert key.encode() not in stored


def test_an_in_memory_database_gets_a_key_for_this_process(tmp_path: Path) -> None:
    key, _ = resolve_ballot_key(replace(Config(), database_url="sqlite://"))
    assert len(key) >= 32 and resolve_ballot_key(replace(Config(), database_url="sqlite:///:memory:"))[0] == key


def test_postgresql_without_a_key_stops_in_one_line_naming_the_setting(tmp_path: Path) -> None:
    config = replace(Config(), database_url="postgresql+psycopg://forumbot@127.0.0.1:9/forumbot")
    with pytest.raises(ConfigError) as info:
        resolve_ballot_key(config)
    assert info.value.key == "ballot_key_file" and "FORUMBOT_BALLOT_KEY" in str(info.value)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    result = subprocess.run([sys.executable, "-m", "bot", "export", "decisions", "--db", config.database_url],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("forum-bot: configuration: 'ballot_key_file': expected ")


# --------------------------------------------------------------------------- the key does not change during a vote


async def test_another_key_is_refused_while_a_secret_vote_is_open(config: Config) -> None:
    first = Forum(config, SimulatedClock(START), migrate=False)
    out = await play(first, SECRET_VOTE)
    assert "Your secret ballot in V1 is recorded." in out
    with pytest.raises(BallotKeyError) as info:
        Forum(replace(config, ballot_key=OTHER_KEY), SimulatedClock(START), migrate=False)
    assert "V1" in str(info.value) and "counted twice" in str(info.value)
    again = Forum(config, SimulatedClock(START), migrate=False)  # the same key: welcome
    await play(again, "@at 2024-01-15 10:00\n[dm] carol: /vote V1 no\n", prefix="again")
    assert secret_choices(again) == ["no"]
    await play(first, "@advance 4d\n", prefix="close")
    changed = Forum(replace(config, ballot_key=OTHER_KEY), SimulatedClock(START), migrate=False)
    assert get_state(changed.engine, FINGERPRINT_STATE) == fingerprint(OTHER_KEY)
    for forum in (first, again, changed):
        forum.engine.dispose()


def test_the_cli_refuses_another_key_in_one_line(sqlite_url: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    forum = Forum(replace(Config(), database_url=sqlite_url), SimulatedClock(START), migrate=False)
    asyncio.run(play(forum, SECRET_VOTE))
    forum.engine.dispose()
    capsys.readouterr()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FORUMBOT_BALLOT_KEY", OTHER_KEY)
    assert main(["export", "decisions", "--db", sqlite_url]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("forum-bot: the ballot key (FORUMBOT_BALLOT_KEY) is not the one")
    assert "V1" in lines[0] and OTHER_KEY not in lines[0]


async def test_a_process_left_with_an_old_key_touches_no_secret_ballot(config: Config) -> None:
    """Two processes on one database, the second started with a new key while no secret vote was open: the first
    must not record ballots with its old key, or a voter who changes their ballot through both counts twice."""
    old = Forum(config, SimulatedClock(START), migrate=False)
    new = Forum(replace(config, ballot_key=OTHER_KEY), SimulatedClock(START), migrate=False)
    await play(new, SECRET_VOTE, prefix="new")
    assert secret_choices(new) == ["yes"]
    out = await play(old, "@at 2024-01-15 10:00\n[dm] carol: /vote V1 no\n", prefix="old")
    assert "something went wrong" in out
    assert secret_choices(new) == ["yes"]
    await play(new, "@at 2024-01-15 10:00\n[dm] carol: /vote V1 no\n", prefix="new2")
    assert secret_choices(new) == ["no"]
    old.engine.dispose()
    new.engine.dispose()
