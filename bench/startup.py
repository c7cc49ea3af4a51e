"""Start-up: time from `forum-bot run` (console, empty SQLite, no network) to ready, and idle memory.

`forum-bot run --no-demo` skips the demo and opens the interactive console; it is ready when it prints its banner
(one line naming "Forum Bot" and "Ctrl-D", in the forum's language), after migrating the empty database and making
the console user an admin. The bot runs as
`python -m bot` from this checkout, in an empty directory (no config.toml) with a fresh SQLite file each time.
Its idle memory is VmRSS one second after the banner. The baseline, in the same round, is
`python -c "import telegram, nio, sqlmodel, apscheduler, babel"` (the libraries a bot process needs), timed to its
exit; `python -c pass` is shown too (the interpreter alone). The ratio is the median over the rounds of
bot ready time / baseline time.

    PYTHONPATH=. python bench/startup.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import machine, median

ROOT = Path(__file__).resolve().parent.parent
READY_MARKS = ("Forum Bot", "Ctrl-D")
BASELINE = "import telegram, nio, sqlmodel, apscheduler, babel"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORUMBOT_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def timed_exit(code: str, cwd: str) -> tuple[float, float]:
    """(seconds to exit, peak RSS in MB) of `python -c code`."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=cwd, env=_env())
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"python -c {code!r} failed ({proc.returncode})")
    return elapsed, usage.ru_maxrss / 1024


def bot_ready(cwd: str, db: Path, idle: float) -> tuple[float, float, float]:
    """(seconds to the ready line, idle VmRSS in MB, peak RSS in MB) of `forum-bot run --no-demo`."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--no-demo", "--db", f"sqlite:///{db}"],
                            cwd=cwd, env=_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    line = proc.stdout.readline()
    ready = time.perf_counter() - started
    if not all(mark in line for mark in READY_MARKS):
        proc.kill()
        raise SystemExit(f"forum-bot run did not get ready: {line!r} {proc.communicate()[1][-2000:]}")
    time.sleep(idle)
    rss = 0.0
    with open(f"/proc/{proc.pid}/status", encoding="utf-8") as f:
        for entry in f:
            if entry.startswith("VmRSS:"):
                rss = int(entry.split()[1]) / 1024
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode:
        raise SystemExit(f"forum-bot run exited with {proc.returncode}")
    return ready, rss, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--idle", type=float, default=1.0, help="seconds idle before reading the memory")
    args = parser.parse_args(argv)
    bots, idles, peaks, bases, base_peaks, bares, ratios = [], [], [], [], [], [], []
    with tempfile.TemporaryDirectory() as cwd:
        timed_exit(BASELINE, cwd)  # warm the file cache for everyone
        for r in range(1, args.rounds + 1):
            base, base_peak = timed_exit(BASELINE, cwd)
            ready, idle, peak = bot_ready(cwd, Path(cwd) / f"empty-{r}.sqlite3", args.idle)
            bare, _ = timed_exit("pass", cwd)
            bots.append(ready)
            idles.append(idle)
            peaks.append(peak)
            bases.append(base)
            base_peaks.append(base_peak)
            bares.append(bare)
            ratios.append(ready / base)
            print(f"round {r}: bot ready {ready * 1000:6.0f} ms (idle {idle:.0f} MB, peak {peak:.0f} MB) · "
                  f"imports {base * 1000:6.0f} ms ({base_peak:.0f} MB) · python -c pass {bare * 1000:4.0f} ms · "
                  f"ratio {ready / base:.2f}")
    print(f"start-up of `forum-bot run --no-demo` (console, empty SQLite), {args.rounds} rounds, medians")
    print(f"  bot: ready in {median(bots) * 1000:.0f} ms, idle RSS {median(idles):.0f} MB "
          f"(peak {median(peaks):.0f} MB)")
    print(f"  baseline `python -c \"{BASELINE}\"`: {median(bases) * 1000:.0f} ms, peak RSS "
          f"{median(base_peaks):.0f} MB; bare interpreter {median(bares) * 1000:.0f} ms")
    print(f"  ratio (bot ready / baseline imports, median of rounds): {median(ratios):.2f}")
    print(f"  {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
