"""Every table of the bot; importing this module registers them all on SQLModel.metadata."""

from bot.storage.tables.colleges import DecisionCount, Proxy, ProxyBallot, VoteRules
from bot.storage.tables.meetings import (
    ActionItem,
    AgendaItem,
    CadenceReminder,
    Meeting,
    MinutesEntry,
    MinutesSession,
)
from bot.storage.tables.people import Account, Application, Person, Role, Room, WorkingGroup
from bot.storage.tables.system import AuditEvent, KeyValue, OutboxMessage, ProcessedEvent
from bot.storage.tables.tracking import Commitment, Milestone, StatusUpdate
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
    "ActionItem",
    "AgendaItem",
    "Application",
    "AuditEvent",
    "Ballot",
    "CadenceReminder",
    "Commitment",
    "Decision",
    "DecisionCount",
    "Electorate",
    "KeyValue",
    "Meeting",
    "Milestone",
    "MinutesEntry",
    "MinutesSession",
    "OutboxMessage",
    "Participation",
    "Person",
    "ProcessedEvent",
    "Proposal",
    "ProposalEvent",
    "Proxy",
    "ProxyBallot",
    "Role",
    "Room",
    "SecretChoice",
    "StatusUpdate",
    "Vote",
    "VoteRules",
    "WorkingGroup",
]
