"""Keep the gettext catalogs in step with the code.

    python scripts/catalog.py sync    # extract T()/TN() strings, update locales/*/messages.po,
                                      # fill English (the source language), list French still missing
    python scripts/catalog.py check   # exit 1 when a string lacks a translation or breaks a rule of
                                      # bot/catalog_quality.py (English in French, typography, plurals, genders)
    python scripts/catalog.py fix     # mend French typography in place (’, narrow no-break spaces), then check

The same can be done with pybabel: `pybabel extract -F babel.cfg -k T -k TN:1,2 -o locales/messages.pot .`
then `pybabel update -i locales/messages.pot -d locales --no-fuzzy-matching`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot import catalog_quality

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
KEYWORDS = {"T": None, "TN": (1, 2), "TP": ((1, "c"), 2)}
# A comment starting with this tag on the line before a T()/TN() call (or on the call's line) reaches the
# translators as the entry's `#.` line: `# Translators: {tag} is a minutes tag such as agreed`.
COMMENT_TAGS = ("Translators:",)


def template(source: Path = ROOT / "bot") -> Catalog:
    """Every T()/TN() string of the code under `source`, with its translator comments."""
    catalog = Catalog(project="forum-bot", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(source), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
            strip_comment_tags=True):
        if message and message != "" and (not isinstance(message, tuple) or message[0]):
            catalog.add(message, None, [(f"bot/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(locale: str, locales: Path = LOCALES) -> Path:
    return locales / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str, locales: Path = LOCALES) -> Catalog:
    path = po_path(locale, locales)
    if not path.exists():
        return Catalog(locale=locale, project="forum-bot", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def sync(locales: Path = LOCALES, source: Path = ROOT / "bot") -> int:
    """Update the template and each catalog from the code; what translators wrote (their `#` comments) stays,
    and the code's translator comments (`# Translators: …`) become each entry's `#.` lines."""
    pot = template(source)
    with (locales / "messages.pot").open("wb") as handle:
        write_po(handle, pot, omit_header=False, sort_output=True, include_lineno=False)
    missing = 0
    for locale in ("en", "fr"):
        catalog = load(locale, locales)
        catalog.update(template(source), no_fuzzy_matching=True)
        catalog.fuzzy = False
        catalog.obsolete.clear()
        for message in catalog:
            if not message.id:
                continue
            if locale == "en" and not _translated(message.string):
                message.string = message.id
            if not _translated(message.string):
                missing += 1
                print(f"{locale}: missing: {message.id!r}")
        save(catalog, locale, locales)
    print(f"{len(pot)} strings; {missing} translations missing")
    problems = quality(locales)
    if problems:
        print(f"{len(problems)} wording problems: `python scripts/catalog.py check` lists them, "
              "`python scripts/catalog.py fix` mends the typography")
    return 0


def save(catalog: Catalog, locale: str, locales: Path = LOCALES) -> None:
    path = po_path(locale, locales)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, width=120, include_lineno=False)


def quality(locales: Path = LOCALES) -> list[catalog_quality.Problem]:
    return catalog_quality.check(load("fr", locales), load("en", locales))


def _translated(string: object) -> bool:
    if isinstance(string, tuple | list):
        return all(string)
    return bool(string)


def check() -> int:
    pot = template()
    bad = 0
    for locale in ("en", "fr"):
        catalog = load(locale)
        for message in pot:
            entry = catalog.get(message.id, context=message.context)
            if message.id and (entry is None or not _translated(entry.string)):
                bad += 1
                print(f"{locale}: missing: {message.id!r}")
    problems = quality()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} wording problems (rules: bot/catalog_quality.py, style: docs/style-fr.md)")
    return 1 if bad or problems else 0


def fix(locales: Path = LOCALES) -> int:
    """Mend the mechanical French typography in place, then check what is left."""
    catalog = load("fr", locales)
    changed = catalog_quality.fix_catalog(catalog)
    save(catalog, "fr", locales)
    print(f"fr: {changed} strings mended")
    return check()


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "check"
    return {"sync": sync, "check": check, "fix": fix}[action]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
