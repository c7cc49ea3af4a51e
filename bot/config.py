"""Configuration: `config.toml` plus secrets from the environment, validated into one typed value."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.config_matrix import _devices, _trust
from bot.config_values import (
    _bool,
    _duration,
    _durations,
    _int,
    _language,
    _month,
    _retention,
    _seconds,
    _string,
    _strings,
    _timezone,
)
from bot.rules.colleges import CollegeRules, parse_college_rules
from bot.rules.proxies import ProxyRules, parse_proxy_rules

DEFAULT_DATABASE_URL = "sqlite:///forum-bot.sqlite3"
BALLOT_KEY_ENV = "FORUMBOT_BALLOT_KEY"
MIN_BALLOT_KEY_LENGTH = 16

T = TypeVar("T")


class ConfigError(Exception):
    """A setting is wrong or missing; the message names the key and what was expected."""

    def __init__(self, key: str, expected: str, got: object = None) -> None:
        shown = "" if got is None else f", got {got!r}"
        super().__init__(f"configuration: '{key}': expected {expected}{shown}")
        self.key = key


class BallotKeyError(Exception):
    """The secret-ballot key cannot be used (bot/ballot_key.py): the message says why and what to do."""


@dataclass(frozen=True)
class RemindersConfig:
    """Lead times of the automatic messages."""

    meeting_lead_times: tuple[timedelta, ...] = (timedelta(days=7), timedelta(days=1), timedelta(hours=1))
    vote_reminder_before: timedelta = timedelta(hours=24)
    overdue_digest_every: timedelta = timedelta(days=7)
    weekly_digest_every: timedelta = timedelta(days=7)
    mandate_warning_before: timedelta = timedelta(days=60)


@dataclass(frozen=True)
class CadenceConfig:
    """The forum's meeting rules: groups every quarter, the plenary twice a year."""

    group_period_months: int = 3
    plenary_period_months: int = 6
    plenary_start_month: int = 1
    second_reminder_before_end: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class MeetingsConfig:
    """Minutes are taken from a little before a meeting starts to a few hours after (else: asked to confirm)."""

    minutes_open_before: timedelta = timedelta(minutes=30)
    minutes_close_after: timedelta = timedelta(hours=4)


@dataclass(frozen=True)
class HousekeepingConfig:
    """How long the bot's own bookkeeping is kept."""

    processed_event_retention: timedelta = timedelta(days=90)


@dataclass(frozen=True)
class LeadershipConfig:
    """Several `forum-bot run` processes on one PostgreSQL database: one of them receives each network's events, the
    others stand by (bot/runtime/receiver_lock.py)."""

    retry_seconds: float = 3.0  # how often a standby tries to become the receiver
    check_seconds: float = 1.0  # how often the receiver makes sure it still holds its lock


@dataclass(frozen=True)
class TelegramConfig:
    """Telegram network settings; the token normally comes from FORUMBOT_TELEGRAM_TOKEN."""

    token: str = ""
    base_url: str = ""
    base_file_url: str = ""
    webhook_url: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443

    @property
    def enabled(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True)
class MatrixConfig:
    """Matrix network settings; the password or token normally come from the environment."""

    homeserver: str = ""
    user_id: str = ""
    password: str = ""
    access_token: str = ""
    device_name: str = "forum-bot"
    store_path: str = "matrix-store"
    allowed_inviters: tuple[str, ...] = ()
    trust: str = "tofu"
    trusted_devices: tuple[str, ...] = ()  # "@user:server DEVICEID": with trust = "none", the only devices given keys

    @property
    def enabled(self) -> bool:
        return bool(self.homeserver and self.user_id and (self.password or self.access_token))


@dataclass(frozen=True)
class WebConfig:
    """The public web site (bot/web/), served by `forum-bot run` when enabled, or by `forum-bot web`."""
    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = 8080
    base_url: str = ""  # the site's public address, for the Atom feed's links (e.g. https://forum.example.org)


