"""The value checks of bot/config.py: each returns the value it was given, typed, or raises TypeError or ValueError
(bot/config.py's `_get` turns them into a ConfigError naming the key)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.rules.periods import DurationError, parse_duration

T = TypeVar("T")


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _exactly(kind: type[T]) -> Callable[[Any], T]:  # a check that a value is a `kind` itself (True is no int)
    def check(value: Any) -> T:
        if type(value) is not kind:
            raise TypeError
        return value
    return check


_int, _bool = _exactly(int), _exactly(bool)


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError
    return tuple(value)


def _duration(value: Any) -> timedelta:
    try:
        return parse_duration(_string(value))
    except DurationError as exc:
        raise ValueError(str(exc)) from exc


def _durations(value: Any) -> tuple[timedelta, ...]:
    return tuple(_duration(v) for v in _strings(value))


def _timezone(value: Any) -> str:
    try:
        ZoneInfo(_string(value))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError from exc
    return str(value)


def _month(value: Any) -> int:
    month = _int(value)
    if not 1 <= month <= 12:
        raise ValueError
    return month


def _retention(value: Any) -> timedelta:
    duration = _duration(value)
    if duration < timedelta(days=2):
        raise ValueError
    return duration


def _seconds(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError
    if not 0 < value <= 3600:
        raise ValueError
    return float(value)
