"""Every table of the bot; importing this module registers them all on SQLModel.metadata."""

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

__all__ = [
    "Account",
    "ActionItem",
    "AgendaItem",
    "Application",
    "AuditEvent",
    "CadenceReminder",
    "Commitment",
    "KeyValue",
    "Meeting",
    "Milestone",
    "MinutesEntry",
    "MinutesSession",
    "OutboxMessage",
    "Person",
    "ProcessedEvent",
    "Role",
    "Room",
    "StatusUpdate",
    "WorkingGroup",
]
