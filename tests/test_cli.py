"""The `forum-bot` command as a newcomer uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.storage.db import make_engine
from bot.storage.tables import AuditEvent, Commitment

ROOT = Path(__file__).resolve().parents[1]


def forum_bot(*args: str, cwd: Path | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, input=stdin)


@pytest.mark.parametrize("sub", ["run", "console", "demo", "export", "db"])
def test_every_subcommand_has_help(sub: str) -> None:
    result = forum_bot(sub, "--help")
    assert result.returncode == 0
    assert "usage: forum-bot " + sub in result.stdout


@pytest.mark.parametrize("sub", ["export", "import"])
def test_subcommands_reading_the_clock_document_at(sub: str) -> None:
    result = forum_bot(sub, "--help")
    assert "--at MOMENT" in result.stdout and "time zone" in result.stdout


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
    assert "[dm bob] bot: Bienvenue\u202f! Votre candidature A1 est acceptée" in result.stdout
    notifications = json.loads(forum_bot("export", "notifications", "--db", db, "--at", "2024-01-15 10:00").stdout)
    assert [(n["kind"], n["target"]) for n in notifications] == [
        ("application_received", "secretariat"), ("application_outcome", "dm bob")]
    assert set(notifications[0]) == {"id", "kind", "target", "key", "created_at", "sent_at"}
    assert notifications[0]["created_at"].startswith("2024-01-15T08:00:00")
    csv_lines = forum_bot("export", "members", "--db", db, "--format", "csv",
                          "--at", "2024-01-15 10:00").stdout.splitlines()
    assert csv_lines[0] == "id,name,college,organisation,role,group,since,until"
    assert sorted(line.split(",")[1:5:3] for line in csv_lines[1:]) == [["alice", "admin"], ["bob", "member"]]
    wrong = forum_bot("export", "nothing", "--db", db, "--at", "2024-01-15 10:00")
    assert wrong.returncode == 2 and "expected one of" in wrong.stderr


def test_export_at_a_given_moment_lists_the_mandates_running_then(tmp_path: Path) -> None:
    """`--at` is a moment of the forum's time zone (Europe/Paris): bob's mandate lasts through March 31 there, that
    is until 22:00 UTC (summer time), carol's through the year; neither had begun before January 15."""
    db = f"sqlite:///{tmp_path}/db.sqlite3"
    script = tmp_path / "t.txt"
    script.write_text("@at 2024-01-15 09:00\n@admin alice\n[secretariat] alice: /room secretariat\n"
                      "[secretariat] alice: /role @bob cochair until=2024-03-31\n"
                      "[secretariat] alice: /role @carol committee until=2024-12-31\n"
                      "[secretariat] alice: /commitment add FR0001 Open data\n"
                      "[secretariat] alice: /milestone add FR0001 2024-06-30 Portal online\n")
    result = forum_bot("console", "--script", str(script), "--db", db)
    assert result.returncode == 0, result.stderr

    def members(at: str) -> list[tuple[str, str]]:
        exported = forum_bot("export", "members", "--db", db, "--at", at)
        assert exported.returncode == 0, exported.stderr
        return sorted((row["name"], row["role"]) for row in json.loads(exported.stdout))

    def overdue(at: str) -> list[bool]:
        exported = forum_bot("export", "milestones", "--db", db, "--at", at)
        assert exported.returncode == 0, exported.stderr
        return [row["overdue"] for row in json.loads(exported.stdout)]

    everyone = [("alice", "admin"), ("bob", "cochair"), ("carol", "committee")]
    assert members("2024-01-15 08:00") == []  # before the script's first line: nothing granted yet
    assert members("2024-03-31 23:59") == everyone  # 21:59 UTC: bob's last minute
    assert members("2024-04-01 00:00") == [("alice", "admin"), ("carol", "committee")]  # ended before --at
    assert members("2024-12-31 12:00") == [("alice", "admin"), ("carol", "committee")]  # carol's still running
    assert members("2025-01-01") == [("alice", "admin")]
    assert overdue("2024-06-30 12:00") == [False] and overdue("2024-07-01 00:00") == [True]
    wrong = forum_bot("export", "members", "--db", db, "--at", "2024-01-15T25:00")
    assert wrong.returncode == 2 and "--at" in wrong.stderr


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


def test_import_at_a_given_moment_records_it_then(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/db.sqlite3"
    plan = ROOT / "bot" / "demo" / "fr-2023-2025-FR0112.toml"
    result = forum_bot("import", "commitments", str(plan), "--db", db, "--at", "2024-07-01 09:30")
    assert result.returncode == 0, result.stderr
    engine = make_engine(db)
    try:
        with Session(engine) as session:
            stamps = {c.created_at.isoformat() for c in session.exec(select(Commitment)).all()}
            audited = {a.at.isoformat() for a in session.exec(select(AuditEvent)).all()}
    finally:
        engine.dispose()
    assert stamps == audited == {"2024-07-01T07:30:00+00:00"}  # 09:30 in Paris, summer time


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_of_a_missing_database_is_one_line_and_creates_nothing(tmp_path: Path, fmt: str) -> None:
    """A mistyped --db path is said in one line; no empty export on standard output, no new file on disk."""
    path = tmp_path / "typo.sqlite3"
    result = forum_bot("export", "members", "--db", f"sqlite:///{path}", "--format", fmt)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"forum-bot: export: no database at {path} (check --db or "
                                                  "database_url)"]
    assert not path.exists() and list(tmp_path.iterdir()) == []
