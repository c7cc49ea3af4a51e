"""Golden transcripts: tests/transcripts/NAME.txt is played, its output must equal NAME.out, on each database.

Regenerate after a deliberate change with: FORUMBOT_UPDATE_GOLDEN=1 pytest tests/test_transcripts.py, read the diff,
then run the tests again without it. Only the SQLite run writes; every run, the PostgreSQL one included, is compared
with the file. Updating is refused when CI is set, and a missing expected file is a failure, never written quietly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.app import Forum
from tests.transcript import play

TRANSCRIPTS = Path(__file__).parent / "transcripts"
DEMO = Path(__file__).parent.parent / "bot" / "demo" / "demo.txt"
CASES = [*sorted(TRANSCRIPTS.glob("*.txt")), DEMO]
UPDATE_ENV = "FORUMBOT_UPDATE_GOLDEN"


def updating(database: str) -> bool:
    """Whether this run may rewrite the golden files: asked for, outside CI, and on SQLite only."""
    if not os.environ.get(UPDATE_ENV):
        return False
    if os.environ.get("CI"):
        pytest.fail(f"{UPDATE_ENV} is set while CI is: golden files are never rewritten in CI", pytrace=False)
    return database.startswith("sqlite")


@pytest.mark.parametrize("script", CASES, ids=[c.stem for c in CASES])
async def test_transcript(forum: Forum, script: Path) -> None:
    output = await play(forum, script.read_text(encoding="utf-8"))
    expected_path = TRANSCRIPTS / f"{script.stem}.out"
    expected = expected_path.read_text(encoding="utf-8") if expected_path.exists() else None
    if updating(forum.config.database_url) and output != expected:
        expected_path.write_text(output, encoding="utf-8")
        pytest.fail(f"{expected_path.name} was rewritten: read its diff, then run the tests again without {UPDATE_ENV}")
    if expected is None:
        pytest.fail(f"{expected_path.name} does not exist: write it with {UPDATE_ENV}=1 (outside CI), read it, "
                    "then commit it", pytrace=False)
    assert output == expected


def test_golden_files_are_rewritten_only_outside_ci_and_from_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UPDATE_ENV, raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert not updating("sqlite:///x.sqlite3")
    monkeypatch.setenv(UPDATE_ENV, "1")
    assert updating("sqlite:///x.sqlite3")
    assert not updating("postgresql+psycopg://u@h/db")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="never rewritten in CI"):
        updating("sqlite:///x.sqlite3")


def test_every_transcript_has_its_expected_output() -> None:
    assert [c.stem for c in CASES if not (TRANSCRIPTS / f"{c.stem}.out").exists()] == []
