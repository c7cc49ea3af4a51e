"""Feature handlers: importing this package registers every command, due source and exporter."""

from bot.handlers import (  # noqa: F401
    applications,
    exporting,
    groups,
    help,
    language,
    roles,
    rooms,
    whoami,
)
