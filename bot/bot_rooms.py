"""The bot joining, leaving or following a room, whatever the network: it introduces itself, stops sending there,
or keeps the room (its purpose, group, language, time zone and history) when the platform gives it a new id."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.app import Forum
from bot.audit import record_audit
from bot.domain.rooms import room_for
from bot.i18n import Lang, Lines, Raw, T, normalize_language
from bot.notify import Outbox, person_lang
from bot.storage.db import unit_of_work
from bot.storage.tables import Account, MinutesSession, OutboxMessage, Person, Room
from bot.wording.people import who


def bot_joined(forum: Forum, network: str, platform_room_id: str, title: str, event_id: str, *,
               known_quietly: bool = False) -> None:
    """Mark the room active and queue a short introduction (once per joining event).

    `known_quietly`: a room already known and active is not introduced again (on Telegram, the bot "joins" a
    group again when it is upgraded to a supergroup: the room moved, see `room_moved`, and is set up already)."""
    with unit_of_work(forum.engine) as session:
        now = forum.clock.now()
        if known_quietly:
            known = session.exec(select(Room).where(Room.network == network,
                                                    Room.platform_room_id == platform_room_id)).first()
            if known is not None and known.active:
                if title and known.title != title:
                    known.title = title
                return
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


def room_moved(forum: Forum, network: str, old_platform_id: str, new_platform_id: str, title: str = "") -> int | None:
    """The platform gave a room a new id (a Telegram group upgraded to a supergroup): the room follows it.

    Everything attached to the room stays with it: its purpose, working group, language and time zone, its
    messages (those not yet delivered go to the new id), its minutes. Audited once; calling it again, for each
    of the several signals a platform gives of the same move, changes nothing. Returns the room's id, or None
    when no room is known by either id.

    When a room exists for both ids (the bot heard from the new chat before it learnt of the move, or a message
    written in the old chat before the move was handled after it), the two are merged into the older row, which
    most of the history refers to, and that row takes the new id: for each setting (purpose with its group,
    language, time zone) the younger room's wins when it has one, being the later and deliberate choice; their
    messages, minutes and last-seen links are joined; a message queued for both (the same idempotency key) goes
    out once, and an introduction the younger room still has queued is dropped (the room was introduced before).
    """
    with unit_of_work(forum.engine) as session:
        now = forum.clock.now()
        rooms = session.exec(select(Room).where(Room.network == network, col(Room.platform_room_id).in_(
            [old_platform_id, new_platform_id]))).all()
        by_id = {room.platform_room_id: room for room in rooms}
        room, other = by_id.get(old_platform_id), by_id.get(new_platform_id)
        if room is None or old_platform_id == new_platform_id:
            return other.id if other is not None else None
        merged = None
        if other is not None:
            assert room.id is not None and other.id is not None
            older, younger = (room, other) if room.id < other.id else (other, room)
            merged = younger.id
            _merge_into(session, now, older, younger)
            room = older
        room.platform_room_id = new_platform_id
        if title:
            room.title = title
        record_audit(session, now, None, "room.move", "room", room.id,
                     {"network": network, "from": old_platform_id, "to": new_platform_id, "merged_room": merged})
        return room.id


def _merge_into(session: Session, now: datetime, room: Room, newer: Room) -> None:
    """Fold `newer` (the younger row) into `room`, then delete it (see `room_moved`)."""
    assert room.id is not None and newer.id is not None
    if newer.purpose is not None:
        room.purpose, room.group_id = newer.purpose, newer.group_id
    room.language = newer.language or room.language
    room.timezone = newer.timezone or room.timezone
    room.title = newer.title or room.title
    room.active = room.active or newer.active
    # One message queued for both rooms (keys `<key>@r<room id>`, see Outbox.to_room) is delivered once.
    mine, theirs = f"@r{room.id}", f"@r{newer.id}"
    moved = session.exec(select(OutboxMessage).where(OutboxMessage.room_id == newer.id)).all()
    by_base = {row.key.removesuffix(theirs): row for row in moved if row.key.endswith(theirs)}
    twins = session.exec(select(OutboxMessage).where(
        OutboxMessage.room_id == room.id, col(OutboxMessage.key).in_([base + mine for base in by_base]))).all()
    for twin in twins:
        other = by_base[twin.key.removesuffix(mine)]
        if twin.sent_at is None:
            _superseded(twin, now, f"the same message was queued for the room's new id (outbox {other.id})")
        elif other.sent_at is None:
            _superseded(other, now, f"already delivered before the room moved (outbox {twin.id})")
    for row in moved:
        if row.kind == "bot_joined" and row.sent_at is None:
            _superseded(row, now, "the room was introduced before it moved")
        row.room_id = room.id
    for minutes in session.exec(select(MinutesSession).where(MinutesSession.room_id == newer.id)).all():
        minutes.room_id = room.id
    for account in session.exec(select(Account).where(Account.last_room_id == newer.id)).all():
        account.last_room_id = room.id
    session.flush()
    session.delete(newer)
    session.flush()  # both ids are free for `room` (unique per network)


def _superseded(row: OutboxMessage, now: datetime, reason: str) -> None:
    """Settle a queued message that must not go out (as a press's pop-up settles a reply: see the Telegram
    transport): marked done, with why."""
    row.sent_at, row.platform_message_id, row.last_error = now, "superseded", reason


def wrote_in(forum: Forum, network: str, platform_user_id: str, platform_room_id: str) -> bool:
    """Remember the group room someone last wrote in (see `cannot_write_privately`); False when either the
    person's account or the room is not known (yet)."""
    with unit_of_work(forum.engine) as session:
        room = session.exec(select(Room).where(Room.network == network,
                                               Room.platform_room_id == platform_room_id)).first()
        account = session.exec(select(Account).where(Account.network == network,
                                                      Account.platform_user_id == platform_user_id)).first()
        if room is None or account is None or room.is_private:
            return False
        if account.last_room_id != room.id:
            account.last_room_id = room.id
        return True


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


def cannot_write_privately(forum: Forum, network: str, person_id: int, platform_room_id: str | None, link: str,
                           key: str) -> bool:
    """Tell someone, in the room they wrote in, that they must open a private chat with the bot first.

    The room is `platform_room_id` when the transport knows it, else the group room they last wrote in, as
    remembered by `wrote_in` (which survives a restart). Queued once per undeliverable message (`key`); returns
    whether it was queued.
    """
    with unit_of_work(forum.engine) as session:
        room = None
        if platform_room_id is not None:
            room = session.exec(select(Room).where(Room.network == network,
                                                   Room.platform_room_id == platform_room_id)).first()
        if room is None:
            account = session.exec(select(Account).where(
                Account.person_id == person_id, Account.network == network, col(Account.last_room_id).is_not(None))
                .order_by(col(Account.last_seen_at).desc().nulls_last())).first()
            room = session.get(Room, account.last_room_id) if account is not None else None
        person = session.get(Person, person_id)
        if room is None or person is None or room.is_private:
            return False
        lang = person_lang(forum.config, person, network, room)
        notice = T("{who}, I cannot write to you in private yet: open {link} and press Start; "
                   "I will then send you what I have for you.", who=who(session, person_id), link=Raw(link))
        return Outbox(session, forum.config, forum.clock.now()).to_room(
            room, notice, kind="private_unreachable", key=f"unreachable:{key}", lang=lang)
