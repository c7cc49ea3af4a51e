"""One parser for every command: tokens, typed arguments and key=value options in either language.

bot/parsing/kinds.py holds the tokenizer, the binding of arguments and the plain kinds; bot/parsing/dates.py the
kinds of dates, deadlines, durations and periods (their rules are in bot/rules/dates/)."""

from bot.parsing.dates import Day, Deadline, Duration, Moment, Period, today_is
from bot.parsing.kinds import (
    MAX_COMMAND_LENGTH,
    Choice,
    Kind,
    Number,
    Opt,
    Param,
    Ref,
    Share,
    Slug,
    Text,
    Token,
    User,
    Users,
    Word,
    bind,
    clean_text,
    syntax,
    tokenize,
    visible,
)

__all__ = ["MAX_COMMAND_LENGTH", "Choice", "Day", "Deadline", "Duration", "Kind", "Moment", "Number", "Opt", "Param",
           "Period", "Ref", "Share", "Slug", "Text", "Token", "User", "Users", "Word", "bind", "clean_text",
           "syntax", "today_is", "tokenize", "visible"]
