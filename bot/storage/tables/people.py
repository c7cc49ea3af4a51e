"""The forum's structure: people, their chat accounts, rooms, working groups, roles and applications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime


class Person(SQLModel, table=True):
    """A human being, whatever networks they use."""

    id: int | None = Field(default=None, primary_key=True)
    display_name: str
    locale: str | None = None
    locale_hint: str | None = None
    # how titles are written for them: feminine, masculine or neutral (epicene, the default); /address
    address: str = Field(default="neutral", sa_column_kwargs={"server_default": "neutral"})
    college: str | None = None  # government, civil-society or a college the config declares (bot/rules/colleges.py)
    organisation: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class Account(SQLModel, table=True):
    """A person's identity on one network; `platform_user_id` is empty until they first write.

    `last_room_id` is the group room they last wrote in on that network: where to tell them that a private
    message cannot reach them (e.g. on Telegram, until they open a private chat with the bot)."""

    __table_args__ = (
        UniqueConstraint("network", "platform_user_id"),
        Index("ix_account_handle", "network", "handle"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    network: str
    platform_user_id: str | None = None
    handle: str | None = None
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_room_id: int | None = Field(default=None, foreign_key="room.id")


class WorkingGroup(SQLModel, table=True):
    """A thematic working group."""

    __tablename__ = "working_group"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True)
    name: str
    created_at: datetime = Field(sa_type=UTCDateTime)


class Room(SQLModel, table=True):
    """A chat room (or a private chat) on one network, with what it is for."""

    __table_args__ = (UniqueConstraint("network", "platform_room_id"),)

    id: int | None = Field(default=None, primary_key=True)
    network: str
    platform_room_id: str
    title: str = ""
    is_private: bool = False
    person_id: int | None = Field(default=None, foreign_key="person.id")
    purpose: str | None = Field(default=None, index=True)
    group_id: int | None = Field(default=None, foreign_key="working_group.id")
    language: str | None = None
    timezone: str | None = None
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)


class Role(SQLModel, table=True):
    """A role held by a person, in a group or forum-wide, from `since` until `until` (a mandate's end)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str
    group_id: int | None = Field(default=None, foreign_key="working_group.id")
    since: datetime = Field(sa_type=UTCDateTime)
    until: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    granted_by: int | None = Field(default=None, foreign_key="person.id")
    ending_warned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Application(SQLModel, table=True):
    """An answer to the call for applications."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    text: str
    status: str = Field(default="pending", index=True)
    group_id: int | None = Field(default=None, foreign_key="working_group.id")
    college: str | None = None  # the college the applicant asked for (or the secretariat chose when accepting)
    reason: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="person.id")
