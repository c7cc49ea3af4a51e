"""The open register read at the forum's clock, and complete: proposals and commitments beside the other kinds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from bot.app import Forum
from bot.exports import export, exporters
from bot.handlers.exporting import EXPORT_ALIASES, FRENCH_KINDS
from tests.support.forum_setup import commitment_with_milestones, committee, lines, propose, start
from tests.transcript import play


async def test_export_file_is_named_by_the_forum_s_date(forum: Forum) -> None:
    """00:30 on January 16 in Paris is still January 15 in UTC: the file carries the forum's date."""
    assert forum.clock.now() < datetime(2024, 1, 15, 23, 30, tzinfo=UTC)
    out = await play(forum, "@at 2024-01-16 00:30\n@admin alice\n[dm] alice: /export members csv\n")
    assert "📎 members-2024-01-16.csv" in out


async def test_the_proposals_export_has_answer_vote_decision_and_history(forum: Forum) -> None:
    out = await play(forum, start() + committee() + propose("Publish the minutes") + propose("Open the budget") + lines(
        "[committee] bob: /vote open P1 closes=1d", "[committee] carol: /vote V1 yes",
        "[committee] dave: /vote V1 yes", "@advance 1d",
        "[committee] bob: /answer P2 rejected « pas de budget » cette année",
        "[dm] alice: /export proposals json"))
    rows = exported(forum, "proposals")
    assert [(r["id"], r["status"], r["vote"], r["decision"]) for r in rows] == [
        ("P1", "adopted", "V1", "D1"), ("P2", "rejected", None, None)]
    assert rows[1]["reason"] == "« pas de budget » cette année" and rows[1]["answered_at"]
    assert [step["action"] for step in rows[1]["history"]][-1] == "answer"
    assert rows[0]["author"] == "carol" and "📎 proposals-" in out


async def test_the_commitments_export_has_progress_from_the_milestones(forum: Forum) -> None:
    await play(forum, start() + commitment_with_milestones([("2024-03", "First plenary"), ("2024-12", "Report")])
               + lines("[secretariat] alice: /milestone done M1"))
    [row] = exported(forum, "commitments")
    assert (row["code"], row["milestones_done"], row["milestones_total"]) == ("FR0112", 1, 2)
    assert row["derived_from_milestones"] is True and row["progress"] == 50


async def test_every_export_name_a_reader_may_type_has_an_exporter(forum: Forum) -> None:
    for typed, name in EXPORT_ALIASES.items():
        assert name in exporters, typed
    for name in FRENCH_KINDS:
        assert name in exporters, name
    out = await play(forum, "@admin alice\n[dm] alice: /lang fr\n[dm] alice: /exporter engagements csv\n"
                            "[dm] alice: /exporter propositions\n")
    assert "📎 commitments-" in out and "📎 proposals-" in out


def exported(forum: Forum, name: str) -> list[dict[str, Any]]:
    with Session(forum.engine) as session:
        rows = json.loads(export(session, forum.config, forum.clock.now(), name, "json"))
    assert isinstance(rows, list)
    return rows
