"""What transports hand to the core: one platform-neutral incoming message."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Incoming:
    """A message (or button press, or reaction turned into a command) from a person in a room."""

    network: str
    event_id: str
    room_id: str
    user_id: str
    text: str
    display_name: str = ""
    handle: str | None = None
    room_title: str = ""
    is_private: bool = False
    locale_hint: str | None = None
    message_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # The transport shows answers up to this many characters itself (a button press's pop-up): in a room, such
    # answers are recorded as delivered in the same transaction instead of being posted to the room too.
    answered_inline_up_to: int | None = None


@dataclass
class Handled:
    """What the router did with a message: the replies it queued, rendered (for button-press pop-ups)."""

    duplicate: bool = False
    command: str | None = None
    outcome: str = "ignored"
    person_id: int | None = None
    replies: list[str] = field(default_factory=list)
