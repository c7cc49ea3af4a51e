"""The `forum-bot` command as a newcomer uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def forum_bot(*args: str, cwd: Path | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, input=stdin)


@pytest.mark.parametrize("sub", ["run", "console", "demo", "export", "db"])
def test_every_subcommand_has_help(sub: str) -> None:
    result = forum_bot(sub, "--help")
    assert result.returncode == 0
    assert "usage: forum-bot " + sub in result.stdout


def test_malformed_transcript_line_stops_with_its_number(tmp_path: Path) -> None:
    script = tmp_path / "t.txt"
    script.write_text("@at 2024-01-15 09:00\n[plenary] alice: /help\nthis line is wrong\n[plenary] alice: /help\n")
    result = forum_bot("console", "--script", str(script), "--db", f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode == 2
    assert "line 3" in result.stderr
    assert result.stdout.count("[plenary] bot:") == 1


def test_script_then_exports(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/db.sqlite3"
    script = tmp_path / "t.txt"
    script.write_text("@at 2024-01-15 09:00\n@admin alice\n[secretariat] alice: /room secretariat\n"
                      "[dm] bob: /apply hello\n[secretariat] alice: /accept A1\n")
    result = forum_bot("console", "--script", str(script), "--db", db)
    assert result.returncode == 0, result.stderr
    assert "[dm bob] bot: Bienvenue ! Votre candidature A1 est acceptée" in result.stdout
    notifications = json.loads(forum_bot("export", "notifications", "--db", db).stdout)
    assert [(n["kind"], n["target"]) for n in notifications] == [
        ("application_received", "secretariat"), ("application_outcome", "dm bob")]
    assert set(notifications[0]) == {"id", "kind", "target", "key", "created_at", "sent_at"}
    assert notifications[0]["created_at"].startswith("2024-01-15T08:00:00")
    csv_lines = forum_bot("export", "members", "--db", db, "--format", "csv").stdout.splitlines()
    assert csv_lines[0] == "id,name,role,group,since,until"
    assert sorted(line.split(",")[1:3] for line in csv_lines[1:]) == [["alice", "admin"], ["bob", "member"]]
    wrong = forum_bot("export", "nothing", "--db", db)
    assert wrong.returncode == 2 and "expected one of" in wrong.stderr


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/db.sqlite3"
    first, second = forum_bot("db", "upgrade", "--db", db), forum_bot("db", "upgrade", "--db", db)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout and "revision 0001" in first.stdout


def test_demo_speaks_both_languages() -> None:
    result = forum_bot("demo")
    assert result.returncode == 0, result.stderr
    assert "Groupe de travail dialogue créé" in result.stdout
    assert "I will answer you in English." in result.stdout


def test_run_without_network_plays_the_demo(tmp_path: Path) -> None:
    result = forum_bot("run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No chat network is configured" in result.stdout
    assert "[" in result.stdout and " bot: " in result.stdout
