"""The secret-ballot promise, checked on every row of the database rather than on the tables we know of.

The promise (bot/storage/tables/votes.py): while a secret vote is open nobody holding only the database can link a
ballot to its voter, and once it is closed no table links a voter to a choice, even for someone holding the key.

A secret motion and a secret election are played on the console, with changed ballots, a reason given (and not
kept), a withdrawal and a ballot refused in a group room; the simulated clock moves between ballots so that every
ballot has its own moment (a timestamp shared by two rows would then be a link). Then, while the votes are open
and again once they are closed, every table (`inspect(engine).get_table_names()`: a new table is covered without
changing this file) is read with its JSON parsed (tests/support/records.py), and:

- no row carries both an identifier of a voter and a choice of a secret vote;
- no row carrying a choice shares a value with a row carrying a voter, other than the vote's id (a slot, an id or
  a timestamp in common would be a join);
- while open, no simple function of public data (ids, handles, salt, the key's fingerprint…) gives a stored slot,
  and the real key does; once closed, slots and salts are gone, and so is every value they had;
- the private confirmations the bot sends a voter (in the outbox, next to the voter's room) never name the choice.

Finally the strongest form: the same script played with the voters' choices permuted (same totals, so the same
result) must leave a database that differs from the first only where two plays of the *same* script differ too
(random ids, salts, slots, the key). Whatever the bot stored that depends on who chose what, in any table, any
column, any wording, shows up there.

Not covered, because it is not in any column: the physical order of rows. On PostgreSQL, `ORDER BY ctid` on
secret_choice lists the choices in the order of each voter's last ballot, open or closed (an UPDATE writes a new
row version at the end, and closing rewrites them all in that order), which the audit log's times give per voter.
Old row versions (slots, salts) also stay in SQLite's WAL until a checkpoint, and in PostgreSQL's dead tuples until
a vacuum.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import re
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect

from bot.app import Forum
from bot.clock import SimulatedClock
from bot.config import Config
from bot.domain.votes.ballots import slot_of
from bot.rules.colleges import CollegeRules
from bot.storage.tables import Vote
from tests.support import FORUM_EPOCH
from tests.support.forum_setup import committee, lines, propose, start
from tests.support.records import KEY, Row, dump_tables, row_leaves
from tests.transcript import play

START = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)

# Every voter has a college (one college of four: its count is kept with the secret choices, bot/domain/votes/
# colleges.py), so the unlinkability below holds with colleges recorded.
SETUP = start() + committee() + propose("Publish the minutes") + lines(
    *(f"[plenary] alice: /college @{voter} civil-society" for voter in ("bob", "carol", "dave", "erin")),
    "[committee] bob: /vote open P1 secret",
    "[plenary] bob: /election open Board seats=2 candidates=@dave,@erin,@frank",
    "[committee] carol: /vote V1 no")
CLOSE = "[committee] bob: /vote close V1\n[plenary] bob: /vote close V2\n"

MOTION, ELECTION = 1, 2
VOTERS = ("bob", "carol", "dave", "erin")
CHOICE_WORDS = frozenset({"yes", "no", "abstain"})  # as the bot stores a motion's choice
CANDIDATES = ("dave", "erin", "frank")

# (voter, vote, what they send), in order. Each election ballot approves one candidate: a one-element list is never
# equal to the election's public lists (its three candidates, the two elected), so finding it means a ballot.
Ballots = list[tuple[str, int, str]]
PLAYED: Ballots = [
    ("carol", MOTION, "no"), ("carol", MOTION, "yes"),
    ("dave", MOTION, "no"), ("dave", MOTION, "abstain because I was not there"),
    ("erin", MOTION, "yes"), ("erin", MOTION, "withdraw"), ("erin", MOTION, "yes"),
    ("bob", MOTION, "no"),
    ("bob", ELECTION, "@dave"),
    ("carol", ELECTION, "@frank"), ("carol", ELECTION, "@erin"),
    ("dave", ELECTION, "@dave"),
    ("erin", ELECTION, "@erin"),
]
# The same moves, the choices permuted among the voters: the final choices are the same multiset (motion: yes, yes,
# abstain, no; election: dave, dave, erin, erin), so the result, every count and every message to a room are the same.
PERMUTED: Ballots = [
    ("carol", MOTION, "yes"), ("carol", MOTION, "abstain"),
    ("dave", MOTION, "abstain"), ("dave", MOTION, "yes because I was not there"),
    ("erin", MOTION, "no"), ("erin", MOTION, "withdraw"), ("erin", MOTION, "no"),
    ("bob", MOTION, "yes"),
    ("bob", ELECTION, "@erin"),
    ("carol", ELECTION, "@dave"), ("carol", ELECTION, "@dave"),
    ("dave", ELECTION, "@erin"),
    ("erin", ELECTION, "@dave"),
]


def script(ballots: Ballots) -> tuple[str, dict[int, tuple[str, int, str]]]:
    """The transcript, and the line number of each ballot (its console event id is `t:<line>`)."""
    lines = SETUP.splitlines()
    at: dict[int, tuple[str, int, str]] = {}
    for voter, vote, text in ballots:
        lines.append("@advance 7m")  # every ballot at its own moment
        lines.append(f"[dm] {voter}: /vote V{vote} {text}")
        at[len(lines)] = (voter, vote, text)
    return "\n".join(lines) + "\n", at


def final_choices(ballots: Ballots) -> dict[int, dict[str, str]]:
    """Each voter's last ballot per vote, as sent (its first word), a withdrawn one left out."""
    last: dict[int, dict[str, str]] = {MOTION: {}, ELECTION: {}}
    for voter, vote, text in ballots:
        if text == "withdraw":
            last[vote].pop(voter, None)
        else:
            last[vote][voter] = text.split()[0]
    return last


