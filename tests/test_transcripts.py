"""Golden transcripts: tests/transcripts/NAME.txt is played, its output must equal NAME.out.

Regenerate after a deliberate change with: FORUMBOT_UPDATE_GOLDEN=1 pytest tests/test_transcripts.py
and read the diff before committing it.
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


@pytest.mark.parametrize("script", CASES, ids=[c.stem for c in CASES])
async def test_transcript(forum: Forum, script: Path) -> None:
    output = await play(forum, script.read_text(encoding="utf-8"))
    expected_path = TRANSCRIPTS / f"{script.stem}.out"
    if os.environ.get("FORUMBOT_UPDATE_GOLDEN") or not expected_path.exists():
        expected_path.write_text(output, encoding="utf-8")
        if not os.environ.get("FORUMBOT_UPDATE_GOLDEN"):
            pytest.fail(f"{expected_path.name} did not exist; it was written: read it, then commit it")
    assert output == expected_path.read_text(encoding="utf-8")
