"""Feature handlers: importing this package registers every command and exporter (bot/app.py imports it)."""

from bot.handlers import (  # noqa: F401
    agenda,
    applications,
    cadence,
    calendar,
    commitments,
    decisions,
    elections,
    exporting,
    groups,
    help,
    language,
    meetings,
    milestones,
    minutes,
    proposals,
    roles,
    rooms,
    updates,
    votes,
    whoami,
)