# --------------------------------------------------------------------------- who is in a row, what is in a row


@dataclass
class Identities:
    """Everything that identifies each voter in this database: ids by kind of row they point to, and strings."""

    by_table: dict[str, dict[Any, str]] = field(default_factory=dict)  # referred table → {its id: voter}
    strings: dict[str, str] = field(default_factory=dict)  # handle, platform id, name, private room… → voter
    fks: dict[str, dict[str, str]] = field(default_factory=dict)  # table → {column: referred table}


PERSONISH = re.compile(r"(^|_)(person|author|voter|user|member|candidate)(_id)?$|_by$")
# Identifiers written into strings by the bot (outbox keys): "…@p3" (a person), "…@r4" (a room).
KEYED_IDS = {"person": re.compile(r"@p(\d+)(?!\d)"), "room": re.compile(r"@r(\d+)(?!\d)")}


def identities(engine: Engine, dump: dict[str, list[Row]]) -> Identities:
    ids = Identities()
    insp = inspect(engine)
    for table in dump:
        ids.fks[table] = {fk["constrained_columns"][0]: fk["referred_table"] for fk in insp.get_foreign_keys(table)
                          if len(fk["constrained_columns"]) == 1}
    names = {p["id"]: p["display_name"] for p in dump["person"]}
    voter_ids = {pid: name for pid, name in names.items() if name in VOTERS}
    ids.by_table["person"] = dict(voter_ids)
    ids.by_table["account"] = {a["id"]: voter_ids[a["person_id"]] for a in dump["account"]
                               if a["person_id"] in voter_ids}
    ids.by_table["room"] = {r["id"]: voter_ids[r["person_id"]] for r in dump["room"]
                            if r["is_private"] and r["person_id"] in voter_ids}
    for name in voter_ids.values():
        ids.strings[name] = name
    for account in dump["account"]:
        voter = voter_ids.get(account["person_id"])
        for value in (account["handle"], account["platform_user_id"]):
            if voter and value:
                ids.strings[value] = ids.strings[f"@{value}"] = voter
    for room in dump["room"]:
        if room["id"] in ids.by_table["room"]:
            ids.strings[room["platform_room_id"]] = ids.by_table["room"][room["id"]]
    return ids


