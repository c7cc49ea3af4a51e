"""The open register read at the forum's clock, and complete: proposals and commitments beside the other kinds."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import Forum
from tests.transcript import play


async def test_export_file_is_named_by_the_forum_s_date(forum: Forum) -> None:
    """00:30 on January 16 in Paris is still January 15 in UTC: the file carries the forum's date."""
    assert forum.clock.now() < datetime(2024, 1, 15, 23, 30, tzinfo=UTC)
    out = await play(forum, "@at 2024-01-16 00:30\n@admin alice\n[dm] alice: /export members csv\n")
    assert "📎 members-2024-01-16.csv" in out
