"""`forum-bot backup FILE` and `forum-bot restore FILE`: a forum's state in one archive, and back.

The archive is a .tar.gz (tarfile is in the standard library, keeps file modes and is what an operator's tools on a
Unix machine read: `tar tzf` lists it). It holds:

- `manifest.json`: the format version, the schema revision, the database kind, when it was made, the ballot key's
  fingerprint and the sha256 of every other file;
- `database/forum.sqlite3` (SQLite's online backup API, compacted) or `database/forum.pgdump` (`pg_dump
  --format=custom`), both consistent while the bot runs (bot/storage/dump.py);
- `matrix-store/…`: the Matrix crypto store, when Matrix is configured and its store exists (its SQLite files copied
  through the backup API as well).

Never the ballot key: whoever holds a database copied during a secret vote and the key can link voters to their
choices, so the key is backed up separately (docs/operations.md). Restoring asks for the same key (its fingerprint
must match the archive's): with another one, a voter changing their ballot in a vote still open would be counted
twice. A restore goes into an empty database only, never over a forum's data.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlmodel import col, select

from bot.ballot_key import FINGERPRINT_STATE, fingerprint, resolve_ballot_key, sqlite_key_file
from bot.config import Config
from bot.storage.db import is_sqlite, make_engine
from bot.storage.dump import (
    DumpError,
    copy_sqlite,
    dump_database,
    is_sqlite_file,
    load_database,
    sqlite_path,
    tables_with_rows,
)
from bot.storage.migrate import current_revision, known_revision, upgrade
from bot.storage.tables import KeyValue

FORMAT = "forum-bot backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database/forum.sqlite3", "postgresql": "database/forum.pgdump"}
STORE = "matrix-store"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")  # their content is in the copy the backup API makes
KEY_NOTE = "the ballot key is not in this archive: it is backed up separately (docs/operations.md)"


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    """What an archive holds (manifest.json)."""

    format_version: int
    schema_revision: str | None
    database: str
    created_at: str
    ballot_key_fingerprint: str | None
    matrix_store: bool
    files: dict[str, str]  # path in the archive → sha256

    def to_json(self) -> bytes:
        return json.dumps({"format": FORMAT, **asdict(self), "ballot_key": KEY_NOTE}, indent=2,
                          sort_keys=True).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw: dict[str, Any] = json.loads(data)
            if raw.get("format") != FORMAT or raw.get("format_version") != FORMAT_VERSION:
                raise BackupError(f"not a {FORMAT} of format version {FORMAT_VERSION} "
                                  f"(format {raw.get('format')!r}, version {raw.get('format_version')!r})")
            fields = {name: raw[name] for name in cls.__dataclass_fields__}
        except (ValueError, KeyError, AttributeError) as exc:
            raise BackupError(f"{MANIFEST} is not readable ({exc})") from exc
        return cls(**fields)


def database_kind(url: str) -> str:
    if is_sqlite(url):
        return "sqlite"
    if url.startswith(("postgresql", "postgres")):
        return "postgresql"
    raise BackupError(f"backups cover SQLite and PostgreSQL databases, not {url.split(':')[0]}")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- backup


def _describe(conn: Connection) -> tuple[str | None, str | None]:
    """The schema revision and the ballot key's fingerprint, as the copied database has them."""
    revision = MigrationContext.configure(conn).get_current_revision()
    if not inspect(conn).has_table(KeyValue.__tablename__):
        return revision, None  # not migrated yet
    recorded = conn.execute(select(col(KeyValue.value)).where(col(KeyValue.key) == FINGERPRINT_STATE)).scalar()
    return revision, recorded


def _is_side_file(path: Path) -> bool:
    """A SQLite database's journal or WAL file, beside its database."""
    return any(path.name.endswith(suffix) and path.with_name(path.name.removesuffix(suffix)).is_file()
               for suffix in SQLITE_SIDE_FILES)


def _copy_store(store: Path, target: Path) -> None:
    """The Matrix crypto store, its SQLite files copied consistently (the bot may be using them)."""
    for path in sorted(store.rglob("*")):
        if not path.is_file() or path.is_symlink() or _is_side_file(path):
            continue
        copy = target / path.relative_to(store)
        copy.parent.mkdir(parents=True, exist_ok=True)
        if is_sqlite_file(path):
            copy_sqlite(path, copy, compact=True)
        else:
            copy.write_bytes(path.read_bytes())