@dataclass(frozen=True)
class MetricsConfig:
    """Prometheus `/metrics` (bot/runtime/metrics.py): on the web site's port when the process serves it, else here."""
    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = 9464


@dataclass(frozen=True)
class Config:
    """Every setting of the bot."""

    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "Europe/Paris"
    default_language: str = "fr"
    admins: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    cadence: CadenceConfig = field(default_factory=CadenceConfig)
    meetings: MeetingsConfig = field(default_factory=MeetingsConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    matrix: MatrixConfig = field(default_factory=MatrixConfig)
    housekeeping: HousekeepingConfig = field(default_factory=HousekeepingConfig)
    leadership: LeadershipConfig = field(default_factory=LeadershipConfig)
    web: WebConfig = field(default_factory=WebConfig)
    colleges: CollegeRules = field(default_factory=CollegeRules)
    proxies: ProxyRules = field(default_factory=ProxyRules)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    # The secret-ballot key (bot/ballot_key.py): FORUMBOT_BALLOT_KEY, else read from `ballot_key_file`, else (a
    # SQLite database) generated beside the database. `Forum` fills `ballot_key` with the key it resolved.
    ballot_key: str = ""
    ballot_key_file: str = ""
    source: str = "defaults"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_bootstrap_admin(self, network: str, user_id: str, username: str | None) -> bool:
        """True when the config names this account as an admin (by id or @username)."""
        names = self.admins.get(network, ())
        candidates = {user_id.lower()}
        if username:
            candidates |= {username.lower(), "@" + username.lower().lstrip("@")}
        return any(name.lower() in candidates for name in names)


def _get(table: Mapping[str, Any], key: str, prefix: str, check: Callable[[Any], Any], expected: str,
         default: T) -> T:
    if key not in table:
        return default
    value = table[key]
    try:
        return check(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(prefix + key, expected, value) from exc


def _ballot_key(value: str) -> str:
    if len(value.strip()) < MIN_BALLOT_KEY_LENGTH:
        raise ConfigError(BALLOT_KEY_ENV, f"a random string of at least {MIN_BALLOT_KEY_LENGTH} characters "
                                          "(environment variable)")
    return value.strip()


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(key, "a table like [" + key + "]", value)
    if key + "." in KNOWN_KEYS:
        _reject_unknown(value, key + ".")
    return value


KNOWN_KEYS = {
    "": {"database_url", "timezone", "default_language", "admins", "reminders", "cadence", "meetings",
         "telegram", "matrix", "housekeeping", "leadership", "ballot_key_file", "web", "colleges", "proxies",
         "metrics"},
    "web.": {"enabled", "listen", "port", "base_url"},
    "metrics.": {"enabled", "listen", "port"},
    "reminders.": {"meeting_lead_times", "vote_reminder_before", "overdue_digest_every",
                   "weekly_digest_every", "mandate_warning_before"},
    "cadence.": {"group_period_months", "plenary_period_months", "plenary_start_month",
                 "second_reminder_before_end"},
    "meetings.": {"minutes_open_before", "minutes_close_after"},
    "housekeeping.": {"processed_event_retention"},
    "leadership.": {"retry_seconds", "check_seconds"},
    "telegram.": {"token", "base_url", "base_file_url", "webhook_url", "webhook_listen", "webhook_port"},
    "matrix.": {"homeserver", "user_id", "password", "access_token", "device_name", "store_path",
                "allowed_inviters", "trust", "trusted_devices"},
}


def _reject_unknown(table: Mapping[str, Any], prefix: str) -> None:
    for key in table:
        if key not in KNOWN_KEYS[prefix]:
            raise ConfigError(prefix + key, "one of " + ", ".join(sorted(KNOWN_KEYS[prefix])) + " (unknown key)")


def _meetings(data: Mapping[str, Any]) -> MeetingsConfig:
    table, d = _section(data, "meetings"), MeetingsConfig()
    _reject_unknown(table, "meetings.")
    return MeetingsConfig(*(_get(table, k, "meetings.", _duration, f'a duration like "{ex}"', getattr(d, k))
                            for k, ex in (("minutes_open_before", "30min"), ("minutes_close_after", "4h"))))


def _metrics(data: Mapping[str, Any]) -> MetricsConfig:
    table = _section(data, "metrics")
    return MetricsConfig(_get(table, "enabled", "metrics.", _bool, "true or false", False),
                         _get(table, "listen", "metrics.", _string, "an address", "127.0.0.1"),
                         _get(table, "port", "metrics.", _int, "a port number", 9464))


def parse_config(data: Mapping[str, Any], env: Mapping[str, str], source: str = "config") -> Config:
    """Validate raw TOML data and environment secrets into a Config."""
    _reject_unknown(data, "")
    admins_table = _section(data, "admins")
    admins = {net: _get(admins_table, net, "admins.", _strings, "a list of user ids or @names", ())
              for net in admins_table}
    rem = _section(data, "reminders")
    defaults_r = RemindersConfig()
    reminders = RemindersConfig(
        meeting_lead_times=_get(rem, "meeting_lead_times", "reminders.", _durations,
                                'a list of durations like ["7d", "1d", "1h"]', defaults_r.meeting_lead_times),
        vote_reminder_before=_get(rem, "vote_reminder_before", "reminders.", _duration,
                                  'a duration like "24h"', defaults_r.vote_reminder_before),
        overdue_digest_every=_get(rem, "overdue_digest_every", "reminders.", _duration,
                                  'a duration like "7d"', defaults_r.overdue_digest_every),
        weekly_digest_every=_get(rem, "weekly_digest_every", "reminders.", _duration,
                                 'a duration like "7d"', defaults_r.weekly_digest_every),
        mandate_warning_before=_get(rem, "mandate_warning_before", "reminders.", _duration,
                                    'a duration like "60d"', defaults_r.mandate_warning_before),
    )
    cad = _section(data, "cadence")
    defaults_c = CadenceConfig()
    cadence = CadenceConfig(
        group_period_months=_get(cad, "group_period_months", "cadence.", _month, "a number of months (1-12)",
                                 defaults_c.group_period_months),
        plenary_period_months=_get(cad, "plenary_period_months", "cadence.", _month,
                                   "a number of months (1-12)", defaults_c.plenary_period_months),
        plenary_start_month=_get(cad, "plenary_start_month", "cadence.", _month, "a month number (1-12)",
                                 defaults_c.plenary_start_month),
        second_reminder_before_end=_get(cad, "second_reminder_before_end", "cadence.", _duration,
                                        'a duration like "14d"', defaults_c.second_reminder_before_end),
    )
    hk = _section(data, "housekeeping")
    housekeeping = HousekeepingConfig(
        processed_event_retention=_get(hk, "processed_event_retention", "housekeeping.", _retention,
                                       'a duration of at least 2d like "90d"',
                                       HousekeepingConfig().processed_event_retention),
    )
    ld = _section(data, "leadership")
    leadership = LeadershipConfig(
        retry_seconds=_get(ld, "retry_seconds", "leadership.", _seconds, "a number of seconds like 3",
                           LeadershipConfig().retry_seconds),
        check_seconds=_get(ld, "check_seconds", "leadership.", _seconds, "a number of seconds like 1",
                           LeadershipConfig().check_seconds),
    )
    tg = _section(data, "telegram")
    telegram = TelegramConfig(
        token=env.get("FORUMBOT_TELEGRAM_TOKEN") or _get(tg, "token", "telegram.", _string, "a bot token", ""),
        base_url=_get(tg, "base_url", "telegram.", _string, "a URL", ""),
        base_file_url=_get(tg, "base_file_url", "telegram.", _string, "a URL", ""),
        webhook_url=_get(tg, "webhook_url", "telegram.", _string, "a public https URL", ""),
        webhook_listen=_get(tg, "webhook_listen", "telegram.", _string, "an address", "0.0.0.0"),
        webhook_port=_get(tg, "webhook_port", "telegram.", _int, "a port number", 8443),
    )
    mx = _section(data, "matrix")
    matrix = MatrixConfig(
        homeserver=_get(mx, "homeserver", "matrix.", _string, "a homeserver URL", ""),
        user_id=_get(mx, "user_id", "matrix.", _string, "a user id like @forum-bot:example.org", ""),
        password=env.get("FORUMBOT_MATRIX_PASSWORD") or _get(mx, "password", "matrix.", _string, "a string", ""),
        access_token=env.get("FORUMBOT_MATRIX_ACCESS_TOKEN")
        or _get(mx, "access_token", "matrix.", _string, "a string", ""),
        device_name=_get(mx, "device_name", "matrix.", _string, "a string", "forum-bot"),
        store_path=_get(mx, "store_path", "matrix.", _string, "a folder path", "matrix-store"),
        allowed_inviters=_get(mx, "allowed_inviters", "matrix.", _strings,
                              'a list like ["@alice:example.org", ":example.org"]', ()),
        trust=_get(mx, "trust", "matrix.", _trust, '"tofu" or "none"', "tofu"),
        trusted_devices=_get(mx, "trusted_devices", "matrix.", _devices,
                             'a list like ["@alice:example.org ABCDEFGHIJ"] (user id, a space, device id)', ()),
    )
    wb = _section(data, "web")
    web = WebConfig(_get(wb, "enabled", "web.", _bool, "true or false", False),
                    _get(wb, "listen", "web.", _string, "an address", "127.0.0.1"),
                    _get(wb, "port", "web.", _int, "a port number", 8080),
                    _get(wb, "base_url", "web.", _string, "a URL", "").rstrip("/"))
    if mx and matrix.homeserver and not matrix.user_id:
        raise ConfigError("matrix.user_id", "a user id like @forum-bot:example.org when matrix.homeserver is set")
    return Config(
        database_url=env.get("FORUMBOT_DATABASE_URL")
        or _get(data, "database_url", "", _string, "an SQLAlchemy URL like sqlite:///forum-bot.sqlite3",
                DEFAULT_DATABASE_URL),
        timezone=_get(data, "timezone", "", _timezone, "an IANA time zone like Europe/Paris", "Europe/Paris"),
        default_language=_get(data, "default_language", "", _language, '"fr" or "en"', "fr"),
        admins=admins,
        reminders=reminders,
        cadence=cadence,
        meetings=_meetings(data),
        telegram=telegram,
        matrix=matrix,
        housekeeping=housekeeping,
        leadership=leadership,
        web=web,
        metrics=_metrics(data),
        colleges=_rules(data, "colleges", parse_college_rules),
        proxies=_rules(data, "proxies", parse_proxy_rules),
        ballot_key=_ballot_key(env[BALLOT_KEY_ENV]) if env.get(BALLOT_KEY_ENV) else "",
        ballot_key_file=_get(data, "ballot_key_file", "", _string, "the path of a file holding the ballot key", ""),
        source=source,
    )


def _rules(data: Mapping[str, Any], key: str, parse: Callable[[Mapping[str, Any]], T]) -> T:
    """A table parsed by its rule module (bot/rules/colleges.py, bot/rules/proxies.py), errors named."""
    try:
        return parse(_section(data, key))
    except KeyError as exc:
        raise ConfigError(f"{key}.{exc.args[0]}", "a known key (unknown key)") from None
    except ValueError as exc:
        raise ConfigError(f"{key}.{exc.args[0]}", "a valid value (see config.example.toml)") from None


def load_config(path: str | Path | None, env: Mapping[str, str] | None = None) -> Config:
    """Read the config file (optional: defaults when absent) and the environment."""
    env = os.environ if env is None else env
    if path is None:
        default = Path("config.toml")
        if not default.exists():
            return parse_config({}, env, "defaults")
        path = default
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError("--config", "an existing TOML file", str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"valid TOML ({exc})") from exc
    return parse_config(data, env, str(path))
