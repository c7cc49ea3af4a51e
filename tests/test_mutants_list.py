"""The curated mutants of tests/mutants.toml still point at code: each snippet occurs exactly once in its file and
each named test file exists, so a refactoring that moves a rule fails here, in seconds, not in CI's mutant run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _mutants_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutants_script", ROOT / "scripts" / "mutants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


MUTANTS = _mutants_script()
LISTED = MUTANTS.load(ROOT / "tests" / "mutants.toml")


@pytest.mark.parametrize("mutant", LISTED, ids=[m.id for m in LISTED])
def test_each_mutant_finds_its_snippet_once_and_its_tests(mutant: object) -> None:
    assert MUTANTS.snippet_problem(mutant, ROOT) is None
    assert MUTANTS.missing_tests(mutant.tests, ROOT) == []  # type: ignore[attr-defined]


def test_a_snippet_that_moved_is_reported(tmp_path: Path) -> None:
    mutant = LISTED[0]
    (tmp_path / mutant.file).parent.mkdir(parents=True)
    (tmp_path / mutant.file).write_text("nothing of the rule here\n", encoding="utf-8")
    assert "occurs 0 times" in MUTANTS.snippet_problem(mutant, tmp_path)
