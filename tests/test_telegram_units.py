"""The Telegram transport's pure parts and wiring: splitting, names, deep links, button signatures, webhook."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import Forum
from bot.config import Config
from bot.handlers.help import command_menu
from bot.registry import registry
from bot.transports.telegram import (
    ButtonSigner,
    command_name,
    split_text,
    start_payload,
    start_updates,
    utf16_len,
    webhook_secret,
)


def test_split_keeps_short_messages_whole() -> None:
    assert split_text("one\ntwo") == ["one\ntwo"]
    assert split_text("") == []


def test_split_on_line_boundaries() -> None:
    lines = [f"line {n:04} " + "x" * 40 for n in range(110)]  # 110 × 50 = 5,500 characters
    text = "\n".join(lines)
    chunks = split_text(text)
    assert len(chunks) == 2
    assert all(utf16_len(chunk) <= 4096 for chunk in chunks)
    assert chunks[0].split("\n") + chunks[1].split("\n") == lines


def test_a_line_longer_than_the_limit_is_cut_at_a_space() -> None:
    words = " ".join(["word"] * 1500)  # 7,499 characters, one line
    chunks = split_text(words)
    assert len(chunks) == 2 and all(len(c) <= 4096 for c in chunks)
    assert " ".join(chunks) == words


def test_split_counts_utf16_units() -> None:
    text = "😀" * 3000  # 6,000 UTF-16 units, no space
    chunks = split_text(text)
    assert "".join(chunks) == text and all(utf16_len(c) <= 4096 for c in chunks)


@given(st.text(alphabet=st.sampled_from("ab \n<&é😀"), max_size=12000))
def test_split_loses_nothing_but_boundaries(text: str) -> None:
    chunks = split_text(text, limit=300)
    assert all(utf16_len(c) <= 300 and c.strip() for c in chunks)
    squeeze = lambda s: "".join(s.split())  # noqa: E731
    assert squeeze("".join(chunks)) == squeeze(text)


def test_command_names_follow_telegram_rules() -> None:
    assert command_name("réunion") == "reunion"
    assert command_name("non-commence") == "non_commence"
    assert command_name("Aide") == "aide"
    assert command_name("x" * 40) == "x" * 32


def test_the_core_accepts_telegram_spellings() -> None:
    help_cmd = registry.find("aide")
    assert help_cmd is not None and help_cmd.name == "help"
    registry_copy = registry.top.copy()
    try:
        fake = registry.add("test-only-cmd", "commande-de-test", help=registry.top["help"].help)
        assert registry.find("test_only_cmd") is fake and registry.find("commande_de_test") is fake
    finally:
        registry.top.clear()
        registry.top.update(registry_copy)
        registry.order.remove(fake)


def test_every_menu_name_is_valid_for_telegram() -> None:
    for locale in ("en", "fr"):
        for private in (True, False):
            menu = command_menu(locale, private)
            assert menu and all(1 <= len(command_name(name)) <= 32 for name, _ in menu)
            assert all(1 <= len(description) <= 256 for _, description in menu)
            for name, _ in menu:
                assert registry.find(command_name(name)) is not None


def test_deep_link_payloads() -> None:
    assert start_payload("/vote V3 yes") == "vote_V3"
    assert start_payload("/vote V12") == "vote_V12"
    assert start_payload("/élection E1 @bob") == "election_E1"  # only Telegram-safe characters


def test_button_signatures(forum: Forum) -> None:
    signer = ButtonSigner(forum, "123:ABC")
    data = signer.sign("/vote V3 yes")
    assert data.startswith("c:vote V3 yes:") and len(data.encode()) <= 64
    assert signer.verify(data) == "/vote V3 yes"
    assert signer.verify(data.replace("yes", "no")) is None
    assert signer.verify("c:vote V3 yes") is None and signer.verify("") is None and signer.verify(None) is None
    assert ButtonSigner(forum, "456:DEF").verify(data) is None  # another bot's (or an old token's) button
    long = "/vote V5 " + " ".join(f"@candidate_{n}" for n in range(8))
    stored = signer.sign(long)
    assert stored.startswith("k:") and len(stored.encode()) <= 64
    assert signer.verify(stored) == long
    assert ButtonSigner(forum, "456:DEF").verify(stored) is None


class FakeUpdater:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def start_webhook(self, **kwargs: Any) -> None:
        self.calls.append(("webhook", kwargs))

    async def start_polling(self, **kwargs: Any) -> None:
        self.calls.append(("polling", kwargs))


class FakeApp:
    def __init__(self) -> None:
        self.updater = FakeUpdater()


@pytest.mark.asyncio
async def test_polling_by_default_webhook_when_configured(config: Config) -> None:
    app = FakeApp()
    polling = replace(config, telegram=replace(config.telegram, token="123:ABC"))
    await start_updates(app, polling)  # type: ignore[arg-type]
    [(kind, kwargs)] = app.updater.calls
    assert kind == "polling" and "my_chat_member" in kwargs["allowed_updates"]

    app = FakeApp()
    hooked = replace(config, telegram=replace(config.telegram, token="123:ABC", webhook_port=8443,
                                              webhook_url="https://bot.example.org/telegram/hook",
                                              webhook_listen="127.0.0.1"))
    await start_updates(app, hooked)  # type: ignore[arg-type]
    [(kind, kwargs)] = app.updater.calls
    assert kind == "webhook"
    assert kwargs["listen"] == "127.0.0.1" and kwargs["port"] == 8443 and kwargs["url_path"] == "telegram/hook"
    assert kwargs["webhook_url"] == "https://bot.example.org/telegram/hook"
    assert kwargs["secret_token"] == webhook_secret("123:ABC") and "123:ABC" not in kwargs["secret_token"]
    assert "callback_query" in kwargs["allowed_updates"]

pytestmark = pytest.mark.sqlite_only
