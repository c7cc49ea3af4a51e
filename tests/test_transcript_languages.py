"""Golden transcripts speak their readers' language: in a French transcript (the default language) no line the bot
rendered from an English sentence, in an English one (after `/lang en`, `/lang room en`) no French sentence.

Each catalogue sentence becomes a pattern (its placeholders match anything); a bot line that matches a sentence of
the other language, and none of its own, is reported with its line number. Sentences too short to tell the
languages apart (fewer than two words of letters outside placeholders) are left out."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from bot.catalog_quality import strings
from bot.catalogs import load

TRANSCRIPTS = Path(__file__).parent / "transcripts"
PLACEHOLDER = re.compile(r"\{[^}]*\}")


def _pattern(sentence: str) -> re.Pattern[str] | None:
    first = sentence.split("\n")[0]
    literal = PLACEHOLDER.sub(" ", first)
    if len(re.findall(r"[A-Za-zÀ-ÿ’']{2,}", literal)) < 2:
        return None
    parts = [re.escape(part) for part in PLACEHOLDER.split(first)]
    return re.compile("(?s)" + ".+?".join(parts) + "$")


@cache
def sentences(locale: str) -> tuple[re.Pattern[str], ...]:
    """The first line of every sentence of `locale`'s catalogue, as patterns, without those the other language
    writes the same."""
    own = {text.split("\n")[0] for m in load(locale) if m.id for text in strings(m)}
    other = {text.split("\n")[0] for m in load("en" if locale == "fr" else "fr") if m.id for text in strings(m)}
    return tuple(p for text in sorted(own - other) if (p := _pattern(text)) is not None)


def language_of(text: str) -> str | None:
    """`en` or `fr` when the line was rendered from a sentence of only one language, else None."""
    english = any(p.match(text) for p in sentences("en"))
    french = any(p.match(text) for p in sentences("fr"))
    return "en" if english and not french else "fr" if french and not english else None


PERSON_SWITCH = re.compile(r"(?:I will answer you in|Je vous répondrai en) (\w+)")
ROOM_SWITCH = re.compile(r"(?:This room now speaks|Ce salon parle désormais) (\w+)")


def _language(word: str) -> str:
    return "en" if word.lower() in ("english", "anglais") else "fr"

INPUT = re.compile(r"> \[([^\]]+)\] (\w+): ")
OUTPUT = re.compile(r"\[([^\]]+)\] bot: (.*)$")


def foreign_lines(path: Path, default: str = "fr") -> list[str]:
    """Bot lines not in their reader's language. A private line is read in the person's language (`/lang`), a
    room line in the room's (`/lang room`) or, for the answer to the line just written there, in its sender's."""
    people: dict[str, str] = {}
    rooms: dict[str, str] = {}
    sender, sender_room = "", ""
    wrong = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if written := INPUT.match(line):
            sender_room, sender = written.group(1), written.group(2)
            sender_room = f"dm {sender}" if sender_room == "dm" else sender_room
            continue
        if (said := OUTPUT.match(line)) is None:
            continue
        target, text = said.groups()
        if switch := PERSON_SWITCH.match(text):
            people[sender] = _language(switch.group(1))
        if switch := ROOM_SWITCH.match(text):
            rooms[target] = _language(switch.group(1))
        if target.startswith("dm "):
            expected = {people.get(target[3:], default)}
        else:
            answer = {people.get(sender, default)} if target == sender_room else set()
            expected = {rooms.get(target, default), *answer}
        found = language_of(text)
        if found is not None and found not in expected:
            wrong.append(f"{path.name}:{number}: {text}")
    return wrong


CASES = sorted(TRANSCRIPTS.glob("*.out"))


@pytest.mark.parametrize("path", CASES, ids=[c.stem for c in CASES])
def test_a_transcript_speaks_its_readers_language(path: Path) -> None:
    assert foreign_lines(path) == []


def test_the_scan_sees_a_foreign_line(tmp_path: Path) -> None:
    sample = tmp_path / "sample_fr.out"
    sample.write_text("> [plenary] alice: /voter V1 pour\n[plenary] bot: Vote V1 is open on P1: 3 people may vote "
                      "until 15 January 2024.\n[plenary] bot: Le vote V1 est clos.\n", encoding="utf-8")
    assert foreign_lines(sample) == ["sample_fr.out:2: Vote V1 is open on P1: 3 people may vote until "
                                           "15 January 2024."]
