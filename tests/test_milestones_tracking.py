"""Milestones through the commands: every period form in both languages, status rules, import, exports, restart."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.domain.tracking.importing import PlanImportError, import_commitments, read_plan
from bot.exports import export
from bot.handlers.tracking import check_progress_and_level
from bot.handlers.updates import read_update
from bot.i18n import Lang
from bot.storage.tables import Milestone, OutboxMessage
from bot.wording.tracking import PeriodLabel
from tests.support import FORUM_EPOCH
from tests.support.forum_setup import commitment_with_milestones, start
from tests.transcript import bot_lines, play

FR0112 = Path(__file__).resolve().parent.parent / "bot" / "demo" / "fr-2023-2025-FR0112.toml"

SETUP = start() + commitment_with_milestones()  # FR0112, led by the dialogue group; no milestone yet


def _milestones(forum: Forum) -> list[Milestone]:
    with Session(forum.engine) as session:
        return list(session.exec(select(Milestone).order_by(Milestone.id)).all())


def _alerts(forum: Forum, kind: str = "milestone_overdue") -> list[OutboxMessage]:
    with Session(forum.engine) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)).all())


# (what a person types, canonical key, due date, French label, English label)
FORMS = [
    ("2024-02-15", "2024-02-15", date(2024, 2, 15), "15 février 2024", "February 15, 2024"),
    ("2024-02", "2024-02", date(2024, 2, 29), "février 2024", "February 2024"),
    ("February 2024", "2024-02", date(2024, 2, 29), "février 2024", "February 2024"),
    ("février 2024", "2024-02", date(2024, 2, 29), "février 2024", "February 2024"),
    ("fév. 2024", "2024-02", date(2024, 2, 29), "février 2024", "February 2024"),
    ("FEVRIER 2023", "2023-02", date(2023, 2, 28), "février 2023", "February 2023"),
    ("Q1 2024", "2024-Q1", date(2024, 3, 31), "T1 2024", "Q1 2024"),
    ("t2 2024", "2024-Q2", date(2024, 6, 30), "T2 2024", "Q2 2024"),
    ("Q3 2024", "2024-Q3", date(2024, 9, 30), "T3 2024", "Q3 2024"),
    ("T4 2024", "2024-Q4", date(2024, 12, 31), "T4 2024", "Q4 2024"),
    ("H1 2024", "2024-H1", date(2024, 6, 30), "S1 2024", "H1 2024"),
    ("s2 2024", "2024-H2", date(2024, 12, 31), "S2 2024", "H2 2024"),
    ("1er semestre 2024", "2024-H1", date(2024, 6, 30), "S1 2024", "H1 2024"),
    ("second half of 2024", "2024-H2", date(2024, 12, 31), "S2 2024", "H2 2024"),
    ("2025", "2025", date(2025, 12, 31), "2025", "2025"),
]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(("typed", "key", "due", "label_fr", "label_en"), FORMS, ids=[f[0] for f in FORMS])
async def test_every_period_form_through_the_command(forum: Forum, lang: str, typed: str, key: str, due: date,
                                                     label_fr: str, label_en: str) -> None:
    command = "/jalon ajouter" if lang == "fr" else "/milestone add"
    out = await play(forum, SETUP + f"[dm] alice: /lang {lang}\n[dm] alice: {command} FR0112 {typed} Le titre\n")
    (milestone,) = _milestones(forum)
    assert (milestone.period_key, milestone.period_text, milestone.due) == (key, typed, due)
    assert milestone.title == "Le titre"
    label = label_fr if lang == "fr" else label_en
    reply = bot_lines(out)[-1]
    assert label in reply
    assert ("échéance" if lang == "fr" else "due") in reply


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_bad_period_lists_the_accepted_forms(forum: Forum, lang: str) -> None:
    out = await play(forum, SETUP + f"[dm] alice: /lang {lang}\n[dm] alice: /milestone add FR0112 Q5 2024 x\n")
    reply = bot_lines(out)[-1]
    assert ("«\u202fQ5 2024\u202f»" if lang == "fr" else "“Q5 2024”") in reply
    assert "2024-02-15, 2024-02, February 2024, février 2024, Q3 2024, T3 2024, H1 2024, S1 2024, 2025" in reply
    assert ("Formes acceptées" if lang == "fr" else "Accepted forms") in reply
    assert _milestones(forum) == []


def test_period_labels_per_language() -> None:
    fr, en = Lang("fr", UTC), Lang("en", UTC)
    assert PeriodLabel("2024-H1").render(fr) == "S1 2024"
    assert PeriodLabel("2024-H1").render(en) == "H1 2024"
    assert PeriodLabel("2024-02").render(fr) == "février 2024"
    assert PeriodLabel("2024-02").render(en) == "February 2024"
    assert PeriodLabel("2024-Q3").render(fr) == "T3 2024"


@pytest.mark.parametrize(("progress", "level", "expected"), [
    (None, None, (None, None)),
    (0, None, (0, "not_started")),
    (100, None, (100, "complete")),
    (None, "complete", (100, "complete")),
    (None, "not_started", (0, "not_started")),
    (40, "limited", (40, "limited")),
    (99, "substantial", (99, "substantial")),
])
def test_progress_and_level_agree(progress: int | None, level: str | None, expected: tuple[object, object]) -> None:
    assert check_progress_and_level(progress, level) == expected


@pytest.mark.parametrize(("progress", "level"), [(120, None), (-1, None), (10, "complete"), (99, "complete"),
                                                 (5, "not_started"), (0, "limited"), (100, "substantial")])
def test_out_of_range_or_contradictory_is_refused(progress: int, level: str | None) -> None:
    from bot.errors import UserError

    with pytest.raises(UserError):
        check_progress_and_level(progress, level)


def test_read_update_in_both_languages() -> None:
    assert read_update("60% substantial plenary prepared") == (60, "substantial", "plenary prepared", None)
    assert read_update("limité 40 % appel https://example.org/a.") == (40, "limited", "appel https://example.org/a.",
                                                                        "https://example.org/a")
    assert read_update("non-commencé rien encore") == (None, "not_started", "rien encore", None)
    assert read_update("complet 100% fini")[:2] == (100, "complete")
    assert read_update("le texte 60%") == (None, None, "le texte 60%", None)


async def test_update_permissions_and_levels(forum: Forum) -> None:
    out = await play(forum, SETUP + """\
