"""Feature handlers: importing this package registers every command, due source and exporter."""

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
from bot.scheduling import housekeeping as _housekeeping  # noqa: F401
from bot.scheduling import mandates as _mandate_schedule  # noqa: F401
from bot.scheduling import meetings as _meeting_schedule  # noqa: F401
from bot.scheduling import milestones as _milestone_schedule  # noqa: F401
from bot.scheduling import votes as _vote_schedule  # noqa: F401
