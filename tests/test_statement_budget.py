"""Statements per command stay within budget and do not grow with history (an N+1 or a scan would show here).

Counts, not times: the same on every machine. The budgets are today's counts; raise one only with a reason.
"""

from __future__ import annotations

from pathlib import Path

from bench.statements import measure

# "status update" 11 → 12: the bench reports on a milestone (`/update M1 40%`, docs/progress.md), whose lookup and
# its commitment's are two statements where a commitment code was one.
# "first/changed ballot" 13 → 14: a voter's own ballot takes back a proxy they gave for the vote (issue 17), one
# UNION statement when there is none (bot/domain/votes/proxies.py `_any_proxy_in`).
BUDGETS = {"first ballot": 14, "changed ballot": 14, "status update": 12, "/status": 15}


async def test_everyday_commands_stay_within_their_statement_budget(tmp_path: Path) -> None:
    counts = {name: len(statements) for name, statements in (await measure(tmp_path)).items()}
    over = {name: (counts[name], budget) for name, budget in BUDGETS.items() if counts[name] > budget}
    assert not over, f"statements (count, budget): {over}"
    assert counts["first ballot, 15 ballots later"] == counts["first ballot"]
