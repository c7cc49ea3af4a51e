"""Two bot processes, one PostgreSQL database: over a scripted year, every due notification exists once and is
delivered by exactly one of them, every vote is closed once, and the records are those of a single process.

Both processes play tests/scripts/forum_year.txt at the same time (`forum-bot console --script`, real `python -m
bot` processes). A line is handled by whichever process gets to it first: the other finds its event id already
processed (or loses the insert of it) and changes nothing. Due work is claimed per source with an advisory lock,
and the outbox is delivered with `FOR UPDATE SKIP LOCKED`, so the two processes race for the same rows all year.

What this cannot be is two bots sharing one clock: each console has its own simulated clock, moved by the script,
whereas processes in production share the real one. Three things keep the two consoles on the same moments (and the
comparison with a single process honest, down to the text of every notification): a process that finds a due
source claimed by the other waits for it and then finds the moment done, instead of skipping ahead; the script's
position is saved in the database after each line, so a process that finds the other one has already finished a
`@at`/`@advance` line only moves its clock (it would otherwise run due passes at an earlier moment, against data of
later lines: a milestone late when added in May would be alerted "on April 10"); and a process that starts after
the other resumes at its position. What is left is a window of a few milliseconds: a process that asked "has the
other finished this line?" just before the other finished it and the next line too. Work that falls due before the
line that created it (a late milestone) could then be alerted at this process's earlier moment: same notification,
other wording ("10 days late"). The check would report it; it has not been seen.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

from tests.support.crash import (
    YEAR_SCRIPT,
    console_argv,
    differences,
    printed_first_lines,
    run_to_end,
    snapshot,
    spawned,
)


def test_two_processes_share_the_year_without_losing_or_repeating(
        year_reference: tuple[dict[str, Any], list[str]], postgres_url: str, tmp_path: Path) -> None:
    reference, _ = year_reference
    outputs: dict[str, list[str]] = {}
    errors: list[BaseException] = []
    first_line = threading.Event()

    def play(name: str) -> None:
        try:
            if name == "b":  # b starts once a has made the forum's first admin (see below)
                first_line.wait(timeout=300)
            with open(tmp_path / f"{name}.log", "w") as err:
                proc = spawned(console_argv(postgres_url, YEAR_SCRIPT), err)
                outputs[name] = []
                for line in proc.lines():
                    outputs[name].append(line)
                    first_line.set()
                assert proc.wait() == 0, f"process {name} failed"
        except BaseException as exc:  # reported below, with the logs
            errors.append(exc)
        finally:
            first_line.set()

    # the schema first, so that the two processes race for the year, not for CREATE TABLE; and the second process
    # starts when the first has printed its first line: `@admin alice` is a console directive, not an event with an
    # id, and two processes making the same new person at once would both create one (the loser retries and finds
    # it, but its person number is used up: the same forum, with people numbered differently from the reference)
    with open(tmp_path / "upgrade.log", "w") as err:
        run_to_end(spawned, ["db", "upgrade", "--db", postgres_url], err)
    threads = [threading.Thread(target=play, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    logs = "\n".join((tmp_path / f"{n}.log").read_text()[-2000:] for n in ("a", "b"))
    assert not errors, f"{errors}\n{logs}"

    # both took part: each delivered some of the year's messages
    delivered = {name: [line for line in out if not line.startswith("  ")] for name, out in outputs.items()}
    assert all(delivered.values()), {name: len(lines) for name, lines in delivered.items()}

    # every outbox row was delivered by exactly one of the two: the multiset of first lines printed by both
    # together is exactly the outbox's (no kill here, so no at-least-once window)
    printed = Counter(delivered["a"]) + Counter(delivered["b"])
    expected = printed_first_lines(postgres_url)
    assert printed == expected, (f"printed twice or more: {list((printed - expected).items())[:5]}; "
                                 f"never printed: {list((expected - printed).items())[:5]}")

    # the same records as a single process: decisions, ballots, every due notification exactly once, all sent,
    # every vote closed once
    found = differences(reference, snapshot(postgres_url))
    assert not found, "\n".join(found)
    print(f"\n  a printed {len(delivered['a'])} messages, b printed {len(delivered['b'])}")
