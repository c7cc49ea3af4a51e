"""bot/catalog_quality.py: the compiled catalogues meet the rules, and each rule catches what it is for."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog

from bot.catalog_quality import check, fix_typography
from bot.catalogs import load

N = "\u202f"


def _catalogs(*entries: tuple[object, object, object]) -> tuple[Catalog, Catalog]:
    fr, en = Catalog(locale="fr"), Catalog(locale="en")
    for msgid, string, context in entries:
        fr.add(msgid, string, context=context)
        en.add(msgid, msgid, context=context)
    return fr, en


def _rules(*entries: tuple[object, object, object]) -> list[str]:
    return sorted({problem.rule for problem in check(*_catalogs(*entries))})


def english_only_names() -> dict[str, str]:
    """Command words that are English only (`start`, not `demarrer`), from the registry."""
    import bot.app  # noqa: F401  (registers every command)
    from bot.registry import registry

    french = {command.fr for command in registry.all_commands()}
    return {command.name: command.fr for command in registry.all_commands()
            if command.name != command.fr and command.name not in french}


def test_the_catalogues_meet_every_rule() -> None:
    problems = check(load("fr"), load("en"), english_only_names())
    assert problems == [], "\n".join(map(str, problems)) + "\n(python scripts/catalog.py check / fix)"


@pytest.mark.parametrize(("string", "rule"), [
    ("Voici l’export meetings.", "english"),
    ("Vote V1 is open on P1.", "english"),
    ("Il n’a pas été trouvé (1902 bytes).", "english"),
    ("Voici l'export.", "apostrophe"),
    ("Utilisation : /demarrer", "space"),
    ("Utilisation: /demarrer", "space"),
    (f"«{N}ouvrir» est inconnu.", "space"),
    ("“ouvrir” est inconnu.", "quotes"),
    (f"@hélène est désormais coprésident{N}!", "gender"),
    ("Les observateurs ne votent pas.", "gender"),
])
def test_each_rule_catches_its_mistake(string: str, rule: str) -> None:
    assert _rules(("Some message.", string, None)) == [rule]


@pytest.mark.parametrize("string", [
    f"Utilisation{N}: /demarrer — p. ex. /voter V3 pour",
    f"Je ne connais pas «{N}ouvrir{N}». Envoyez /aide voter.",
    "À 09:00, le lien https://example.org/a?b=1 reste tel quel.",
    f"@hélène est désormais coprésidente{N}; @paul, coprésident{N}; la coprésidence les accueille.",
    "/exporter votes [csv|json] — rôle admin, fichier CSV ou JSON",
])
def test_good_french_passes(string: str) -> None:
    assert _rules(("Some message.", string, None)) == []


def test_a_count_needs_ngettext() -> None:
    assert _rules(("{n} seats, {candidates} candidates", "{n} sièges", None)) == ["plural"]
    assert _rules(("The member(s) present", "Les membre(s) présent(s)", None)) == ["plural"]
    plural = (("{n} seat", "{n} seats"), ("{n} siège", "{n} sièges", "{n} sièges"), None)
    assert _rules(plural) == []


def test_a_role_label_has_its_three_forms() -> None:
    assert _rules(("co-chair", "coprésidente", "feminine"), ("co-chair", "coprésident", "masculine"),
                  ("co-chair", "membre de la coprésidence", "neutral")) == []
    assert _rules(("co-chair", "coprésidente", "feminine"), ("co-chair", "coprésident", "masculine")) == ["gender"]


def test_french_strings_name_french_commands() -> None:
    fr, en = _catalogs(("Usage: /start", "Utilisation\u202f: /start", None))
    assert [problem.rule for problem in check(fr, en, {"start": "demarrer"})] == ["command"]
    assert english_only_names()["help"] == "aide"


def test_english_strings_carry_no_french() -> None:
    fr, en = _catalogs(("Vote open.", "Vote ouvert.", None))
    en.get("Vote open.").string = "Le vote est ouvert."
    assert [problem.rule for problem in check(fr, en)] == ["french"]


def test_fix_mends_typography_and_leaves_code_alone() -> None:
    assert fix_typography("Utilisation : {usage}") == f"Utilisation{N}: {{usage}}"
    assert fix_typography("l'export ; ok ! vraiment ?") == f"l’export{N}; ok{N}! vraiment{N}?"
    assert fix_typography("« {v} » et “{w}”") == f"«{N}{{v}}{N}» et «{N}{{w}}{N}»"
    assert fix_typography("à 09:00 : https://x.org/a?b=1 fin {n:d}") == f"à 09:00{N}: https://x.org/a?b=1 fin {{n:d}}"
    assert fix_typography(f"déjà{N}: bon") == f"déjà{N}: bon"
