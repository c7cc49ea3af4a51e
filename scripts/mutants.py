#!/usr/bin/env python3
"""Run the curated mutants of tests/mutants.toml: each one breaks a rule the bot promises; its tests must fail.

For each mutant: a copy of the checkout's files (tracked ones plus new, not ignored ones, as they are in the work
tree: uncommitted changes count), the snippet replaced, then `python -m pytest -x -q -p no:cacheprovider <tests>`
in that copy (cwd and PYTHONPATH). The verdict, from pytest's exit status:

  killed            1: a test failed, as it should
  SURVIVED          0: every test passed with the rule broken
  ERROR             anything else (collection error, no test found, usage error), or the snippet is not found
                    exactly once, or the run took longer than --timeout (a hang is not a clean kill: it cannot be
                    told from a stuck service)
  MISSING TEST      a listed test file does not exist (yet)

A baseline runs the same tests on an unmutated copy first, at the same time as the mutants: if it fails, "killed"
means nothing, and the run fails. One PostgreSQL server is started for all the runs (unless
FORUMBOT_TEST_POSTGRES_URL already names one), so that each pytest does not start its own.

Exit status: 0 when every mutant run was killed and the baseline passed; 1 otherwise.

    scripts/mutants.py                # the whole list, 2 at a time
    scripts/mutants.py --only quorum-strict --only close-no-cas
    scripts/mutants.py --jobs 1 --timeout 300 --keep
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LIST = ROOT / "tests" / "mutants.toml"
FIELDS = ("id", "promise", "file", "find", "replace", "tests")
POSTGRES_URL_ENV = "FORUMBOT_TEST_POSTGRES_URL"


@dataclass
class Mutant:
    id: str
    promise: str
    file: str
    find: str
    replace: str
    tests: list[str]


@dataclass
class Result:
    id: str
    verdict: str  # killed | SURVIVED | ERROR | MISSING TEST
    seconds: float = 0.0
    detail: str = ""
    output: str = ""
    failed: list[str] = field(default_factory=list)


class ListError(Exception):
    """The mutant list itself is wrong."""


def load(path: Path) -> list[Mutant]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = data.get("mutant")
    if not isinstance(entries, list) or not entries:
        raise ListError(f"{path}: no [[mutant]] entries")
    mutants: list[Mutant] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        missing = [f for f in FIELDS if f not in entry]
        extra = sorted(set(entry) - set(FIELDS))
        if missing or extra:
            raise ListError(f"{path}: entry {i + 1} ({entry.get('id', '?')}): missing {missing}, unknown {extra}")
        tests = entry["tests"]
        if not (isinstance(tests, list) and tests and all(isinstance(t, str) and t for t in tests)):
            raise ListError(f"{path}: {entry['id']}: `tests` must be a non-empty list of pytest paths")
        if entry["id"] in seen:
            raise ListError(f"{path}: id {entry['id']!r} appears twice")
        if entry["find"] == entry["replace"]:
            raise ListError(f"{path}: {entry['id']}: `replace` is the same as `find`")
        seen.add(entry["id"])
        mutants.append(Mutant(**{f: entry[f] for f in FIELDS}))
    return mutants


def checkout_files(root: Path) -> list[str]:
    """Tracked files plus new ones git does not ignore, as the work tree has them (deleted ones left out)."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                         check=True, capture_output=True).stdout.decode()
    return sorted({name for name in out.split("\0") if name and (root / name).is_file()})


def copy_tree(files: list[str], source: Path, target: Path) -> None:
    for name in files:
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, dest)


def pristine_copy(files: list[str], work: Path) -> Path:
    """The checkout's files, byte-compiled once: each run copies it, __pycache__ included (copy2 keeps the
    modification times the .pyc files are checked against, and the mutated file's new time makes Python compile
    that one again), which saves each pytest a few seconds of compiling."""
    pristine = work / "_pristine"
    copy_tree(files, ROOT, pristine)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", "bot", "tests"], cwd=pristine,
                   stdout=subprocess.DEVNULL, check=False)
    return pristine


