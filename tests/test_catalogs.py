"""`scripts/catalog.py sync` (bot/catalogs.py): what translators need survives a sync."""

from __future__ import annotations

from pathlib import Path

from bot.catalogs import load, sync, template

SOURCE = '''from bot.i18n import T


def answer(tag: str) -> object:
    # Translators: {tag} is a minutes tag such as agreed
    return T("#{tag} needs some text after it.", tag=tag)


def other() -> object:
    # an ordinary comment, for the code's readers
    return T("Nothing to see.")
'''


def _sync_once(tmp_path: Path) -> Path:
    source = tmp_path / "bot"
    source.mkdir()
    (source / "minutes.py").write_text(SOURCE, encoding="utf-8")
    locales = tmp_path / "locales"
    locales.mkdir()
    sync(locales, source)
    return source


def test_translator_comments_in_the_code_reach_the_catalogs(tmp_path: Path) -> None:
    source = _sync_once(tmp_path)
    assert template(source).get("#{tag} needs some text after it.").auto_comments == [
        "{tag} is a minutes tag such as agreed"]
    assert template(source).get("Nothing to see.").auto_comments == []
    for locale in ("en", "fr"):
        entry = load(locale, tmp_path / "locales").get("#{tag} needs some text after it.")
        assert entry.auto_comments == ["{tag} is a minutes tag such as agreed"]


def test_a_translators_own_comment_and_translation_stay(tmp_path: Path) -> None:
    source = _sync_once(tmp_path)
    po = tmp_path / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    entry = '#. {tag} is a minutes tag such as agreed\n#: bot/minutes.py\n#, python-brace-format\n' \
            'msgid "#{tag} needs some text after it."\nmsgstr ""'
    assert entry in text
    po.write_text(text.replace(entry, "# keep the hash sign: people type it\n" + entry.replace(
        'msgstr ""', 'msgstr "#{tag} doit être suivi d’un texte."')), encoding="utf-8")
    sync(tmp_path / "locales", source)
    again = load("fr", tmp_path / "locales").get("#{tag} needs some text after it.")
    assert again.user_comments == ["keep the hash sign: people type it"]
    assert again.auto_comments == ["{tag} is a minutes tag such as agreed"]
    assert again.string == "#{tag} doit être suivi d’un texte."

