"""Crash safety: a bot killed (SIGKILL) at random points of a scripted year and restarted ends exactly where a bot
that was never killed ends — the same decisions, ballots and participation, every due notification created once
and delivered, every vote closed once.

The script is tests/scripts/forum_year.txt. A restarted `forum-bot console --script` resumes at the position (line
and simulated clock) it saved in the database after its last finished line, as a chat transport resumes from its
saved update offset, and plays the line that was under way again: a message line is recognised by its event id
(`<hash of script>:<line>`, recorded in the same transaction as its effects) and changes nothing the second time; a
`@at`/`@advance` line runs its due passes again, and what they already did is recorded in the database (flags,
`cadence_reminder`, digest slots, unique outbox keys), so nothing is done twice and nothing is skipped.

Compared (tests/support/crash.py `snapshot`): every table of the database, every row and column — people, rooms,
proposals, votes, ballots, participation, secret choices, decisions, agendas, minutes, actions, commitments,
milestones, updates, meetings, reminders dealt with, the audit log with its details, processed events, the outbox
with every key and text — with generated ids compared by rank (a killed transaction on PostgreSQL burns sequence
values), and without the bookkeeping of delivery attempts (when a row was sent, how many tries: a kill between
delivering and marking sent delivers again after the restart; that every row was sent is compared), random ids, and
a database's ballot key fingerprint. "vote.close" is audited exactly once per vote.

Kill points are drawn from fixed seeds (printed with -s, and in every failure), so a failure can be replayed:
`pytest tests/test_crash_restart.py -k sqlite` with the same seeds kills at the same output lines (the exact moment
between two lines depends on timing).
"""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.crash import (
    YEAR_SCRIPT,
    KilledRun,
    console_argv,
    differences,
    first_lines,
    forked,
    play_with_kills,
    printed_first_lines,
    run_to_end,
    snapshot,
    spawned,
)

# A killed-and-restarted year costs one full run plus, per kill, a replay of the lines already handled (cheap:
# deduplicated), so several kills per database are affordable: 3 databases × 8 kills = 24 kill points on SQLite.
SQLITE_SEEDS = [11, 23, 37]
KILLS_PER_RUN = 8
POSTGRES_SEEDS = [101]
POSTGRES_KILLS_PER_RUN = 3

def test_the_reference_year_exercises_every_kind_of_due_work(year_reference: tuple[dict[str, Any], list[str]]) -> None:
    """Guards the script itself: a kill test over a year where nothing falls due would prove little."""
    ref, out = year_reference
    kinds = {key.split(":")[0] for key in ref["outbox_keys"]}
    assert {"vote", "milestone", "overdue_digest", "weekly_digest", "meeting", "cadence", "plenary", "action",
            "reply"} <= kinds, kinds
    assert ref["unsent"] == []
    assert len(ref["decisions"]) == 6 and {d[2] for d in ref["decisions"]} >= {"adopted", "no_quorum", "elected"}
    assert all(v[3] == "closed" for v in ref["votes"]) and set(ref["closes"].values()) == {1}
    assert any(v[4] for v in ref["votes"]) and ref["secret_choices"]
    assert len(out) > 300


def _check(reference: dict[str, Any], url: str, label: str) -> list[str]:
    found = differences(reference, snapshot(url))
    return [f"{label}: {d}" for d in found]


def _delivered(run: KilledRun, url: str, label: str) -> list[str]:
    """Every message was printed at least once over all the starts, and at most once more per kill.

    stdout is not compared with the reference: the console prints a message, then marks it sent; a kill between
    the two prints it again after the restart (at least once, as any transport). The database decides the rest."""
    printed, expected = first_lines(run.stdout), printed_first_lines(url)
    missing = expected - printed
    repeated = sum((printed - expected).values())
    found = [f"{label}: never printed: {list(missing.items())[:5]}"] if missing else []
    if repeated > run.kills:
        found.append(f"{label}: {repeated} messages printed again after {run.kills} kills: "
                     f"{list((printed - expected).items())[:5]}")
    return found


def test_sqlite_kills_at_random_points_change_nothing(year_reference: tuple[dict[str, Any], list[str]], tmp_path: Path,
                                                      migrated_template: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    ref, ref_out = year_reference
    failures: list[str] = []
    kills = starts = 0
    started = time.monotonic()
    with open(tmp_path / "stderr.log", "w") as err:
        for seed in SQLITE_SEEDS:
            db = tmp_path / f"seed{seed}.sqlite3"
            shutil.copy(migrated_template, db)
            url = f"sqlite:///{db}"
            run = play_with_kills(forked, console_argv(url, YEAR_SCRIPT), err, seed, KILLS_PER_RUN, len(ref_out))
            kills, starts = kills + run.kills, starts + run.starts
            with capsys.disabled():
                print(f"\n  seed {seed}: killed {run.kills}× after {run.lines_read} lines, {run.starts} starts")
            failures += _check(ref, url, f"seed {seed} (killed after {run.lines_read} lines)")
            failures += _delivered(run, url, f"seed {seed}")
    with capsys.disabled():
        print(f"  {kills} kill points, {starts} starts, {time.monotonic() - started:.1f} s")
    assert not failures, "\n".join(failures)
    assert kills >= 20, f"only {kills} kills landed before the script ended"


@pytest.mark.parametrize("seed", POSTGRES_SEEDS)
def test_postgresql_kills_at_random_points_change_nothing(year_reference: tuple[dict[str, Any], list[str]],
                                                          postgres_url: str, seed: int, tmp_path: Path) -> None:
    """The same on PostgreSQL, with `python -m bot` processes (the first one also runs the migrations)."""
    ref, ref_out = year_reference
    with open(tmp_path / "stderr.log", "w") as err:
        run = play_with_kills(spawned, console_argv(postgres_url, YEAR_SCRIPT), err, seed, POSTGRES_KILLS_PER_RUN,
                              len(ref_out))
    failures = _check(ref, postgres_url, f"seed {seed} (killed after {run.lines_read} lines)")
    failures += _delivered(run, postgres_url, f"seed {seed}")
    assert not failures, "\n".join(failures)
    assert run.kills == POSTGRES_KILLS_PER_RUN


def test_a_restart_resumes_the_year_where_it_stopped(year_reference: tuple[dict[str, Any], list[str]],
                                                     tmp_path: Path, migrated_template: Path) -> None:
    """Killed right after a milestone already late is added in May, and restarted: its alert is sent in May.

    Replaying the script from the top would walk the clock back through April with the May milestone already in
    the database, and alert "0 days late" on April 1 (a console restart resumes at its saved position instead).
    """
    ref, _ = year_reference
    db = tmp_path / "forum.sqlite3"
    shutil.copy(migrated_template, db)
    url = f"sqlite:///{db}"
    with open(tmp_path / "stderr.log", "w") as err:
        proc = forked(console_argv(url, YEAR_SCRIPT), err)
        for line in proc.lines():
            if "Milestone M6 added" in line:
                proc.kill()
                break
        assert proc.wait() == -signal.SIGKILL
        run_to_end(forked, console_argv(url, YEAR_SCRIPT), err)
    assert differences(ref, snapshot(url)) == []
