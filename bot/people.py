"""Compatibility re-export for branches not yet moved (issue 14): import from bot.domain.people,
bot.domain.rooms, bot.wording.people and bot.notify instead. The lead removes this module after the merges."""

from bot.domain.people import (  # noqa: F401
    ROLES,
    VOTING_ROLES,
    Role,
    active_roles,
    grant,
    group_by_slug,
    group_slug,
    handle_key,
    identify,
    resolve,
    revoke,
    roles_of,
)
from bot.domain.rooms import room_for  # noqa: F401
from bot.notify import dm_account  # noqa: F401
from bot.wording.people import Who, who  # noqa: F401