[secretariat] alice: /role @carol member dialogue
[secretariat] alice: /role @dave member
[dm] carol: /lang en
[dm] dave: /lang en
[dialogue] carol: /update FR0112 120% too much
[dialogue] carol: /update FR0112 complete 10% contradictory
[dialogue] dave: /update FR0112 not my group
[dialogue] carol: /update FR0112 100% done and dusted
""")
    lines = bot_lines(out)
    assert any("120 % is out of range" in line for line in lines)
    assert any("“complete” and 10 % contradict each other." in line for line in lines)
    assert any("Only members of the group dialogue" in line for line in lines)
    assert lines[-1].endswith("Update recorded on FR0112.")
    assert "Progress: 100%, complete" in out


async def test_restart_over_the_due_date_sends_exactly_one_alert(config: Config) -> None:
    first = Forum(config, SimulatedClock(FORUM_EPOCH), migrate=False)
    await play(first, SETUP + "[secretariat] alice: /milestone add FR0112 H1 2024 First plenary\n"
                              "@at 2024-06-30 23:00\n", prefix="a")
    assert _alerts(first) == []
    first.engine.dispose()
    # The bot was down over the due date; it comes back on July 3.
    clock = SimulatedClock(datetime(2024, 7, 3, 8, 0, tzinfo=UTC))
    second = Forum(config, clock, migrate=False)
    second.advance_to(clock.now())
    second.run_due()
    alerts = _alerts(second)
    assert len(alerts) == 2  # the secretariat's alert and the group room's notice
    assert {a.key for a in alerts} == {"milestone:1:overdue:2024-06-30@r1", "milestone:1:overdue:2024-06-30@r2"}
    secretariat = next(a for a in alerts if a.key.endswith("@r1"))
    assert "M1 de FR0112" in secretariat.text and "S1 2024 (30 juin 2024)" in secretariat.text
    assert "3 jours de retard" in secretariat.text
    second.engine.dispose()
    # And once more, another restart: nothing new.
    third = Forum(config, SimulatedClock(datetime(2024, 7, 4, 8, 0, tzinfo=UTC)), migrate=False)
    third.run_due()
    assert len(_alerts(third)) == 2
    third.engine.dispose()


def test_import_the_shipped_fr0112_file_is_idempotent(forum: Forum) -> None:
    now = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
    plan = read_plan(FR0112)
    with Session(forum.engine) as session:
        report = import_commitments(session, forum.config, now, plan, source="test")
        session.commit()
        assert (report.commitments_added, report.milestones_added, report.groups_added) == (1, 3, ["dialogue"])
        again = import_commitments(session, forum.config, now, plan, source="test")
        session.commit()
        assert (again.commitments_added, again.milestones_added, again.milestones_updated) == (0, 0, 0)
    milestones = _milestones(forum)
    assert [(m.period_key, m.period_text, m.due) for m in milestones] == [
        ("2024-02", "février 2024", date(2024, 2, 29)),
        ("2024-H1", "S1 2024", date(2024, 6, 30)),
        ("2024-H2", "S2 2024", date(2024, 12, 31)),
    ]
    assert milestones[0].title.startswith("Lancement de l'appel à candidatures")


def test_reimport_moves_a_due_date_and_rearms_the_alert(forum: Forum, tmp_path: Path) -> None:
    now = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
    csv_file = tmp_path / "plan.csv"
    csv_file.write_text("code,title,group,milestone,due\nFR0112,Dialogue,dialogue,Call,février 2024\n",
                        encoding="utf-8")
    with Session(forum.engine) as session:
        import_commitments(session, forum.config, now, read_plan(csv_file))
        milestone = session.exec(select(Milestone)).one()
        milestone.overdue_alerted_at = now
        session.commit()
        csv_file.write_text("code,title,group,milestone,due\nFR0112,Dialogue,dialogue,Call,T2 2024\n",
                            encoding="utf-8")
        report = import_commitments(session, forum.config, now, read_plan(csv_file))
        session.commit()
        assert report.milestones_updated == 1 and report.milestones_added == 0
        milestone = session.exec(select(Milestone)).one()
        assert (milestone.due, milestone.overdue_alerted_at) == (date(2024, 6, 30), None)


def test_import_refuses_a_bad_period(forum: Forum, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[commitment]]\ncode = "FR0001"\ntitle = "x"\n[[commitment.milestone]]\ntitle = "y"\n'
                   'due = "Smarch 2024"\n', encoding="utf-8")
    with Session(forum.engine) as session, pytest.raises(PlanImportError, match="Smarch 2024"):
        import_commitments(session, forum.config, forum.clock.now(), read_plan(bad))


async def test_export_keys_and_overdue_as_of_export_time(forum: Forum) -> None:
    await play(forum, SETUP + """\