def _write_archive(staging: Path, manifest: Manifest, archive: Path) -> None:
    """The archive, readable by its owner only (it holds the forum's personal data and the Matrix device's keys),
    written beside its place and renamed: an interrupted backup never leaves a truncated archive under FILE."""
    part = archive.with_name(archive.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as tar:
            data = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            info.mtime = int(datetime.fromisoformat(manifest.created_at).timestamp())
            tar.addfile(info, io.BytesIO(data))
            for name in sorted(manifest.files):
                tar.add(staging / name, arcname=name, recursive=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, archive)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def backup(config: Config, archive: Path, now: datetime) -> Manifest:
    """Write `archive`: the database, the key's fingerprint, the Matrix store, a manifest. Raises BackupError."""
    kind = database_kind(config.database_url)
    if kind == "sqlite" and not sqlite_path(config.database_url).is_file():
        raise BackupError(f"no database at {sqlite_path(config.database_url)} (check --db or database_url)")
    store = Path(config.matrix.store_path)
    with_store = config.matrix.enabled and store.is_dir()
    with tempfile.TemporaryDirectory(prefix="forum-bot-backup-") as tmp:
        staging = Path(tmp)
        database = staging / DATABASE_FILES[kind]
        database.parent.mkdir()
        try:
            revision, recorded = dump_database(config.database_url, database, _describe)
            if with_store:
                _copy_store(store, staging / STORE)
        except (DumpError, OSError) as exc:
            raise BackupError(str(exc)) from exc
        files = {path.relative_to(staging).as_posix(): sha256(path)
                 for path in sorted(staging.rglob("*")) if path.is_file()}
        manifest = Manifest(FORMAT_VERSION, revision, kind, now.isoformat(), recorded, with_store, files)
        try:
            _write_archive(staging, manifest, archive)
        except OSError as exc:
            raise BackupError(f"cannot write {archive}: {exc.strerror or exc}") from exc
    return manifest


# --------------------------------------------------------------------------- restore


def _unpack(archive: Path, staging: Path) -> Manifest:
    """Extract the archive's files and check them against its manifest (nothing missing, extra or changed)."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = {member.name: member for member in tar.getmembers()}
            if MANIFEST not in members:
                raise BackupError(f"{archive} has no {MANIFEST}: not a forum-bot backup")
            handle = tar.extractfile(members.pop(MANIFEST))
            manifest = Manifest.from_json(handle.read() if handle else b"")
            extra = sorted(set(members) - set(manifest.files))
            if extra:
                raise BackupError(f"{archive} holds files its manifest does not list: {', '.join(extra)}")
            for name in manifest.files:
                if name not in members or not members[name].isfile():
                    raise BackupError(f"{archive} lacks {name}, listed in its manifest")
                tar.extract(members[name], staging, filter="data")
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise BackupError(f"cannot read {archive}: {exc}") from exc
    changed = [name for name, digest in manifest.files.items() if sha256(staging / name) != digest]
    if changed:
        raise BackupError(f"{archive} is damaged: the sha256 of {', '.join(changed)} is not the manifest's")
    return manifest


def _configured_key(config: Config) -> tuple[str, str]:
    """The ballot key this restore would start the forum with; never a newly generated one."""
    key_file = sqlite_key_file(config.database_url)
    if not (config.ballot_key or config.ballot_key_file) and key_file is not None and not key_file.exists():
        raise BackupError(f"no ballot key for this database: copy the forum's key to {key_file} (or set "
                          "ballot_key_file or FORUMBOT_BALLOT_KEY), then restore again; " + KEY_NOTE)
    return resolve_ballot_key(config)


def _check_key(config: Config, manifest: Manifest) -> None:
    if manifest.ballot_key_fingerprint is None:
        return  # a database the bot never started on: no key was ever used with it
    key, source = _configured_key(config)
    if fingerprint(key) != manifest.ballot_key_fingerprint:
        raise BackupError(
            f"the ballot key ({source}) is not the forum's: its fingerprint is {fingerprint(key)[:12]}…, the "
            f"archive's {manifest.ballot_key_fingerprint[:12]}…; restore with the key the forum used (with "
            "another, a voter who changes a ballot in a secret vote still open would be counted twice)")


def _check_database(config: Config, manifest: Manifest, kind: str) -> None:
    """The archive fits this database: the same kind, a revision this version knows, and nothing in it yet."""
    if manifest.database != kind:
        raise BackupError(f"the archive holds a {manifest.database} database; the configured one is {kind}")
    if manifest.schema_revision is not None and not known_revision(manifest.schema_revision):
        raise BackupError(f"the archive's schema revision {manifest.schema_revision} is unknown to this version of "
                          "the bot (made by a newer one?): restore it with that version")
    if kind == "sqlite" and not sqlite_path(config.database_url).exists():
        return
    engine = make_engine(config.database_url)
    try:
        used = tables_with_rows(engine)
    finally:
        engine.dispose()
    if used:
        raise BackupError(f"the database is not empty (rows in {', '.join(used)}): a restore never writes over a "
                          "forum's data; restore into a new, empty database")


def _check_store(config: Config, manifest: Manifest) -> Path | None:
    """Where the archive's Matrix store goes (None: it has none); refused over a store already there."""
    if not manifest.matrix_store:
        return None
    store = Path(config.matrix.store_path)
    if store.exists() and any(store.iterdir()):
        raise BackupError(f"the Matrix store {store} is not empty: a restore never replaces a device's keys; "
                          "move it away, or set [matrix] store_path to an empty folder")
    return store


def _restore_store(staging: Path, store: Path) -> None:
    store.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in sorted(staging.rglob("*")):
        target = store / path.relative_to(staging)
        if path.is_dir():
            target.mkdir(mode=0o700, parents=True, exist_ok=True)
            continue
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(path.read_bytes())


def restore(config: Config, archive: Path) -> tuple[Manifest, str | None]:
    """Restore `archive` into the configured, empty database; the manifest and the revision it is at now.

    Every check comes first (the archive's sha256s, the database kind and emptiness, the ballot key, the Matrix
    store's place), then the Matrix store and the database are written, then migrated to head if older."""
    kind = database_kind(config.database_url)
    with tempfile.TemporaryDirectory(prefix="forum-bot-restore-") as tmp:
        staging = Path(tmp)
        manifest = _unpack(archive, staging)
        _check_database(config, manifest, kind)
        _check_key(config, manifest)
        store = _check_store(config, manifest)
        if store is not None:
            _restore_store(staging / STORE, store)
        try:
            load_database(config.database_url, staging / DATABASE_FILES[kind])
        except DumpError as exc:
            raise BackupError(str(exc)) from exc
    engine = make_engine(config.database_url)
    try:
        upgrade(engine)
        return manifest, current_revision(engine)
    finally:
        engine.dispose()
