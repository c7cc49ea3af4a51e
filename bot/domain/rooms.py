"""Rooms: finding the one a message came from, and what a room is for."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam
from sqlmodel import Session, select

from bot.storage.tables import Person, Room, WorkingGroup


class RoomPurpose(StrEnum):
    """What a room is for (the `room.purpose` column holds these values)."""

    GROUP = "group"
    PLENARY = "plenary"
    COMMITTEE = "committee"
    SECRETARIAT = "secretariat"


# Built once (bot/storage/prebuilt.py says why): every message finds its room.
_ROOM = select(Room).where(Room.network == bindparam("network"),
                           Room.platform_room_id == bindparam("platform_room_id"))


def room_for(session: Session, now: datetime, network: str, platform_room_id: str, title: str,
             is_private: bool, person: Person | None) -> Room:
    """Find or create the room a message came from."""
    room = session.exec(_ROOM, params={"network": network, "platform_room_id": platform_room_id}).first()
    if room is None:
        room = Room(network=network, platform_room_id=platform_room_id, title=title, is_private=is_private,
                    person_id=person.id if (is_private and person) else None, created_at=now)
        session.add(room)
        session.flush()
    elif title and room.title != title:
        room.title = title
    if not room.active:
        room.active = True
    return room


def set_purpose(room: Room, purpose: RoomPurpose, group: WorkingGroup | None = None) -> None:
    """Say what a room is for: a group's room (with its group), the plenary's, the committee's, the secretariat's."""
    room.purpose, room.group_id = str(purpose), group.id if group else None
