"""Feature handlers: importing this package registers every command, due source and exporter."""

from bot.handlers import (  # noqa: F401
    agenda,
    applications,
    cadence,
    calendar,
    commitments,
    exporting,
    groups,
    help,
    language,
    meetings,
    milestones,
    minutes,
    roles,
    rooms,
    updates,
    whoami,
)
from bot.scheduling import meetings as _meeting_schedule  # noqa: F401
from bot.scheduling import milestones as milestones_schedule  # noqa: F401
