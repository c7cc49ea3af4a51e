"""Configuration: defaults, the example file, and one clear line for each wrong setting."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parent.parent


def test_example_file_is_the_defaults() -> None:
    example = load_config(ROOT / "config.example.toml", env={})
    defaults = parse_config({}, {})
    assert example.database_url == defaults.database_url == "sqlite:///forum-bot.sqlite3"
    assert example.timezone == "Europe/Paris" and example.default_language == "fr"
    assert example.reminders == defaults.reminders
    assert example.reminders.meeting_lead_times == (timedelta(days=7), timedelta(days=1), timedelta(hours=1))
    assert example.cadence == defaults.cadence
    assert example.housekeeping == defaults.housekeeping
    assert example.leadership == defaults.leadership
    assert example.housekeeping.processed_event_retention == timedelta(days=90)
    assert example.ballot_key == example.ballot_key_file == ""
    assert not example.telegram.enabled and not example.matrix.enabled


def test_secrets_come_from_the_environment() -> None:
    config = parse_config({"matrix": {"homeserver": "http://x", "user_id": "@bot:x"}},
                          {"FORUMBOT_TELEGRAM_TOKEN": "1:abc", "FORUMBOT_MATRIX_PASSWORD": "pw"})
    assert config.telegram.token == "1:abc" and config.telegram.enabled
    assert config.matrix.password == "pw" and config.matrix.enabled


@pytest.mark.parametrize(("data", "key", "expected"), [
    ({"timezone": "Mars/Olympus"}, "timezone", "an IANA time zone"),
    ({"default_language": "de"}, "default_language", '"fr" or "en"'),
    ({"reminders": {"meeting_lead_times": ["a week"]}}, "reminders.meeting_lead_times", "durations"),
    ({"reminders": {"vote_reminder_before": 24}}, "reminders.vote_reminder_before", "a duration"),
    ({"cadence": {"plenary_start_month": 13}}, "cadence.plenary_start_month", "a month number"),
    ({"telegram": {"webhook_port": "443"}}, "telegram.webhook_port", "a port number"),
    ({"colour": "blue"}, "colour", "unknown key"),
    ({"housekeeping": {"processed_event_retention": "1h"}}, "housekeeping.processed_event_retention",
     "at least 2d"),
    ({"ballot_key_file": 7}, "ballot_key_file", "the path of a file"),
    ({"matrix": {"homeserver": "http://x"}}, "matrix.user_id", "a user id"),
    ({"matrix": {"trusted_devices": ["ABCDEFGHIJ"]}}, "matrix.trusted_devices", "user id, a space, device id"),
])
def test_wrong_settings_name_the_key(data: dict[str, object], key: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data, {})
    assert info.value.key == key
    assert f"'{key}'" in str(info.value) and expected in str(info.value)


def test_cli_reports_a_bad_config_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text('timezone = "Nowhere/Land"\n')
    result = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade", "--config", str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "forum-bot: configuration: 'timezone': expected an IANA time zone like Europe/Paris, got 'Nowhere/Land'"]


def test_cli_reports_broken_toml(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text("timezone = \n")
    result = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade", "--config", str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "expected valid TOML" in result.stderr


def test_trusted_devices_are_read_as_user_and_device() -> None:
    config = parse_config({"matrix": {"trust": "none", "trusted_devices": ["@alice:example.org   ABCDEFGHIJ"]}}, {})
    assert config.matrix.trust == "none"
    assert config.matrix.trusted_devices == ("@alice:example.org ABCDEFGHIJ",)
