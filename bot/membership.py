"""The bot joining or leaving a room, whatever the network: it introduces itself, or stops sending there."""

from __future__ import annotations

from sqlmodel import select

from bot.app import Forum
from bot.i18n import Lines, T
from bot.notify import Outbox
from bot.people import room_for
from bot.storage.db import unit_of_work
from bot.storage.tables import Room


def bot_joined(forum: Forum, network: str, platform_room_id: str, title: str, event_id: str) -> None:
    """Mark the room active and queue a short introduction (once per joining event)."""
    with unit_of_work(forum.engine) as session:
        now = forum.clock.now()
        room = room_for(session, now, network, platform_room_id, title, False, None)
        room.active = True
        intro = Lines([
            T("Hello! I am the forum's bot. I keep track of proposals, votes, commitments and meetings."),
            T("An admin can tell me what this room is for with /room (group, plenary, committee or secretariat)."),
            T("Send /help to see what you can do, and /lang en or /lang fr to choose your language."),
        ])
        Outbox(session, forum.config, now).to_room(room, intro, kind="bot_joined", key=f"joined:{event_id}")


def bot_left(forum: Forum, network: str, platform_room_id: str) -> None:
    """Stop sending to a room the bot was removed from; what was queued for it is dropped."""
    with unit_of_work(forum.engine) as session:
        room = session.exec(select(Room).where(Room.network == network,
                                               Room.platform_room_id == platform_room_id)).first()
        if room is not None:
            room.active = False


def cannot_read(forum: Forum, network: str, platform_room_id: str, title: str, event_id: str) -> None:
    """Say in plain words that an encrypted message could not be read (its keys are missing)."""
    with unit_of_work(forum.engine) as session:
        now = forum.clock.now()
        room = room_for(session, now, network, platform_room_id, title, False, None)
        message = Lines([
            T("I could not read a message in this room: it is end-to-end encrypted and I do not have its key."),
            T("Please send it again. If this keeps happening, my encryption keys may have been lost: "
              "ask an admin to remove me from the room and invite me again."),
        ])
        Outbox(session, forum.config, now).to_room(room, message, kind="unreadable", key=f"unreadable:{event_id}")
