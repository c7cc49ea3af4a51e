"""The console transport: transcripts (`@at`, `@advance`, `@admin`, `[room] user: text`) and interactive use."""

from __future__ import annotations

import hashlib
import re
import sys
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.app import Forum
from bot.clock import RealClock, SimulatedClock
from bot.i18n import TN, Lang, Raw, T
from bot.messages import Incoming, Outgoing
from bot.parsing import Duration
from bot.storage.db import unit_of_work
from bot.storage.state import get_state
from bot.storage.tables import Account, KeyValue, Room
from bot.transports.base import Transport, drain_outbox

NETWORK = "console"
_MESSAGE = re.compile(r"^\[([^\]\s][^\]]*)\]\s+([\w.\-]+):\s?(.*)$")
_AT = re.compile(r"^@at\s+(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?\s*$")
_ADVANCE = re.compile(r"^@advance\s+(\S+)\s*$")
_ADMIN = re.compile(r"^@admin\s+([\w.\-]+)\s*$")

# Where the simulated clock of a replayed script (`forum-bot console --script`, the demo) stands before its first
# `@at`: a fixed moment, so that a script plays the same whatever day it is replayed. The script's first `@at` sets
# the clock (no due pass runs for the years in between); each later `@at` moves it forward, running what falls due.
SCRIPT_START = datetime(2000, 1, 1, tzinfo=UTC)


class TranscriptError(Exception):
    """A malformed transcript line."""

    def __init__(self, lineno: int, reason: str) -> None:
        super().__init__(f"line {lineno}: {reason}")
        self.lineno = lineno


class ConsoleTransport(Transport):
    """Prints each message as `[room] bot: text` (further lines indented by two spaces)."""

    network = NETWORK

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write

    async def deliver(self, message: Outgoing, room: Room | None, account: Account | None) -> str | None:
        if room is not None:
            label = f"dm {room.platform_room_id.removeprefix('dm:')}" if room.is_private else room.platform_room_id
        elif account is not None:
            label = f"dm {account.platform_user_id}"
        else:
            raise RuntimeError("nowhere to deliver")
        first, *rest = message.text.split("\n")
        self.write(f"[{label}] bot: {first}")
        for line in rest:
            self.write(f"  {line}")
        attachment = message.extras.attachment
        if attachment:
            size = len(attachment.content.encode())
            size_line = TN("{name} ({n} byte)", "{name} ({n} bytes)", size, name=Raw(attachment.name))
            self.write("  📎 " + size_line.render(Lang(message.locale, ZoneInfo("UTC"), NETWORK)))
        return str(message.id)


