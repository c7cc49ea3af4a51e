"""The secret-ballot key: where it comes from, and the guard that keeps it unchanged while a secret vote is open.

The key is what makes a secret choice's `slot` impossible to recompute from the database alone
(bot/storage/tables/votes.py), so it is never stored there. In order:

1. the environment variable FORUMBOT_BALLOT_KEY;
2. the file named by `ballot_key_file` in config.toml;
3. a SQLite file database: `<database file>.ballot-key`, generated (random, mode 0600) on the first start and read
   on every later one;
4. an in-memory SQLite database (tests, throwaway consoles): a random key for this process, gone with the data;
5. PostgreSQL with none of the above: the bot stops, naming the setting. Several processes share such a database
   and must share the key, so none of them may invent one.

A voter who changes a secret ballot is found by the slot computed with the key. With another key, their earlier
choice would not be found and they would be counted twice. So the database keeps a fingerprint of the key (an HMAC
of a constant, which tells nothing about the key): a start with another key is refused while a secret vote is
open, and accepted otherwise (the new fingerprint is recorded). Each secret ballot checks the fingerprint too, so
a process still running with an old key cannot mix slots with one started with a new key.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
import tempfile
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.config import BALLOT_KEY_ENV, MIN_BALLOT_KEY_LENGTH, BallotKeyError, Config, ConfigError
from bot.storage.db import unit_of_work
from bot.storage.tables import KeyValue, Vote

log = logging.getLogger("forumbot")

__all__ = ["BallotKeyError", "check_at_start", "check_in_session", "fingerprint", "open_secret_votes",
           "resolve_ballot_key", "sqlite_key_file"]

FINGERPRINT_STATE = "ballot_key.fingerprint"
KEY_FILE_SUFFIX = ".ballot-key"
_FINGERPRINT_INPUT = b"forum-bot ballot key fingerprint v1"
_PROCESS_KEY = secrets.token_hex(32)  # for in-memory databases: they live no longer than this process


def _read_key(path: Path, setting: str) -> str:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(setting, f"a readable file holding the ballot key ({exc.strerror})", str(path)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(setting, "a text file holding the ballot key", str(path)) from exc
    if len(key) < MIN_BALLOT_KEY_LENGTH:
        raise ConfigError(setting, f"a file holding a random string of at least {MIN_BALLOT_KEY_LENGTH} characters",
                          str(path))
    return key


def _create_key_file(path: Path) -> None:
    """Write a new random key to `path`, readable by this user only; never replace an existing file."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def sqlite_key_file(database_url: str) -> Path | None:
    """`<database file>.ballot-key` for a SQLite file database; None for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(f"{Path(url.database or '').resolve()}{KEY_FILE_SUFFIX}")


def resolve_ballot_key(config: Config) -> tuple[str, str]:
    """The key and where it came from (for messages); raises ConfigError when there is none to use."""
    if config.ballot_key:
        return config.ballot_key, BALLOT_KEY_ENV
    if config.ballot_key_file:
        path = Path(config.ballot_key_file)
        return _read_key(path, "ballot_key_file"), f"ballot_key_file {path}"
    url = make_url(config.database_url)
    if url.get_backend_name() == "sqlite":
        path_or_none = sqlite_key_file(config.database_url)
        if path_or_none is None:
            return _PROCESS_KEY, "a random key for this in-memory database"
        if not path_or_none.exists():
            _create_key_file(path_or_none)
            log.info("generated a new ballot key in %s: back it up with the database", path_or_none)
        return _read_key(path_or_none, str(path_or_none)), f"the file {path_or_none}"
    raise ConfigError("ballot_key_file", f"the path of a file holding the ballot key (or the environment variable "
                                         f"{BALLOT_KEY_ENV}): with a {url.get_backend_name()} database it is not "
                                         "generated, since every process sharing the database must use the same key")


def fingerprint(key: str) -> str:
    """Identifies a key without revealing it."""
    return hmac.new(key.encode(), _FINGERPRINT_INPUT, hashlib.sha256).hexdigest()


def open_secret_votes(session: Session) -> list[int]:
    return [v for v in session.exec(select(Vote.id).where(col(Vote.secret).is_(True), Vote.status == "open")
                                    .order_by(col(Vote.id))).all() if v is not None]


def check_at_start(engine: Engine, key: str, source: str) -> None:
    """Record the key's fingerprint; refuse another key while a secret vote is open (BallotKeyError)."""
    mine = fingerprint(key)
    for attempt in range(2):
        try:
            with unit_of_work(engine) as session:
                row = session.get(KeyValue, FINGERPRINT_STATE)
                if row is None:
                    session.add(KeyValue(key=FINGERPRINT_STATE, value=mine))
                    return
                if row.value == mine:
                    return
                open_votes = open_secret_votes(session)
                if open_votes:
                    refs = ", ".join(f"V{number}" for number in open_votes)
                    raise BallotKeyError(
                        f"the ballot key ({source}) is not the one in use when the open secret vote(s) {refs} "
                        "started: start again with that key until they close (with another key, a voter who "
                        "changes their ballot would be counted twice)")
                row.value = mine
                log.warning("the ballot key changed (%s); no secret vote is open, so the new key is used", source)
                return
        except IntegrityError:  # another process recorded its fingerprint at the same moment: compare with it
            if attempt:
                raise


def check_in_session(session: Session, key: str) -> bytes:
    """The key as bytes, once checked against the recorded fingerprint (before a secret ballot is read or written).

    A mismatch means that another process sharing the database has started with another key since this one
    started: its slots and ours would never match, so this process must not touch secret ballots any more."""
    if not key:
        raise BallotKeyError("no ballot key: the Forum resolves it at start (bot/ballot_key.py)")
    row = session.get(KeyValue, FINGERPRINT_STATE)
    if row is not None and row.value != fingerprint(key):
        raise BallotKeyError("this process's ballot key is not the one recorded in the database: another process "
                             "started with a different key; restart this one with the key now in use")
    return key.encode()
