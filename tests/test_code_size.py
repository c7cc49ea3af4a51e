"""Size limits of docs/architecture.md ("Size limits"): pieces small enough to read in one sitting.

- no module in bot/ over 400 lines, outside bot/transports/ (platform adapters) and bot/storage/migrations/
  (generated);
- no function in bot/domain/ or bot/handlers/ over 40 lines (from its `def` line to its last line, decorators
  not counted, nested functions counted in their parent and on their own) or with a cyclomatic complexity over 15
  (radon's `cc_visit`, the McCabe figure ruff's C901 also gives; every function, method and closure).

Split a piece that grows past a limit (CONTRIBUTING.md); do not add an allow-list here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Class, Function

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40
MAX_COMPLEXITY = 15
MODULES_EXEMPT = ("bot/transports/", "bot/storage/migrations/")
FUNCTIONS_CHECKED = ("bot/domain/", "bot/handlers/")


def _python_files(prefixes: Iterable[str] = ("bot/",), exempt: tuple[str, ...] = ()) -> list[tuple[str, Path]]:
    found = []
    for path in sorted(BOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(tuple(prefixes)) and not rel.startswith(exempt):
            found.append((rel, path))
    return found


def long_modules(files: Iterable[tuple[str, str]], limit: int = MAX_MODULE_LINES) -> list[str]:
    """`name: N lines` for each (name, source) over `limit` lines."""
    return [f"{name}: {n} lines" for name, source in files if (n := len(source.splitlines())) > limit]


def long_functions(name: str, source: str, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """`name:line function(): N lines` for each function of `source` over `limit` lines."""
    found = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > limit:
                found.append(f"{name}:{node.lineno} {node.name}(): {length} lines")
    return found


def _functions(blocks: Iterable[Function | Class]) -> Iterator[Function]:
    """Every function, method and closure (some twice: `cc_visit` lists top-level methods beside their class)."""
    for block in blocks:
        if isinstance(block, Class):
            yield from _functions([*block.methods, *block.inner_classes])
        else:
            yield block
            yield from _functions(block.closures)


def complex_functions(name: str, source: str, limit: int = MAX_COMPLEXITY) -> list[str]:
    """`name:line function(): complexity N` for each function, method or closure of `source` over `limit`."""
    seen = {(block.lineno, block.fullname): block.complexity for block in _functions(cc_visit(source))}
    return [f"{name}:{line} {fullname}(): complexity {complexity}"
            for (line, fullname), complexity in sorted(seen.items()) if complexity > limit]


def test_no_module_over_the_limit() -> None:
    files = [(rel, path.read_text(encoding="utf-8")) for rel, path in _python_files(exempt=MODULES_EXEMPT)]
    assert files, "no module found: the paths of this test are wrong"
    assert long_modules(files) == [], f"split these modules (at most {MAX_MODULE_LINES} lines)"


def test_no_function_over_the_limits() -> None:
    files = _python_files(FUNCTIONS_CHECKED)
    assert files, "no module found: the paths of this test are wrong"
    too_long: list[str] = []
    too_complex: list[str] = []
    for rel, path in files:
        source = path.read_text(encoding="utf-8")
        too_long += long_functions(rel, source)
        too_complex += complex_functions(rel, source)
    assert too_long == [], f"split these functions (at most {MAX_FUNCTION_LINES} lines)"
    assert too_complex == [], f"split these functions (cyclomatic complexity at most {MAX_COMPLEXITY})"


# The measures themselves can fail: each is shown a piece just over its limit, and one just at it.

def _function(lines: int) -> str:
    """A function of `lines` lines."""
    return "def f(x):\n" + "".join(f"    x += {i}\n" for i in range(lines - 2)) + "    return x\n"


def _branchy(branches: int) -> str:
    """A method whose cyclomatic complexity is 1 + `branches`, with a closure as complex, in a class."""
    ifs = "".join(f"        if x == {i}:\n            return {i}\n" for i in range(branches))
    inner = "".join(f"            if y == {i}:\n                return {i}\n" for i in range(branches))
    closure = f"        def inner(y):\n{inner}            return y\n        return inner\n"
    return f"class C:\n    def m(self, x):\n{ifs}{closure}"


def test_the_measures_see_a_piece_over_the_limits() -> None:
    assert long_modules([("m.py", "x = 1\n" * 400)]) == []
    assert long_modules([("m.py", "x = 1\n" * 401)]) == ["m.py: 401 lines"]
    assert long_functions("m.py", _function(40)) == []
    assert long_functions("m.py", "async " + _function(41)) == ["m.py:1 f(): 41 lines"]
    assert complex_functions("m.py", _branchy(14)) == []
    assert complex_functions("m.py", _branchy(15)) == [
        "m.py:2 C.m(): complexity 16", "m.py:33 inner(): complexity 16"]