class ConsoleSession:
    """Feeds transcript lines to the forum and prints what the bot sends."""

    def __init__(self, forum: Forum, write: Callable[[str], None] = print, echo: bool = False,
                 id_prefix: str | None = None) -> None:
        self.forum = forum
        self.transport = ConsoleTransport(write)
        self.write = write
        self.echo = echo
        self.id_prefix = id_prefix or uuid.uuid4().hex[:8]
        self.tz = ZoneInfo(forum.config.timezone)
        self.resumable = False
        self.clock_set = False  # the first `@at` sets the clock (nothing is run from SCRIPT_START); later ones advance

    @property
    def clock(self) -> SimulatedClock:
        assert isinstance(self.forum.clock, SimulatedClock)
        return self.forum.clock

    async def feed(self, line: str, lineno: int) -> None:
        """Play one transcript line (raises TranscriptError when it is malformed)."""
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if self.echo and stripped:
                self.write(stripped)
            return
        if self.echo:
            self.write(("> " + stripped) if stripped.startswith("[") else stripped)
        if stripped.startswith("@"):
            self._directive(stripped, lineno)
        else:
            await self._message(stripped, lineno)
        await drain_outbox(self.forum, self.transport)

    def _directive(self, line: str, lineno: int) -> None:
        if match := _AT.match(line):
            try:
                local = datetime.fromisoformat(f"{match.group(1)} {match.group(2) or '00:00'}".replace(" 0:", " 00:"))
            except ValueError as exc:
                raise TranscriptError(lineno, f"@at needs a date like 2024-01-15 09:00 ({exc})") from exc
            when = local.replace(tzinfo=self.tz)
            if self.clock_set and when > self.clock.now():
                self.forum.advance_to(when, self._done_elsewhere(lineno))
            else:
                self.clock.set(when)
            self.clock_set = True
        elif match := _ADVANCE.match(line):
            try:
                delta = Duration(minutes_m=True).convert(match.group(1))
            except ValueError as exc:
                raise TranscriptError(lineno, "@advance needs a duration like 30m, 2h, 7d or 1w") from exc
            self.forum.advance_to(self.clock.now() + delta, self._done_elsewhere(lineno))
        elif match := _ADMIN.match(line):
            self.make_admin(match.group(1))
        else:
            raise TranscriptError(lineno, "expected @at DATE TIME, @advance DURATION or @admin NAME")

    def make_admin(self, name: str) -> None:
        """Bootstrap admin on the console network."""
        self.forum.bootstrap_admin(NETWORK, name)

    async def _message(self, line: str, lineno: int) -> None:
        match = _MESSAGE.match(line)
        if not match:
            raise TranscriptError(lineno, "expected [room] user: text, or [dm] user: text")
        room, user, text = match.group(1).strip(), match.group(2), match.group(3)
        private = room == "dm"
        await self.forum.handle(Incoming(
            network=NETWORK, event_id=f"{self.id_prefix}:{lineno}",
            room_id=f"dm:{user}" if private else room, room_title="" if private else room,
            is_private=private, user_id=user, handle=user, display_name=user, text=text,
            message_id=f"{self.id_prefix}:{lineno}"))

    async def play(self, lines: Iterable[str], resume: bool = False) -> None:
        """Play the lines; with `resume`, skip those a previous run of the same script on this database finished.

        A restarted script resumes where the last one stopped (as a chat transport resumes from its saved update
        offset), on the simulated clock it had reached. Replaying from the top instead would walk the clock
        through moments the database has already left behind, and run due passes there against later data: an
        alert for a milestone added in May would be sent "on April 1", before the milestone existed. The line that
        was under way when the process died is played again: its message is recognised by its event id, and due
        work already done is found done.
        """
        self.resumable = resume
        done, clock = self._position() if resume else (0, None)
        if clock is not None:
            self.clock.set(clock)
            self.clock_set = True
            await drain_outbox(self.forum, self.transport)
        for lineno, line in enumerate(lines, start=1):
            if lineno <= done:
                continue
            await self.feed(line.rstrip("\n"), lineno)
            if resume:
                self._save_position(lineno)

    def _done_elsewhere(self, lineno: int) -> Callable[[], bool] | None:
        """For a resumable script: has another process playing it on this database finished this line already?"""
        if not self.resumable:
            return None
        return lambda: self._position()[0] >= lineno

    @property
    def _position_key(self) -> str:
        return f"console.script.{self.id_prefix}"

    def _position(self) -> tuple[int, datetime | None]:
        value = get_state(self.forum.engine, self._position_key)
        if value is None:
            return 0, None
        lineno, _, when = value.partition(" ")
        return int(lineno), datetime.fromisoformat(when)

    def _save_position(self, lineno: int) -> None:
        value = f"{lineno} {self.clock.now().isoformat()}"
        with unit_of_work(self.forum.engine) as session:
            row = session.get(KeyValue, self._position_key)
            if row is None:
                session.add(KeyValue(key=self._position_key, value=value))
            elif int(row.value.partition(" ")[0]) < lineno:
                row.value = value


def script_prefix(text: str) -> str:
    """Event ids of a script are stable, so replaying it on the same database changes nothing twice."""
    return "s" + hashlib.sha256(text.encode()).hexdigest()[:10]


async def run_script(forum: Forum, text: str, write: Callable[[str], None] = print, echo: bool = False) -> int:
    """Play a whole transcript; exit status 2 with the line number on a malformed line."""
    session = ConsoleSession(forum, write, echo=echo, id_prefix=script_prefix(text))
    try:
        await session.play(text.splitlines(), resume=True)
    except TranscriptError as exc:
        print(f"forum-bot: {exc}", file=sys.stderr)
        return 2
    return 0


async def run_interactive(forum: Forum, user: str = "you") -> int:
    """Read lines from standard input; a bare line is `[console] you: line`, and `you` is an admin."""
    session = ConsoleSession(forum, print)
    session.make_admin(user)
    real = RealClock()
    banner = T("Forum Bot console. Type /help, or lines like “{example}”. You are “{user}” (admin). Ctrl-D quits.",
               example=Raw("[plenary] alice: /propose …"), user=Raw(user))
    print(banner.render(Lang(forum.config.default_language, ZoneInfo(forum.config.timezone), NETWORK)), flush=True)
    await drain_outbox(forum, session.transport)
    for lineno, raw in enumerate(sys.stdin, start=1):
        line = raw.strip()
        if session.clock.now() < real.now():
            forum.advance_to(real.now())
        if line and not line.startswith(("[", "@", "#")):
            line = f"[console] {user}: {line}"
        try:
            await session.feed(line, lineno)
        except TranscriptError as exc:
            print(f"? {exc}")
    return 0