def voters_in(ids: Identities, table: str, row: Row) -> set[str]:
    """The voters a row identifies: by a reference (foreign key, or a person-ish column), its own id (a person,
    account or private room row), an audit entry's object, or a handle, name or keyed id inside any string."""
    found: set[str] = set()
    own = ids.by_table.get(table, {})
    if "id" in row and row["id"] in own:
        found.add(own[row["id"]])
    for column, value in row.items():
        referred = ids.fks[table].get(column) or ("person" if PERSONISH.search(column) else None)
        if referred in ids.by_table and isinstance(value, int | str) and value in ids.by_table[referred]:
            found.add(ids.by_table[referred][value])
    if row.get("object_type") in ids.by_table and row.get("object_id") is not None:
        objects = {str(k): v for k, v in ids.by_table[row["object_type"]].items()}
        if str(row["object_id"]) in objects:
            found.add(objects[str(row["object_id"])])
    for _, leaf in row_leaves(row):
        if not isinstance(leaf, str):
            continue
        for kind, pattern in KEYED_IDS.items():
            for number in pattern.findall(leaf):
                if int(number) in ids.by_table[kind]:
                    found.add(ids.by_table[kind][int(number)])
        for text, voter in ids.strings.items():
            if re.search(rf"(?<![\w@:]){re.escape(text)}(?![\w])", leaf):
                found.add(voter)
    return found


def ballot_lists(dump: dict[str, list[Row]], ballots: Ballots) -> set[tuple[int, ...]]:
    """An election's ballots as the bot stores them: sorted person ids."""
    person = {p["display_name"]: p["id"] for p in dump["person"]}
    return {(person[text.lstrip("@")],) for _, vote, text in ballots if vote == ELECTION and text != "withdraw"}


def choice_paths(row: Row, election_ballots: set[tuple[int, ...]]) -> dict[tuple[Any, ...], str]:
    """Where a row holds a secret choice, as stored: a motion's word, or an election ballot (a list of person ids),
    anywhere in the row, JSON included. Dict keys are not choices: {"yes": 3} in a result is a count."""
    found: dict[tuple[Any, ...], str] = {}
    for path, leaf in row_leaves(row):
        if path and path[-1] == KEY:
            continue
        if isinstance(leaf, str) and leaf in CHOICE_WORDS:
            found[path] = leaf
        elif isinstance(leaf, list) and leaf and all(isinstance(i, int) and not isinstance(i, bool) for i in leaf) \
                and tuple(sorted(leaf)) in election_ballots:
            found[path] = json.dumps(sorted(leaf))
    return found


def choices_in(row: Row, election_ballots: set[tuple[int, ...]]) -> set[str]:
    return set(choice_paths(row, election_ballots).values())


def secret_vote_ids(dump: dict[str, list[Row]]) -> set[int]:
    return {v["id"] for v in dump["vote"] if v["secret"]}


def about_another_vote(ids: Identities, table: str, row: Row, secret: set[int]) -> bool:
    """A row that belongs to a vote that is not secret (an open ballot may name its voter's choice)."""
    for column, referred in ids.fks[table].items():
        if referred == "vote" and row.get(column) is not None and row[column] not in secret:
            return True
    return row.get("object_type") == "vote" and str(row.get("object_id")) not in {str(s) for s in secret}


def normalised(leaf: Any) -> str | None:
    """A value as it would be compared in a join: times as ISO UTC (also when a string holds one), numbers as text."""
    if leaf is None or isinstance(leaf, bool | list):
        return None
    if isinstance(leaf, datetime):
        return leaf.astimezone(UTC).isoformat()
    if isinstance(leaf, str):
        try:
            when = datetime.fromisoformat(leaf)
        except ValueError:
            return leaf
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return str(leaf)


def row_values(row: Row, but: Iterable[tuple[Any, ...]] = ()) -> set[str]:
    """The row's values as a join would compare them, but those at or under the paths `but`."""
    skipped = list(but)
    return {v for path, leaf in row_leaves(row) if not any(path[:len(p)] == p for p in skipped)
            and (v := normalised(leaf)) is not None}


@dataclass
class Located:
    table: str
    row: Row
    voters: set[str]
    choices: dict[tuple[Any, ...], str]  # path in the row → choice


def locate(engine: Engine, dump: dict[str, list[Row]], ballots: Ballots) -> list[Located]:
    ids = identities(engine, dump)
    secret = secret_vote_ids(dump)
    assert secret == {MOTION, ELECTION}
    election_ballots = ballot_lists(dump, ballots)
    out = []
    for table, rows in dump.items():
        for row in rows:
            if not about_another_vote(ids, table, row, secret):
                out.append(Located(table, row, voters_in(ids, table, row), choice_paths(row, election_ballots)))
    return out


