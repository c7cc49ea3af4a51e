"""Checks of the [matrix] settings that need more than a type (bot/config.py uses them)."""

from __future__ import annotations

from typing import Any


def _devices(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError
    devices = []
    for item in value:
        parts = str(item).split()
        if len(parts) != 2 or not parts[0].startswith("@") or ":" not in parts[0]:
            raise ValueError
        devices.append(f"{parts[0]} {parts[1]}")
    return tuple(devices)


def _trust(value: Any) -> str:
    if value not in ("tofu", "none"):
        raise ValueError
    return str(value)
