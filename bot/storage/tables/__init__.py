"""Every table of the bot; importing this module registers them all on SQLModel.metadata."""

from bot.storage.tables.people import Account, Application, Person, Role, Room, WorkingGroup
from bot.storage.tables.system import AuditEvent, KeyValue, OutboxMessage, ProcessedEvent
from bot.storage.tables.votes import (
    Ballot,
    Decision,
    Electorate,
    Participation,
    Proposal,
    ProposalEvent,
    SecretChoice,
    Vote,
)

__all__ = [
    "Account",
    "Application",
    "AuditEvent",
    "Ballot",
    "Decision",
    "Electorate",
    "KeyValue",
    "OutboxMessage",
    "Participation",
    "Person",
    "ProcessedEvent",
    "Proposal",
    "ProposalEvent",
    "Role",
    "Room",
    "SecretChoice",
    "Vote",
    "WorkingGroup",
]