def shared_colleges(dump: dict[str, list[Row]]) -> set[str]:
    """The colleges a secret choice may keep: those of at least `secret_min_voters` voters in the vote's
    electorate (a college narrows a choice down to that many people, never fewer; bot/domain/votes/colleges.py)."""
    minimum = CollegeRules().secret_min_voters
    kept = {str(c["college"]) for c in dump["secret_choice"] if c.get("college")}
    sizes = {college: sum(1 for e in dump["electorate"] if e.get("college") == college) for college in kept}
    assert all(size >= minimum for size in sizes.values()), f"a secret choice keeps a small college: {sizes}"
    return kept


def links(engine: Engine, dump: dict[str, list[Row]], ballots: Ballots) -> list[str]:
    """Every way the dump links a voter to a secret choice: in one row, or through a value two rows share."""
    located = locate(engine, dump, ballots)
    # the check must see what it looks for: voters in the participation rows, choices in the secret choices
    assert {v for r in located if r.table == "participation" for v in r.voters} == set(VOTERS)
    assert any(r.choices for r in located if r.table == "secret_choice")
    found = [f"{r.table} row names {sorted(r.voters)} and holds {sorted(set(r.choices.values()))}: {r.row}"
             for r in located if r.voters and r.choices]
    allowed = {str(v) for v in secret_vote_ids(dump)} | {f"V{v}" for v in secret_vote_ids(dump)}
    allowed |= shared_colleges(dump)
    with_voter = [(r, row_values(r.row)) for r in located if r.voters]
    for chosen in (r for r in located if r.choices and not r.voters):
        keys = row_values(chosen.row, but=chosen.choices) - allowed
        for voter_row, values in with_voter:
            shared = keys & values
            if shared:
                found.append(f"{chosen.table} row {chosen.row} shares {sorted(shared)} with {voter_row.table} row "
                             f"naming {sorted(voter_row.voters)}: {voter_row.row}")
    return found


def assert_unlinked(engine: Engine, dump: dict[str, list[Row]], ballots: Ballots, state: str) -> None:
    found = links(engine, dump, ballots)
    assert not found, f"{state}: {len(found)} links between a voter and a secret choice:\n" + "\n".join(found[:10])


# --------------------------------------------------------------------------- slots


def decoded(slots: set[str]) -> dict[bytes, str]:
    """The bytes each stored slot may encode (hex, base64), to compare digests without encoding each guess."""
    raw: dict[bytes, str] = {}
    for slot in slots:
        for decode in (bytes.fromhex, base64.b64decode, base64.urlsafe_b64decode,
                       lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))):
            with contextlib.suppress(ValueError):
                raw[decode(slot)] = slot
    return raw


def guessed_slots(stored: set[str], vote: Row, person: Row, accounts: list[Row], rooms: list[Row],
                  public_keys: list[bytes]) -> set[str]:
    """The stored slots anyone could compute from the database alone: concatenations of a voter's identifiers with
    the vote's id and salt, raw or hashed (plain digests, digests with the salt around, HMACs with an empty,
    constant, salt-derived or public key), in hex or base64."""
    raw = decoded(stored)
    salt = vote["salt"] or ""
    parts = sorted({str(vote["id"]), f"V{vote['id']}", str(person["id"]), person["display_name"], salt,
                    *(str(a["id"]) for a in accounts), *(a["handle"] for a in accounts if a["handle"]),
                    *(f"@{a['handle']}" for a in accounts if a["handle"]),
                    *(a["platform_user_id"] for a in accounts if a["platform_user_id"]),
                    *(r["platform_room_id"] for r in rooms)})
    salt_bytes = bytes.fromhex(salt) if salt else b""
    keys = [b"", salt_bytes, salt.encode(), str(vote["id"]).encode(), b"secret", b"key", b"forum-bot",
            *public_keys]
    algorithms = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_256", "blake2b", "blake2s")
    found: set[str] = set()
    for size in (1, 2, 3):
        separators = ("",) if size == 1 else ("", ":", "|", "-", "_", "/", ",", " ") if size == 2 else ("", ":", "|")
        for combo in itertools.permutations(parts, size):
            for sep in separators:
                text = sep.join(combo)
                if text in stored:
                    found.add(text)
                message = text.encode()
                for algorithm in algorithms:
                    for data in (message, salt_bytes + message, message + salt_bytes):
                        digest = hashlib.new(algorithm, data).digest()
                        if digest in raw:
                            found.add(raw[digest])
                for key in keys:
                    for algorithm in ("md5", "sha1", "sha256", "sha512"):
                        digest = hmac.digest(key, message, algorithm)
                        if digest in raw:
                            found.add(raw[digest])
    return found


