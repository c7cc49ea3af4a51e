"""Feature handlers: importing this package registers every command, due source and exporter."""

from bot.handlers import (  # noqa: F401
    applications,
    decisions,
    elections,
    exporting,
    groups,
    help,
    language,
    proposals,
    roles,
    rooms,
    votes,
    whoami,
)
from bot.scheduling import votes as _vote_schedule  # noqa: F401
