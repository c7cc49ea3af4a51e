"""Errors that become answers to the sender, in their language."""

from __future__ import annotations

from bot.i18n import Localizable


class UserError(Exception):
    """Something the sender can fix; the message says what was expected."""

    def __init__(self, message: Localizable) -> None:
        super().__init__(repr(message))
        self.message = message


class ArgError(UserError):
    """An argument is missing or malformed; the router adds the command's usage."""


class PermissionDenied(UserError):
    """The sender's roles do not allow this."""
