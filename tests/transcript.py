"""Playing transcripts in tests: the bot's output (with the input echoed) as one string."""

from __future__ import annotations

from bot.app import Forum
from bot.transports.console import ConsoleSession, TranscriptError


async def play(forum: Forum, text: str, prefix: str = "t") -> str:
    """Play a transcript and return what the console printed, echoed input included."""
    out: list[str] = []
    session = ConsoleSession(forum, out.append, echo=True, id_prefix=prefix)
    try:
        await session.play(text.splitlines())
    except TranscriptError as exc:
        out.append(f"!! {exc}")
    return "\n".join(out) + "\n"


def bot_lines(output: str) -> list[str]:
    """Only the bot's messages (first lines)."""
    return [line for line in output.splitlines() if " bot: " in line]