[secretariat] alice: /role @carol member dialogue
[secretariat] alice: /milestone add FR0112 février 2024 Call
[secretariat] alice: /milestone add FR0112 H2 2024 Second plenary
[dialogue] carol: /milestone done M1 https://example.org/call
[dialogue] carol: /update M2 40% limited preparing https://example.org/prep
""")
    with Session(forum.engine) as session:
        before = json.loads(export(session, forum.config, datetime(2024, 12, 31, 12, tzinfo=UTC), "milestones", "json"))
        after = json.loads(export(session, forum.config, datetime(2025, 1, 1, 12, tzinfo=UTC), "milestones", "json"))
        updates = json.loads(export(session, forum.config, datetime(2025, 1, 1, tzinfo=UTC), "updates", "json"))
        csv_text = export(session, forum.config, datetime(2025, 1, 1, tzinfo=UTC), "milestones", "csv")
    assert set(before[0]) >= {"id", "commitment", "title", "due", "period", "status", "done_at", "overdue"}
    assert before[0] | {"done_at": None} == {
        "id": "M1", "commitment": "FR0112", "title": "Call", "due": "2024-02-29", "period": "février 2024",
        "period_key": "2024-02", "status": "done", "done_at": None, "done_by": before[0]["done_by"],
        "evidence": "https://example.org/call", "evidence_note": None, "overdue": False}
    assert before[0]["done_at"].startswith("2024-01-15T08:00")
    assert (before[1]["status"], before[1]["overdue"], after[1]["overdue"]) == ("pending", False, True)
    assert updates == [{"id": 1, "commitment": "FR0112", "milestone": "M2", "author": "carol", "progress": 40,
                        "level": "limited", "text": "preparing https://example.org/prep",
                        "evidence": "https://example.org/prep", "created_at": updates[0]["created_at"]}]
    assert csv_text.splitlines()[0] == ("id,commitment,title,due,period,period_key,status,done_at,done_by,"
                                        "evidence,evidence_note,overdue")


async def test_calendar_has_pending_due_dates(forum: Forum) -> None:
    from bot.calendar_feed import calendar_events

    await play(forum, SETUP + "[secretariat] alice: /milestone add FR0112 T3 2024 Self-assessment\n")
    with Session(forum.engine) as session:
        events = [e for e in calendar_events(session, forum.clock.now()) if e.uid.startswith("milestone-")]
    assert [(e.uid, e.start, e.title) for e in events] == [
        ("milestone-1@forum-bot", date(2024, 9, 30), "FR0112 M1: Self-assessment")]
