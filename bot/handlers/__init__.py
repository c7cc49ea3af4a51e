"""Feature handlers: importing this package registers every command, due source and exporter."""

from bot.handlers import (  # noqa: F401
    applications,
    commitments,
    exporting,
    groups,
    help,
    language,
    milestones,
    roles,
    rooms,
    updates,
    whoami,
)
from bot.scheduling import milestones as milestones_schedule  # noqa: F401
