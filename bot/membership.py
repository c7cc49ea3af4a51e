"""The bot joining or leaving a room, whatever the network: it introduces itself, or stops sending there."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.app import Forum
from bot.i18n import Lang, Lines, Raw, T, normalize_language
from bot.notify import Outbox, person_lang
from bot.people import room_for, who
from bot.storage.db import unit_of_work
from bot.storage.tables import Account, Person, Room


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


def reader_lang(forum: Forum, network: str, platform_user_id: str, locale_hint: str | None) -> Lang:
    """The language of someone on a network, known or not (their choice, else the platform's hint)."""
    with Session(forum.engine) as session:
        account = session.exec(select(Account).where(Account.network == network,
                                                     Account.platform_user_id == platform_user_id)).first()
        person = session.get(Person, account.person_id) if account else None
        if person is not None:
            return person_lang(forum.config, person, network)
    locale = normalize_language(locale_hint) or forum.config.default_language
    return Lang(locale, ZoneInfo(forum.config.timezone), network)


def button_refused(forum: Forum, network: str, platform_user_id: str, locale_hint: str | None) -> str:
    """The answer to a button press that cannot be trusted (forged, or made for another bot or an old key)."""
    return T("This button is not valid (any more). Send the command instead; /help lists them.").render(
        reader_lang(forum, network, platform_user_id, locale_hint))


def cannot_write_privately(forum: Forum, network: str, person_id: int, platform_room_id: str, link: str,
                           key: str) -> bool:
    """Tell someone, in the room they wrote in, that they must open a private chat with the bot first.

    Queued once per undeliverable message (`key`); returns whether it was queued.
    """
    with unit_of_work(forum.engine) as session:
        room = session.exec(select(Room).where(Room.network == network,
                                               Room.platform_room_id == platform_room_id)).first()
        person = session.get(Person, person_id)
        if room is None or person is None or room.is_private:
            return False
        lang = person_lang(forum.config, person, network, room)
        notice = T("{who}, I cannot write to you in private yet: open {link} and press Start; "
                   "I will then send you what I have for you.", who=who(session, person_id), link=Raw(link))
        return Outbox(session, forum.config, forum.clock.now()).to_room(
            room, notice, kind="private_unreachable", key=f"unreachable:{key}", lang=lang)
