"""A room given a new id by its platform (a Telegram group upgraded to a supergroup), and where to tell someone
that a private message cannot reach them: the core's side, on both databases."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from bot.app import Forum
from bot.bot_rooms import cannot_write_privately, room_moved, wrote_in
from bot.domain.rooms import room_for
from bot.i18n import Raw
from bot.messages import Incoming
from bot.notify import Outbox
from bot.storage.db import unit_of_work
from bot.storage.tables import (
    Account,
    AuditEvent,
    Meeting,
    MinutesSession,
    OutboxMessage,
    Person,
    Room,
    WorkingGroup,
)

NET = "telegram"


def make_room(forum: Forum, platform_id: str, title: str = "", **settings: Any) -> int:
    with unit_of_work(forum.engine) as session:
        room = room_for(session, forum.clock.now(), NET, platform_id, title, False, None)
        for name, value in settings.items():
            setattr(room, name, value)
        assert room.id is not None
        return room.id


def queue(forum: Forum, room_id: int, key: str, kind: str = "test", sent: bool = False) -> None:
    with unit_of_work(forum.engine) as session:
        room = session.get(Room, room_id)
        assert room is not None
        outbox = Outbox(session, forum.config, forum.clock.now())
        assert outbox.to_room(room, Raw(key), kind=kind, key=key)
        if sent:
            row = session.exec(select(OutboxMessage).where(OutboxMessage.key == f"{key}@r{room_id}")).one()
            row.sent_at, row.platform_message_id = forum.clock.now(), "1"


def rooms(forum: Forum) -> list[Room]:
    with Session(forum.engine) as session:
        return list(session.exec(select(Room).order_by(col(Room.id))).all())


def moves(forum: Forum) -> list[dict[str, Any] | None]:
    with Session(forum.engine) as session:
        return [e.details for e in session.exec(select(AuditEvent).where(AuditEvent.action == "room.move")).all()]


def test_a_room_follows_its_new_id_with_everything_attached(forum: Forum) -> None:
    with unit_of_work(forum.engine) as session:
        group = WorkingGroup(slug="open-data", name="Open data", created_at=forum.clock.now())
        session.add(group)
        session.flush()
        group_id = group.id
    room_id = make_room(forum, "-500", "Open data", purpose="group", group_id=group_id, language="en",
                        timezone="America/Cayenne")
    queue(forum, room_id, "before", sent=True)
    queue(forum, room_id, "pending")

    assert room_moved(forum, NET, "-500", "-100500", "Open data (supergroup)") == room_id
    [room] = rooms(forum)
    assert (room.id, room.platform_room_id, room.title) == (room_id, "-100500", "Open data (supergroup)")
    assert (room.purpose, room.group_id, room.language, room.timezone) == (
        "group", group_id, "en", "America/Cayenne")
    with Session(forum.engine) as session:
        pending = session.exec(select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))).one()
        assert pending.room_id == room_id  # delivered to the new id when its turn comes
    assert moves(forum) == [{"network": NET, "from": "-500", "to": "-100500", "merged_room": None}]

    # each signal of the same move (two service messages, a send error), in any order, again: nothing changes
    assert room_moved(forum, NET, "-500", "-100500") == room_id
    assert room_moved(forum, NET, "-500", "-100500", "Other title") == room_id
    assert rooms(forum)[0].title == "Open data (supergroup)" and len(moves(forum)) == 1
    assert room_moved(forum, NET, "-1", "-1001") is None  # never seen: nothing to move
    assert room_moved(forum, "matrix", "-500", "-100500") is None  # another network's rooms are others
    assert len(rooms(forum)) == 1


def test_a_room_already_made_for_the_new_id_is_merged_into_the_old_one(forum: Forum) -> None:
    now = forum.clock.now()
    old_id = make_room(forum, "-600", "Committee", purpose="committee", language="fr", timezone="Europe/Paris")
    new_id = make_room(forum, "-100600", "Committee", language="en")  # the bot heard from the supergroup first
    queue(forum, old_id, "meeting.remind:S1:1d")  # could not reach the old id yet
    queue(forum, old_id, "meeting.remind:S1:7d", sent=True)
    queue(forum, new_id, "meeting.remind:S1:1d", sent=True)  # the same reminder, delivered in the new chat
    queue(forum, new_id, "meeting.remind:S1:7d")  # and one the old chat had already shown
    queue(forum, new_id, "joined:u9", kind="bot_joined")  # the supergroup's greeting, not sent yet
    queue(forum, new_id, "reply:telegram:m-100600.2:0", sent=True)
    with unit_of_work(forum.engine) as session:
        meeting = Meeting(kind="committee", starts_at=now, local_start="2024-01-15T09:00", timezone="Europe/Paris",
                          created_at=now)
        session.add(meeting)
        session.flush()
        assert meeting.id is not None
        session.add(MinutesSession(meeting_id=meeting.id, room_id=new_id, started_at=now))
    with unit_of_work(forum.engine) as session:  # someone who last wrote in the supergroup
        person = Person(display_name="Bob", created_at=now)
        session.add(person)
        session.flush()
        assert person.id is not None
        session.add(Account(person_id=person.id, network=NET, platform_user_id="1002", last_room_id=new_id))

    assert room_moved(forum, NET, "-600", "-100600", "Management committee") == old_id
    [room] = rooms(forum)
    assert (room.id, room.platform_room_id, room.title) == (old_id, "-100600", "Management committee")
    # the old room's purpose; the newer room's language (a later choice); the old time zone (the newer had none)
    assert (room.purpose, room.language, room.timezone, room.active) == ("committee", "en", "Europe/Paris", True)
    with Session(forum.engine) as session:
        rows = {r.key: r for r in session.exec(select(OutboxMessage)).all()}
        assert {r.room_id for r in rows.values()} == {old_id}
        assert [k for k, r in rows.items() if r.sent_at is None] == []  # nothing left to send twice
        assert rows[f"meeting.remind:S1:1d@r{old_id}"].platform_message_id == "superseded"
        assert rows[f"meeting.remind:S1:1d@r{new_id}"].platform_message_id == "1"
        assert rows[f"meeting.remind:S1:7d@r{new_id}"].platform_message_id == "superseded"
        assert rows[f"joined:u9@r{new_id}"].platform_message_id == "superseded"
        assert session.exec(select(MinutesSession)).one().room_id == old_id
        assert session.exec(select(Account)).one().last_room_id == old_id
    assert moves(forum) == [{"network": NET, "from": "-600", "to": "-100600", "merged_room": new_id}]
    assert room_moved(forum, NET, "-600", "-100600") == old_id and len(moves(forum)) == 1


def test_a_room_made_again_for_the_old_id_joins_the_moved_room(forum: Forum) -> None:
    room_id = make_room(forum, "-650", "Plenary", purpose="plenary")
    assert room_moved(forum, NET, "-650", "-100650") == room_id
    stale = make_room(forum, "-650", "Plenary")  # a message written before the move, handled after it
    queue(forum, stale, "reply:telegram:m-650.7:0")
    assert room_moved(forum, NET, "-650", "-100650") == room_id  # the older row stays, with its id
    [room] = rooms(forum)
    assert (room.id, room.platform_room_id, room.purpose) == (room_id, "-100650", "plenary")
    with Session(forum.engine) as session:
        assert session.exec(select(OutboxMessage)).one().room_id == room_id
    assert [m and m["merged_room"] for m in moves(forum)] == [None, stale]


async def test_the_group_someone_last_wrote_in_is_remembered(forum: Forum) -> None:
    def say(room: str, text: str, event: str) -> Incoming:
        return Incoming(network=NET, event_id=event, room_id=room, user_id="1006", handle="frank",
                        display_name="Frank", room_title="Group " + room, text=text, locale_hint="en")

    assert not wrote_in(forum, NET, "1006", "-700")  # nobody known yet
    await forum.handle(say("-700", "/help", "e1"))
    await forum.handle(say("-800", "/help", "e2"))
    assert wrote_in(forum, NET, "1006", "-700") and wrote_in(forum, NET, "1006", "-800")
    assert not wrote_in(forum, NET, "1006", "-900")  # a room the core never saw
    with Session(forum.engine) as session:
        account = session.exec(select(Account).where(Account.platform_user_id == "1006")).one()
        person_id = account.person_id
    link = "https://t.me/forum_test_bot"
    # the transport does not know where (it restarted): the database does; after a move too
    assert room_moved(forum, NET, "-800", "-100800") is not None
    assert cannot_write_privately(forum, NET, person_id, None, link, "k1")
    assert cannot_write_privately(forum, NET, person_id, "-800", link, "k2")  # an id gone since: the same room
    assert not cannot_write_privately(forum, NET, person_id, None, link, "k1")  # once per message
    with Session(forum.engine) as session:
        notices = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "private_unreachable")).all()
        room = session.exec(select(Room).where(Room.platform_room_id == "-100800")).one()
        assert [n.room_id for n in notices] == [room.id, room.id]
        assert notices[0].text.startswith("@frank, I cannot write to you in private yet: open " + link)