def copy_pristine(pristine: Path, target: Path) -> None:
    shutil.copytree(pristine, target, copy_function=shutil.copy2)


def snippet_problem(mutant: Mutant, root: Path) -> str | None:
    path = root / mutant.file
    if not path.is_file():
        return f"{mutant.file} does not exist"
    count = path.read_text(encoding="utf-8").count(mutant.find)
    if count != 1:
        return f"the snippet occurs {count} times in {mutant.file} (exactly once needed): update tests/mutants.toml"
    return None


def missing_tests(tests: list[str], root: Path) -> list[str]:
    return [t for t in tests if not (root / t.split("::", 1)[0]).exists()]


def run_pytest(copy: Path, tests: list[str], env: dict[str, str], timeout: float,
               stop_first: bool = True) -> tuple[int | None, str, float]:
    argv = [sys.executable, "-m", "pytest", *(["-x"] if stop_first else []), "-q", "-p", "no:cacheprovider", *tests]
    started = time.monotonic()
    try:
        proc = subprocess.run(argv, cwd=copy, env={**env, "PYTHONPATH": str(copy)}, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return None, out, time.monotonic() - started
    return proc.returncode, proc.stdout.decode(errors="replace"), time.monotonic() - started


FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)
EXIT_MEANING = {2: "interrupted or collection error", 3: "internal error", 4: "usage error (a test not found?)",
                5: "no test collected"}


def run_mutant(mutant: Mutant, pristine: Path, work: Path, env: dict[str, str], timeout: float) -> Result:
    problem = snippet_problem(mutant, ROOT)
    if problem:
        return Result(mutant.id, "ERROR", detail=problem)
    missing = missing_tests(mutant.tests, ROOT)
    if missing:
        return Result(mutant.id, "MISSING TEST", detail="missing test file: " + ", ".join(missing))
    copy = work / mutant.id
    copy_pristine(pristine, copy)
    target = copy / mutant.file
    target.write_text(target.read_text(encoding="utf-8").replace(mutant.find, mutant.replace), encoding="utf-8")
    code, out, seconds = run_pytest(copy, mutant.tests, env, timeout)
    failed = FAILED_LINE.findall(out)
    if code is None:
        return Result(mutant.id, "ERROR", seconds, f"timed out after {timeout:.0f} s", out)
    if code == 1:
        return Result(mutant.id, "killed", seconds, "by " + (", ".join(failed) or "?"), out, failed)
    if code == 0:
        return Result(mutant.id, "SURVIVED", seconds, "every test passed: " + " ".join(mutant.tests), out)
    return Result(mutant.id, "ERROR", seconds, f"pytest exit {code}: {EXIT_MEANING.get(code, '?')}", out)


def run_baseline(tests: list[str], pristine: Path, work: Path, env: dict[str, str], timeout: float) -> Result:
    copy = work / "_baseline"
    copy_pristine(pristine, copy)
    code, out, seconds = run_pytest(copy, tests, env, timeout * 2, stop_first=False)
    if code == 0:
        return Result("(baseline)", "passed", seconds, f"{len(tests)} test selections pass unmutated", out)
    detail = "timed out" if code is None else f"pytest exit {code}: " + ", ".join(FAILED_LINE.findall(out))
    return Result("(baseline)", "FAILED", seconds, detail, out)


@contextmanager
def postgres_for_runs(env: dict[str, str]) -> Iterator[None]:
    """One PostgreSQL server for every run (tests that take `db_url` run on it too); none when unavailable."""
    if env.get(POSTGRES_URL_ENV):
        yield
        return
    sys.path.insert(0, str(ROOT))
    try:
        from tests.support.postgres import PostgresCluster, PostgresStartError, postgres_available
    except ImportError as exc:  # the runs will report it themselves
        print(f"mutants: no shared PostgreSQL ({exc}); each run starts its own", flush=True)
        yield
        return
    if not postgres_available():
        yield
        return
    cluster = PostgresCluster()
    try:
        cluster.start()
    except PostgresStartError as exc:
        print(f"mutants: PostgreSQL did not start ({exc}); each run tries its own", flush=True)
        yield
        return
    env[POSTGRES_URL_ENV] = cluster.url_for("postgres")
    try:
        yield
    finally:
        cluster.stop()


