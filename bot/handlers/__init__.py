"""Feature handlers: importing this package registers every command, due source and exporter."""

from bot.handlers import (  # noqa: F401
    agenda,
    applications,
    cadence,
    calendar,
    exporting,
    groups,
    help,
    language,
    meetings,
    minutes,
    roles,
    rooms,
    whoami,
)
from bot.scheduling import meetings as _meeting_schedule  # noqa: F401
