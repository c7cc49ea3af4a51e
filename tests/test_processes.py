"""Process-level promises: one process per SQLite file, health checks, logs without secrets."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.logs import setup_logging
from bot.storage.db import make_engine
from bot.storage.tables import Account


def forum_bot(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=120,
                          **kwargs)  # type: ignore[call-overload]


def test_a_second_process_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/forum.sqlite3"
    first = subprocess.Popen([sys.executable, "-m", "bot", "console", "--db", db], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert first.stdout is not None
        assert "Ctrl-D" in first.stdout.readline()  # the banner: the first one is up and holds the file
        second = forum_bot("console", "--db", db, input="")
        assert second.returncode == 2
        assert "another forum-bot process is already using" in second.stderr
        assert "use PostgreSQL to run several" in second.stderr
    finally:
        first.communicate(input="", timeout=60)
    # once the first has exited, the file is free again
    again = forum_bot("db", "upgrade", "--db", db)
    assert again.returncode == 0


def test_check_reports_each_part(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/forum.sqlite3"
    before = forum_bot("check", "--db", db)
    assert before.returncode == 1 and "FAIL database" in before.stdout and "forum-bot db upgrade" in before.stdout
    assert "skip outbox: the database is not ready" in before.stdout.splitlines()
    forum_bot("db", "upgrade", "--db", db)
    after = forum_bot("check", "--db", db)
    assert after.returncode == 0, after.stdout
    key_file = f"{tmp_path}/forum.sqlite3.ballot-key"
    assert after.stdout.splitlines() == [
        "ok   config: defaults", "ok   database: database reachable, schema at revision 0001",
        f"ok   ballot key: no key yet: one is generated at the first start in {key_file} (back it up with the "
        "database)", "ok   outbox: every message delivered", "ok   due work: nothing scheduled"]
    forum_bot("console", "--script", "/dev/null", "--db", db)  # a first start generates and records the key
    started = forum_bot("check", "--db", db)
    assert f"ok   ballot key: from the file {key_file}, the one in use" in started.stdout.splitlines()


def test_check_fails_for_a_key_other_than_the_one_of_an_open_secret_vote(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/forum.sqlite3"
    script = tmp_path / "vote.txt"
    script.write_text("@admin alice\n[committee] alice: /room committee\n[committee] alice: /role @alice cochair\n"
                      "[committee] alice: /propose Budget\n[committee] alice: /vote open P1 secret\n")
    opened = forum_bot("console", "--script", str(script), "--db", db)
    assert "V1" in opened.stdout, opened.stdout + opened.stderr
    other = forum_bot("check", "--db", db,
                      env={"FORUMBOT_BALLOT_KEY": "another key, long enough", "PATH": "/usr/bin:/bin"})
    assert other.returncode == 1
    assert "FAIL ballot key" in other.stdout and "secret vote is open" in other.stdout


def test_check_fails_for_an_unreachable_network(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path}/f.sqlite3"\n'
                      '[telegram]\nbase_url = "http://127.0.0.1:9/bot"\n')
    forum_bot("db", "upgrade", "--config", str(config))
    result = forum_bot("check", "--config", str(config), env={"FORUMBOT_TELEGRAM_TOKEN": "123:SECRETTOKEN",
                                                              "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "FAIL telegram" in result.stdout
    assert "SECRETTOKEN" not in result.stdout + result.stderr


def test_logs_are_json_lines_one_per_event(tmp_path: Path) -> None:
    script = tmp_path / "t.txt"
    script.write_text("@at 2024-01-15 09:00\n[plenary] alice: /help\n[plenary] alice: /nonsense\n")
    db = f"sqlite:///{tmp_path}/f.sqlite3"
    result = forum_bot("--log-level", "INFO", "console", "--script", str(script), "--db", db)  # 120 s at most
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    handled = [e for e in events if e["msg"] == "event"]
    assert [(e["command"], e["outcome"]) for e in handled] == [("help", "ok"), (None, "unknown")]
    assert all({"ts", "level", "network", "room", "person", "ms"} <= set(e) for e in handled)
    engine = make_engine(db)
    try:
        with Session(engine) as session:
            alice = session.exec(select(Account).where(Account.handle == "alice")).one()
    finally:
        engine.dispose()
    assert handled[0]["person"] == handled[1]["person"] == alice.person_id


def test_secrets_are_redacted_from_every_log_line(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "json", secrets=["123:SECRETTOKEN"])
    log = logging.getLogger("httpx.like")
    log.warning("POST https://api.telegram.org/bot%s/getMe", "123:SECRETTOKEN")
    try:
        raise ConnectionError("cannot reach https://api.telegram.org/bot123:SECRETTOKEN/sendMessage")
    except ConnectionError:
        log.exception("send failed")
    setup_logging("WARNING", "text")
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert [line["msg"] for line in lines] == ["POST https://api.telegram.org/bot***/getMe", "send failed"]
    assert "bot***/sendMessage" in lines[1]["error"]
    assert "SECRETTOKEN" not in err
