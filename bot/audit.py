"""The audit log: who changed what, and when; each entry written at once, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from bot.storage.prebuilt import run
from bot.storage.tables import AuditEvent

_INSERT = insert(AuditEvent.__table__)  # type: ignore[attr-defined]


def record_audit(session: Session, now: datetime, person_id: int | None, action: str, object_type: str,
                 object_id: object, details: dict[str, Any] | None = None) -> None:
    """Add an entry to the audit log (entries are numbered in the order they are recorded)."""
    run(session, _INSERT, {"at": now, "person_id": person_id, "action": action, "object_type": object_type,
                           "object_id": str(object_id), "details": details or None})