def slot_checks(dump: dict[str, list[Row]], ballot_key: str, ballots: Ballots) -> None:
    """While open: the stored slots are exactly the keyed ones, and none is computable from public data."""
    person = {p["display_name"]: p for p in dump["person"]}
    public_keys = [v for row in dump["key_value"] for v in (str(row["value"]).encode(), *_hex_bytes(str(row["value"])))]
    current = final_choices(ballots)
    for vote_row in dump["vote"]:
        stored = {row["slot"] for row in dump["secret_choice"] if row["vote_id"] == vote_row["id"]}
        assert None not in stored and vote_row["salt"], vote_row
        vote = Vote(id=vote_row["id"], title="", body="", opens_at=START, closes_at=START, salt=vote_row["salt"])
        keyed = {name: slot_of(vote, person[name]["id"], ballot_key.encode()) for name in current[vote_row["id"]]}
        assert stored == set(keyed.values()), "the slots in the database are not those the ballot key gives"
        for name in VOTERS:
            who = person[name]
            accounts = [a for a in dump["account"] if a["person_id"] == who["id"]]
            rooms = [r for r in dump["room"] if r["person_id"] == who["id"]]
            guessed = guessed_slots(stored, vote_row, who, accounts, rooms, public_keys)
            assert not guessed, f"V{vote_row['id']}: {name}'s slot is computable without the key: {guessed}"


def _hex_bytes(value: str) -> list[bytes]:
    try:
        return [bytes.fromhex(value)]
    except ValueError:
        return []


# --------------------------------------------------------------------------- what the voter is told


WORD = re.compile(r"[\w@]+")


def confirmation_checks(dump: dict[str, list[Row]], at: dict[int, tuple[str, int, str]]) -> None:
    """Every ballot got its private reply (kept in the outbox, next to the voter's room); none names the choice."""
    rooms = {r["id"]: r for r in dump["room"]}
    person = {p["id"]: p["display_name"] for p in dump["person"]}
    for line, (voter, vote, _) in at.items():
        replies = [m for m in dump["outbox"] if m["key"].startswith(f"reply:console:t:{line}:")]
        assert replies, f"no reply to line {line}"
        for message in replies:
            room = rooms[message["room_id"]]
            assert room["is_private"] and person[room["person_id"]] == voter  # so it names the voter
            assert "ballot" in message["text"]
            words = {w.lower().lstrip("@") for w in WORD.findall(message["text"])}
            named = words & (CHOICE_WORDS if vote == MOTION else set(CANDIDATES))
            assert not named, f"the reply to {voter}'s secret ballot names {named}: {message['text']!r}"
            assert not choices_in(message, {(i,) for i in person}), message


# --------------------------------------------------------------------------- the tests


async def test_no_row_links_a_voter_to_a_secret_choice(forum: Forum) -> None:
    text, at = script(PLAYED)
    out = await play(forum, text)
    assert "your ballot was NOT recorded" in out and "Your ballot in V1 is withdrawn." in out
    assert "!!" not in out

    opened = dump_tables(forum.engine)
    assert {v["status"] for v in opened["vote"]} == {"open"}
    assert {c["college"] for c in opened["secret_choice"] if c["vote_id"] == MOTION} == {"civil-society"}
    assert_unlinked(forum.engine, opened, PLAYED, "open")
    slot_checks(opened, forum.config.ballot_key, PLAYED)
    confirmation_checks(opened, at)
    # the reason given with a secret ballot is dropped ("Reasons are not kept in a secret vote.")
    assert "not there" not in json.dumps(opened, default=str)

    out = await play(forum, CLOSE, prefix="c")
    assert "Yes: 2 · No: 1 · Abstentions: 1" in out and "Elected: @dave, @erin." in out
    closed = dump_tables(forum.engine)
    assert_unlinked(forum.engine, closed, PLAYED, "closed")
    confirmation_checks(closed, at)
    assert [row["slot"] for row in closed["secret_choice"]] == [None] * 8
    assert [row["salt"] for row in closed["vote"]] == [None, None]
    assert sorted(row["choice"] for row in closed["secret_choice"] if row["vote_id"] == MOTION) == \
        ["abstain", "no", "yes", "yes"]
    # and what the slots and salts were is nowhere else either
    gone = {r["slot"] for r in opened["secret_choice"]} | {v["salt"] for v in opened["vote"]}
    everything = {v for rows in closed.values() for row in rows for v in row_values(row)}
    assert not gone & everything


