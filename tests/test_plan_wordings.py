"""Due periods as published OGP action plans word them (France, Canada, Scotland, Ireland, Morocco, Senegal …):
spans, deadlines after a preposition, ranges (due at their end) and ongoing milestones (no due date, never overdue)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import Forum
from bot.rules.periods import parse_period
from tests.support.forum_setup import commitment_with_milestones, start
from tests.transcript import bot_lines, play

# (as written in a plan, canonical key, due date; None: ongoing, no due date)
WORDINGS = [
    ("2025-2027", "2025/2027", date(2027, 12, 31)),
    ("2025 – 2027", "2025/2027", date(2027, 12, 31)),
    ("2025 — 2027", "2025/2027", date(2027, 12, 31)),
    ("2024 - 2026", "2024/2026", date(2026, 12, 31)),
    ("avant le 30 juin 2026", "2026-06-30", date(2026, 6, 30)),
    ("au plus tard fin 2026", "2026", date(2026, 12, 31)),
    ("d'ici fin 2025", "2025", date(2025, 12, 31)),
    ("Fin 2024", "2024", date(2024, 12, 31)),
    ("by March 2026", "2026-03", date(2026, 3, 31)),
    ("no later than Q2 2026", "2026-Q2", date(2026, 6, 30)),
    ("by the end of 2025", "2025", date(2025, 12, 31)),
    ("2e semestre 2024", "2024-H2", date(2024, 12, 31)),
    ("31/12/2025", "2025-12-31", date(2025, 12, 31)),
    ("septembre 2025 à juin 2026", "2025-09/2026-06", date(2026, 6, 30)),
    ("Septembre 2023 - Juin 2025", "2023-09/2025-06", date(2025, 6, 30)),
    ("de janvier à juin 2025", "2025-01/2025-06", date(2025, 6, 30)),
    ("Du 1er juillet 2025 au 30 juin 2026", "2025-07-01/2026-06-30", date(2026, 6, 30)),
    ("from 1 July 2025 to 30 June 2026", "2025-07-01/2026-06-30", date(2026, 6, 30)),
    ("January 2024 - December 2025", "2024-01/2025-12", date(2025, 12, 31)),
    ("Q1 2024 – Q4 2025", "2024-Q1/2025-Q4", date(2025, 12, 31)),
    ("entre 2024 et 2026", "2024/2026", date(2026, 12, 31)),
    ("En continu", "ongoing", None),
    ("Ongoing", "ongoing", None),
    ("continuous", "ongoing", None),
]


@pytest.mark.parametrize(("written", "key", "due"), WORDINGS, ids=[w[0] for w in WORDINGS])
def test_a_plan_s_wording_has_one_due_date(written: str, key: str, due: date | None) -> None:
    period = parse_period(written)
    assert period.key() == key
    assert (period.due if due is not None else None) == due
    assert parse_period(period.key()) == period  # the key stored reads back as the same period


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_milestones_understand_the_wordings_and_ongoing_is_never_overdue(forum: Forum, lang: str) -> None:
    add = "/jalon ajouter" if lang == "fr" else "/milestone add"
    out = await play(forum, start() + commitment_with_milestones() + f"[dm] alice: /lang {lang}\n"
                     f"[dm] alice: {add} FR0112 from 1 July 2025 to 30 June 2026 Bilan\n"
                     f"[dm] alice: {add} FR0112 en continu Veille\n@at 2030-01-01 09:00\n"
                     "[dm] alice: /milestones FR0112\n[dm] alice: /export milestones json\n")
    replies = bot_lines(out)
    assert ("en continu" if lang == "fr" else "ongoing") in out, out
    assert any("2026" in line for line in replies), out
    assert out.count("M2") >= 2 and "Veille" in out
