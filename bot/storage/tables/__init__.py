"""Every table of the bot; importing this module registers them all on SQLModel.metadata."""

from bot.storage.tables.people import Account, Application, Person, Role, Room, WorkingGroup
from bot.storage.tables.system import AuditEvent, KeyValue, OutboxMessage, ProcessedEvent

__all__ = [
    "Account",
    "Application",
    "AuditEvent",
    "KeyValue",
    "OutboxMessage",
    "Person",
    "ProcessedEvent",
    "Role",
    "Room",
    "WorkingGroup",
]
