"""What transports and the core hand each other: an incoming message, and outgoing ones with their extras."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


@dataclass(frozen=True)
class Button:
    """A button that sends `command` as its presser; `private`: it must be used in a private chat (a secret
    ballot: Telegram turns it into a deep link to the bot)."""

    label: str
    command: str
    private: bool = False


@dataclass(frozen=True)
class Attachment:
    """A file sent with the message (an export, a calendar)."""

    name: str
    mime: str
    content: str


@dataclass(frozen=True)
class Reactions:
    """Reactions that act as commands (Matrix): emoji → command, and the command sent when one is taken back."""

    commands: dict[str, str]
    unreact: str | None = None


@dataclass(frozen=True)
class Extras:
    """What a message carries besides its text; each transport shows what its network can."""

    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    reactions: Reactions | None = None
    reply_to: str | None = None

    def with_reply_to(self, message_id: str) -> Extras:
        return Extras(self.buttons, self.attachment, self.reactions, message_id)

    def to_json(self) -> dict[str, Any] | None:
        """The outbox row's `payload` (None when there is nothing); `from_json` reads it back."""
        data: dict[str, Any] = {}
        if self.buttons:
            data["buttons"] = [[_button_json(b) for b in row] for row in self.buttons]
        if self.reactions:
            data["reactions"] = dict(self.reactions.commands)
            if self.reactions.unreact:
                data["unreact"] = self.reactions.unreact
        if self.attachment:
            data["file"] = {"name": self.attachment.name, "mime": self.attachment.mime,
                            "content": self.attachment.content}
        if self.reply_to:
            data["reply_to"] = self.reply_to
        return data or None

    @staticmethod
    def from_json(data: dict[str, Any] | None) -> Extras:
        data = data or {}
        buttons = tuple(tuple(Button(str(b["label"]), str(b["command"]), bool(b.get("private"))) for b in row)
                        for row in data.get("buttons") or ())
        file = data.get("file")
        attachment = Attachment(str(file["name"]), str(file.get("mime", "text/plain")), str(file["content"])) \
            if file else None
        reactions = Reactions(dict(data["reactions"]), data.get("unreact")) if data.get("reactions") else None
        reply_to = data.get("reply_to")
        return Extras(buttons, attachment, reactions, str(reply_to) if reply_to else None)


def _button_json(button: Button) -> dict[str, Any]:
    data: dict[str, Any] = {"label": button.label, "command": button.command}
    if button.private:
        data["private"] = True
    return data


@dataclass(frozen=True)
class Outgoing:
    """One message from the outbox, as a transport sends it."""

    id: int
    key: str
    kind: str
    network: str
    text: str
    person_id: int | None = None
    extras: Extras = field(default_factory=Extras)
    locale: str = "en"