@pytest.fixture
def another_forum(config: Config, request: pytest.FixtureRequest, tmp_path: Path
                  ) -> Iterator[Callable[[str], Forum]]:
    """More forums on fresh databases of the same kind as `forum`'s (SQLite or PostgreSQL), with a given key."""
    made: list[tuple[Forum, Callable[[], None]]] = []

    def make(ballot_key: str) -> Forum:
        if config.database_url.startswith("sqlite"):
            path = tmp_path / f"another-{len(made)}.sqlite3"
            shutil.copy(request.getfixturevalue("migrated_template"), path)
            url, drop = f"sqlite:///{path}", lambda: None
        else:
            cluster = request.getfixturevalue("postgres_cluster")
            name = f"forumbot_test_{uuid.uuid4().hex[:16]}"
            url = cluster.create_database(name, template=request.getfixturevalue("postgres_template"))

            def drop() -> None:
                cluster.drop_database(name)
        forum = Forum(replace(config, database_url=url, ballot_key=ballot_key), SimulatedClock(FORUM_EPOCH),
                      migrate=False)
        made.append((forum, drop))
        return made[-1][0]

    yield make
    for other, drop in made:
        other.engine.dispose()
        drop()


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


# What differs between two plays of the same script: random by design. Anything else differing is a surprise.
RANDOM = {("secret_choice", "id"), ("secret_choice", "slot"), ("vote", "salt")}


def noise(first: dict[str, list[Row]], again: dict[str, list[Row]]) -> set[tuple[str, str]]:
    """(table, column) whose values differ between two plays of the same script."""
    found = set()
    for table, rows in first.items():
        for column in rows[0] if rows else ():
            if sorted(canonical(r[column]) for r in rows) != sorted(canonical(r[column]) for r in again[table]):
                found.add((table, column))
    return found


def differences(first: dict[str, list[Row]], other: dict[str, list[Row]], masked: set[tuple[str, str]]
                ) -> list[str]:
    found = []
    for table, rows in first.items():
        def seen(rows: list[Row], table: str = table) -> list[str]:
            return sorted(canonical({c: (None if (table, c) in masked else v) for c, v in r.items()}) for r in rows)
        mine, theirs = seen(rows), seen(other[table])
        if mine != theirs:
            found += [f"{table}: only with the first choices: {r}" for r in mine if r not in theirs]
            found += [f"{table}: only with the permuted choices: {r}" for r in theirs if r not in mine]
            found += [f"{table}: {len(mine)} rows against {len(theirs)}"] if len(mine) != len(theirs) else []
    return found


async def test_who_chose_what_changes_nothing_stored(forum: Forum, another_forum: Callable[[str], Forum]) -> None:
    """Permuting the choices among the voters (same totals) changes no row, but for what is random anyway."""
    # the same ballot key for the three (a SQLite database would generate its own, and the fingerprints differ)
    again, permuted = another_forum(forum.config.ballot_key), another_forum(forum.config.ballot_key)
    dumps: dict[str, list[dict[str, list[Row]]]] = {"open": [], "closed": []}
    for run, ballots in ((forum, PLAYED), (again, PLAYED), (permuted, PERMUTED)):
        out = await play(run, script(ballots)[0])
        assert "!!" not in out
        dumps["open"].append(dump_tables(run.engine))
        await play(run, CLOSE, prefix="c")
        dumps["closed"].append(dump_tables(run.engine))
    assert final_choices(PLAYED) != final_choices(PERMUTED)
    for state, (first, same, other) in dumps.items():
        random = noise(first, same)
        assert random <= RANDOM, f"{state}: unexpected randomness in {random - RANDOM}"
        found = differences(first, other, random)
        assert not found, f"{state}: who chose what shows in the database:\n" + "\n".join(found[:20])