def show(results: list[Result], mutants: dict[str, Mutant]) -> None:
    width = max(len(r.id) for r in results)
    print(f"{'mutant':<{width}}  {'verdict':<12} {'time':>6}  detail")
    for r in results:
        print(f"{r.id:<{width}}  {r.verdict:<12} {r.seconds:5.1f}s  {r.detail}")
        if r.id in mutants and r.verdict not in ("killed",):
            print(f"{'':<{width}}  {'':<12} {'':>6}  promise: {mutants[r.id].promise}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--list", type=Path, default=DEFAULT_LIST, help="the mutant list (tests/mutants.toml)")
    parser.add_argument("--only", action="append", default=[], metavar="ID", help="run this mutant (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at the same time (default 2)")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds allowed to one mutant's tests")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run (not in CI)")
    parser.add_argument("--keep", action="store_true", help="keep the copies (their path is printed)")
    parser.add_argument("--verbose", action="store_true", help="print pytest's output for every run")
    args = parser.parse_args(argv)

    try:
        mutants = load(args.list)
    except (ListError, tomllib.TOMLDecodeError, OSError) as exc:
        print(f"mutants: ERROR in the list: {exc}", flush=True)
        return 1
    by_id = {m.id: m for m in mutants}
    unknown = [i for i in args.only if i not in by_id]
    if unknown:
        print(f"mutants: ERROR: no mutant {', '.join(unknown)} in {args.list}", flush=True)
        return 1
    chosen = [by_id[i] for i in args.only] if args.only else mutants

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="forumbot-mutants-"))
    pristine = pristine_copy(checkout_files(ROOT), work)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    baseline_tests = sorted({t for m in chosen for t in m.tests
                             if not missing_tests([t], ROOT) and not snippet_problem(m, ROOT)})
    results: dict[str, Result] = {}
    baseline: Result | None = None
    print(f"mutants: {len(chosen)} mutants, {args.jobs} at a time, in {work}", flush=True)
    try:
        with postgres_for_runs(env), ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {}
            if baseline_tests and not args.no_baseline:
                futures[pool.submit(run_baseline, baseline_tests, pristine, work, env, args.timeout)] = None
            for m in chosen:
                futures[pool.submit(run_mutant, m, pristine, work, env, args.timeout)] = m.id
            for future in as_completed(futures):
                result = future.result()
                if futures[future] is None:
                    baseline = result
                else:
                    results[result.id] = result
                print(f"  {result.id}: {result.verdict} ({result.seconds:.1f} s)", flush=True)
                if args.verbose or result.verdict in ("SURVIVED", "ERROR", "FAILED"):
                    tail = "\n".join(result.output.splitlines()[-30:])
                    if tail:
                        print("    | " + tail.replace("\n", "\n    | "), flush=True)
    finally:
        if args.keep:
            print(f"mutants: copies kept in {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)

    ordered = [results[m.id] for m in chosen]
    if baseline is not None:
        ordered.insert(0, baseline)
    show(ordered, by_id)
    killed = sum(r.verdict == "killed" for r in results.values())
    counts = {v: sum(r.verdict == v for r in results.values()) for v in ("SURVIVED", "ERROR", "MISSING TEST")}
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{n} {v.lower()}" for v, n in counts.items() if n)
    print(f"mutants: {killed} of {len(chosen)} killed{', ' + summary if summary else ''}"
          f"{'; BASELINE FAILED' if baseline is not None and baseline.verdict != 'passed' else ''}"
          f" in {elapsed:.0f} s", flush=True)
    ok = killed == len(chosen) and (baseline is None or baseline.verdict == "passed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
