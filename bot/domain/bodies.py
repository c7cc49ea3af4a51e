"""The bodies that decide: the plenary, the management committee, a working group."""

from __future__ import annotations

from enum import StrEnum


class Body(StrEnum):
    PLENARY = "plenary"
    COMMITTEE = "committee"
    GROUP = "group"
