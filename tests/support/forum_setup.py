"""Set-ups that many tests share, as transcript lines: `start() + committee() + propose("Publish the minutes")`.

Each helper returns the console lines (tests/transcript.py plays them) that an admin, `alice` unless said, would
type to get there, so a test's set-up reads as a short transcript and says only what is particular to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

ADMIN = "alice"
DAY_ONE = "2024-01-15 09:00"  # tests.support.FORUM_EPOCH, in Paris


def lines(*texts: str) -> str:
    return "".join(f"{text}\n" for text in texts)


def start(at: str | None = DAY_ONE, admin: str = ADMIN) -> str:
    """The clock set (`@at`, local time) and the bootstrap admin."""
    return lines(*([f"@at {at}"] if at else []), f"@admin {admin}")


def room(name: str, purpose: str, *, english: bool = False, admin: str = ADMIN) -> str:
    """The admin tells the bot what room `name` is for (`plenary`, `committee`, `secretariat`, `group <slug>`);
    `english`: the room speaks English."""
    return lines(f"[{name}] {admin}: /room {purpose}", *([f"[{name}] {admin}: /lang room en"] if english else []))


def group(slug: str, name: str, *, created_in: str = "secretariat", admin: str = ADMIN) -> str:
    """A working group made from `created_in`, and its room (named by its slug)."""
    return lines(f"[{created_in}] {admin}: /group add {slug} {name}") + room(slug, f"group {slug}", admin=admin)


def roles(granted: Iterable[tuple[str, str]], *, where: str = "plenary", admin: str = ADMIN) -> str:
    """`/role @person role` for each (person, role), sent in room `where`."""
    return lines(*(f"[{where}] {admin}: /role @{person} {role}" for person, role in granted))


def choose_english(*people: str) -> str:
    """Each person sets their own language to English, privately."""
    return lines(*(f"[dm] {person}: /lang en" for person in people))


def committee(members: Sequence[str] = ("carol", "dave", "erin"), *, cochair: str = "bob",
              rooms: Sequence[str] = ("committee",), plenary: bool = True,
              english: Sequence[str] | None = None) -> str:
    """The management committee: its rooms (English), the plenary room (English), a co-chair and the committee
    members given their roles in the plenary, and each of them (or only `english`) choosing English."""
    made = "".join(room(name, "committee", english=True) for name in rooms)
    if plenary:
        made += room("plenary", "plenary", english=True)
    made += roles([(cochair, "cochair"), *((member, "committee") for member in members)])
    return made + choose_english(*(english if english is not None else (cochair, *members)))


def propose(title: str, *, by: str = "carol", where: str = "committee") -> str:
    return lines(f"[{where}] {by}: /propose {title}")


def commitment(code: str, title: str, *, group: str | None = None, milestones: Iterable[tuple[str, str]] = (),
               where: str = "secretariat", admin: str = ADMIN) -> str:
    """A commitment of the action plan, optionally led by `group`, with its milestones as (period, title)."""
    led = f" group={group}" if group else ""
    return lines(f"[{where}] {admin}: /commitment add {code} {title}{led}",
                 *(f"[{where}] {admin}: /milestone add {code} {period} {name}" for period, name in milestones))


def commitment_with_milestones(milestones: Iterable[tuple[str, str]] = (), *, code: str = "FR0112",
                               title: str = "Institutionnaliser un espace de dialogue",
                               group_slug: str = "dialogue", group_name: str = "Dialogue") -> str:
    """The secretariat's room, a working group with its room, and a commitment it leads with `milestones`."""
    return room("secretariat", "secretariat") + group(group_slug, group_name) + commitment(
        code, title, group=group_slug, milestones=milestones)
