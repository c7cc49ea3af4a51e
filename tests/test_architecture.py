"""The arrows of docs/architecture.md: a module never imports a layer above its own."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"

ABOVE_CORE = ("bot.cli", "bot.runtime", "bot.transports", "bot.app", "bot.router")
CHAT = ("bot.handlers", "bot.context", "bot.registry")
# module prefix → the prefixes it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot.rules": ("bot.",),  # except bot.rules itself (allowed below)
    "bot.storage": (*ABOVE_CORE, *CHAT, "bot.scheduling", "bot.wording", "bot.domain", "bot.notify"),
    "bot.domain": (*ABOVE_CORE, *CHAT, "bot.scheduling", "bot.wording", "bot.i18n", "bot.parsing"),
    "bot.wording": (*ABOVE_CORE, *CHAT, "bot.scheduling"),
    "bot.notify": (*ABOVE_CORE, *CHAT, "bot.scheduling", "bot.wording", "bot.domain"),
    "bot.scheduling": (*ABOVE_CORE, *CHAT),
    "bot.handlers": (*ABOVE_CORE, "bot.scheduling"),
    "bot.context": (*ABOVE_CORE, "bot.handlers", "bot.scheduling"),
    "bot.registry": (*ABOVE_CORE, "bot.handlers", "bot.scheduling"),
    "bot.transports": ("bot.cli", "bot.runtime", "bot.router", *CHAT, "bot.scheduling", "bot.wording",
                       "bot.domain"),
    "bot.app": ("bot.cli", "bot.runtime", "bot.transports"),
    "bot.bot_rooms": ("bot.cli", "bot.runtime", "bot.transports"),
    "bot.runtime": ("bot.cli",),
    # the web site reads the core like a transport, but through domain queries and wording (never a handler)
    "bot.web": ("bot.cli", "bot.runtime", "bot.transports", "bot.router", *CHAT, "bot.scheduling"),
}
BASE = ("bot.clock", "bot.config", "bot.i18n", "bot.catalogs", "bot.errors", "bot.messages", "bot.logs")
for base in BASE:
    FORBIDDEN[base] = (*ABOVE_CORE, *CHAT, "bot.scheduling", "bot.wording", "bot.domain", "bot.notify")
# Registering every command is the app's job alone.
ONLY_APP_IMPORTS = "bot.handlers"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every bot module `path` imports (at any depth of the file, TYPE_CHECKING blocks included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("bot"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot") and not node.level:
            found.add(node.module)
    return found


def under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix.rstrip(".") + ".") or (
        prefix.endswith(".") and module.startswith(prefix))


def wrong_arrows(module: str, imported: set[str]) -> set[tuple[str, str]]:
    """The imports of `module` that run against the layers."""
    wrong = set()
    for target in imported:
        if under(target, module) or under(module, target):
            continue  # a package and its own modules
        for layer, forbidden in FORBIDDEN.items():
            if not under(module, layer) or under(target, layer):
                continue
            if any(under(target, prefix) for prefix in forbidden):
                wrong.add((module, target))
        if under(target, ONLY_APP_IMPORTS) and not under(module, ONLY_APP_IMPORTS) and module != "bot.app":
            wrong.add((module, target))
    return wrong


def all_wrong_arrows() -> set[tuple[str, str]]:
    wrong: set[tuple[str, str]] = set()
    for path in sorted(BOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        wrong |= wrong_arrows(module_name(path), imports_of(path))
    return wrong


def test_no_arrow_runs_the_wrong_way() -> None:
    assert sorted(all_wrong_arrows()) == [], "imports against docs/architecture.md"


def test_the_checker_sees_a_wrong_import() -> None:
    assert wrong_arrows("bot.domain.votes", {"bot.handlers.votes"}) == {("bot.domain.votes", "bot.handlers.votes")}
    assert wrong_arrows("bot.transports.matrix", {"bot.domain.votes"})
    assert wrong_arrows("bot.rules.tally", {"bot.storage.tables"})
    assert wrong_arrows("bot.scheduling.votes", {"bot.handlers.voting"})
    assert wrong_arrows("bot.storage.db", {"bot.handlers"})
    assert not wrong_arrows("bot.rules.periods", {"bot.rules.calendar"})
    assert not wrong_arrows("bot.handlers.votes", {"bot.domain.votes", "bot.wording.votes", "bot.registry"})
    assert not wrong_arrows("bot.scheduling.votes", {"bot.domain.votes", "bot.wording.votes", "bot.notify"})


def test_every_module_is_in_a_layer() -> None:
    layers = (*FORBIDDEN, ONLY_APP_IMPORTS, "bot.cli", "bot.__main__", "bot.audit",
              "bot.ballot_key", "bot.health", "bot.demo", "bot.exports",
              "bot.calendar_feed", "bot.parsing", "bot")
    stray = [module_name(p) for p in BOT.rglob("*.py") if "migrations" not in p.parts
             and not any(under(module_name(p), layer) for layer in layers)]
    assert stray == []
