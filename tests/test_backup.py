"""`forum-bot backup` / `forum-bot restore` (bot/runtime/backup.py), on SQLite and PostgreSQL.

A forum is played on the console (a commitment with milestones, answered proposals, a public vote closed, and an
open secret vote with ballots, one changed), backed up while its bot still holds its database, and restored into an
empty database. Then: every export is the same as the original's; every row of every table too; the restored forum
takes a changed secret ballot and closes the vote with the original's tally (the key is the same, so the changed
ballot replaces the earlier one rather than counting twice); a restore with another key, into a database holding a
forum, or from a damaged archive is refused and writes nothing. The Matrix store goes through the archive as well,
and the ballot key never does.
"""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.app import Forum
from bot.ballot_key import fingerprint, sqlite_key_file
from bot.cli import main
from bot.clock import SimulatedClock
from bot.config import Config, MatrixConfig
from bot.exports import export, exporters
from bot.runtime.backup import MANIFEST, BackupError, backup, restore
from bot.storage.db import make_engine, unit_of_work
from bot.storage.dump import tables_with_rows
from bot.storage.migrate import current_revision, head_revision, upgrade
from tests.support import FORUM_EPOCH
from tests.support.forum_setup import commitment_with_milestones, committee, lines, propose, start
from tests.support.records import dump_tables
from tests.transcript import play

OTHER_KEY = "not the forum's ballot key, long enough"

FORUM = start() + committee() + commitment_with_milestones([("2024-Q1", "Terms of reference"),
                                                            ("2024-Q2", "First meeting")]) + propose(
    "Publish the minutes") + propose("Open the budget") + lines(
    "[committee] bob: /answer P1 accepted",
    "[committee] bob: /vote open P1 closes=1d",
    "[committee] carol: /vote V1 yes",
    "[committee] dave: /vote V1 no",
    "@advance 2d",
    "[committee] bob: /vote open P2 closes=3d secret",
    "[dm] carol: /vote V2 yes",
    "[dm] dave: /vote V2 no",
    "[dm] erin: /vote V2 no",
    "[dm] erin: /vote V2 yes",
)
AFTER = lines("@advance 1h", "[dm] dave: /vote V2 yes", "@advance 4d")  # a changed ballot, then the vote closes


def exports_of(forum: Forum) -> dict[str, str]:
    """Every register the forum exports, as JSON, at the forum's moment."""
    with unit_of_work(forum.engine) as session:
        return {name: export(session, forum.config, forum.clock.now(), name, "json")
                for name, exp in sorted(exporters.items()) if "json" in exp.formats}


def votes(forum: Forum) -> list[dict[str, object]]:
    return list(json.loads(exports_of(forum)["votes"]))


@pytest.fixture
def empty_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty database of the same kind as `db_url`, on the same server."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'forum.sqlite3'}"
        return
    cluster = request.getfixturevalue("postgres_cluster")
    name = f"forumbot_restored_{uuid.uuid4().hex[:12]}"
    yield cluster.create_database(name)
    cluster.drop_database(name)


def target_config(config: Config, url: str) -> Config:
    """The configuration of the restored forum: the same, on another database, with the forum's ballot key (for
    SQLite: its key file copied beside the new database, as docs/operations.md says)."""
    source_key, target_key = sqlite_key_file(config.database_url), sqlite_key_file(url)
    if source_key is not None and target_key is not None:
        target_key.parent.mkdir(parents=True, exist_ok=True)
        target_key.write_bytes(source_key.read_bytes())
    return replace(config, database_url=url, ballot_key="" if target_key is not None else config.ballot_key)


@pytest.fixture
def original(config: Config) -> Iterator[Forum]:
    forum = Forum(config, SimulatedClock(FORUM_EPOCH), migrate=False)
    yield forum
    forum.engine.dispose()


async def played(forum: Forum, tmp_path: Path) -> Path:
    out = await play(forum, FORUM)
    assert "!!" not in out and "Your secret ballot in V2 is recorded." in out
    archive = tmp_path / "forum.tar.gz"
    backup(forum.config, archive, forum.clock.now())  # the bot's engine is still open on the database
    return archive


async def test_a_restored_forum_exports_the_same_and_closes_its_secret_vote_alike(
        original: Forum, empty_url: str, tmp_path: Path) -> None:
    archive = await played(original, tmp_path)
    config = target_config(original.config, empty_url)
    manifest, revision = restore(config, archive)
    assert revision == manifest.schema_revision == head_revision(original.engine)
    restored = Forum(config, SimulatedClock(original.clock.now()))
    try:
        assert exports_of(restored) == exports_of(original)
        assert dump_tables(restored.engine) == dump_tables(original.engine)
        assert [v["status"] for v in votes(restored)] == ["closed", "open"]
        again = [await play(forum, AFTER, prefix="after") for forum in (original, restored)]
        assert again[0] == again[1]
        tally = votes(restored)[1]
        assert tally == votes(original)[1]
        assert (tally["status"], tally["votes_for"], tally["votes_against"]) == ("closed", 3, 0)
    finally:
        restored.engine.dispose()


async def test_a_restore_with_another_ballot_key_is_refused_and_writes_nothing(
        original: Forum, empty_url: str, tmp_path: Path) -> None:
    archive = await played(original, tmp_path)
    config = replace(target_config(original.config, empty_url), ballot_key=OTHER_KEY)
    with pytest.raises(BackupError, match=r"ballot key \(FORUMBOT_BALLOT_KEY\) is not the forum's"):
        restore(config, archive)
    assert_still_empty(empty_url)
    if empty_url.startswith("sqlite"):  # and without the key file beside the new database: never a new key
        bare = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
        with pytest.raises(BackupError, match=r"copy the forum's key to .*elsewhere.sqlite3.ballot-key"):
            restore(replace(original.config, database_url=bare, ballot_key=""), archive)
        assert not (tmp_path / "elsewhere.sqlite3.ballot-key").exists()


def assert_still_empty(url: str) -> None:
    if url.startswith("sqlite"):
        assert not Path(make_url(url).database or "").exists()
        return
    engine = make_engine(url)
    try:
        assert current_revision(engine) is None and tables_with_rows(engine) == []
    finally:
        engine.dispose()


async def test_a_restore_into_a_forum_is_refused_and_into_a_migrated_empty_database_accepted(
        original: Forum, empty_url: str, tmp_path: Path) -> None:
    archive = await played(original, tmp_path)
    before = dump_tables(original.engine)
    with pytest.raises(BackupError, match=r"the database is not empty \(rows in .*vote"):
        restore(original.config, archive)
    assert dump_tables(original.engine) == before
    config = target_config(original.config, empty_url)
    fresh = Forum(config, SimulatedClock(FORUM_EPOCH))  # `db upgrade` or a first start: tables and a fingerprint
    fresh.engine.dispose()
    restore(config, archive)
    restored = Forum(config, SimulatedClock(original.clock.now()))
    try:
        assert exports_of(restored) == exports_of(original)
    finally:
        restored.engine.dispose()


async def test_a_damaged_or_padded_archive_is_refused(original: Forum, empty_url: str, tmp_path: Path) -> None:
    archive = await played(original, tmp_path)
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    database = next(name for name in json.loads(members[0][1])["files"] if name.startswith("database/"))
    damaged, padded = tmp_path / "damaged.tar.gz", tmp_path / "padded.tar.gz"
    rewrite(damaged, [(m, data[:-1] + bytes([data[-1] ^ 1]) if m.name == database else data) for m, data in members])
    rewrite(padded, [*members, (tarfile.TarInfo("extra.sql"), b"DROP TABLE vote;")])
    config = target_config(original.config, empty_url)
    with pytest.raises(BackupError, match=f"damaged: the sha256 of {database} is not the manifest's"):
        restore(config, damaged)
    with pytest.raises(BackupError, match=r"files its manifest does not list: extra.sql"):
        restore(config, padded)
    assert_still_empty(empty_url)


def rewrite(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for member, data in members:
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


async def test_the_archive_holds_a_manifest_the_database_and_the_matrix_store_never_the_key(
        original: Forum, empty_url: str, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    with sqlite3.connect(store / "bot_DEVICE.db") as crypto:
        crypto.execute("CREATE TABLE keys (k TEXT)")
        crypto.execute("INSERT INTO keys VALUES ('olm account')")
    crypto.close()
    (store / "notes.txt").write_text("device notes")
    matrix = MatrixConfig(homeserver="https://matrix.example.org", user_id="@bot:example.org", password="pw",
                          store_path=str(store))
    original.config = replace(original.config, matrix=matrix)
    archive = await played(original, tmp_path)
    assert archive.stat().st_mode & 0o077 == 0
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        content = b"".join(tar.extractfile(m).read() for m in tar.getmembers())  # type: ignore[union-attr]
    kind = "sqlite" if original.config.database_url.startswith("sqlite") else "postgresql"
    assert names[0] == MANIFEST and sorted(names[1:]) == sorted(manifest["files"])
    assert {"matrix-store/bot_DEVICE.db", "matrix-store/notes.txt"} <= set(manifest["files"])
    assert (manifest["format_version"], manifest["database"], manifest["schema_revision"]) == (
        1, kind, head_revision(original.engine))
    assert manifest["ballot_key_fingerprint"] == fingerprint(original.config.ballot_key)
    assert original.config.ballot_key.encode() not in content
    target_store = tmp_path / "restored-store"
    target_store.mkdir()
    (target_store / "keys of another device").write_text("")
    config = replace(target_config(original.config, empty_url), matrix=replace(matrix, store_path=str(target_store)))
    with pytest.raises(BackupError, match=r"the Matrix store .*restored-store is not empty"):
        restore(config, archive)
    assert_still_empty(empty_url)
    (target_store / "keys of another device").unlink()
    restore(config, archive)
    assert (target_store / "notes.txt").read_text() == "device notes"
    with sqlite3.connect(target_store / "bot_DEVICE.db") as crypto:
        assert crypto.execute("SELECT k FROM keys").fetchall() == [("olm account",)]
    crypto.close()


async def test_the_commands_back_up_restore_and_refuse_with_a_message(
        original: Forum, empty_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    await play(original, FORUM)
    monkeypatch.chdir(tmp_path)  # no config.toml: the defaults, the database and key given below
    key_in_env = not original.config.database_url.startswith("sqlite")  # SQLite: the key file beside the database
    if key_in_env:
        monkeypatch.setenv("FORUMBOT_BALLOT_KEY", original.config.ballot_key)
    target = target_config(original.config, empty_url).database_url
    assert main(["backup", "forum.tar.gz", "--db", original.config.database_url]) == 0
    assert "the ballot key is not in this archive" in capsys.readouterr().out
    assert main(["restore", "forum.tar.gz", "--db", original.config.database_url]) == 1
    assert "forum-bot: restore: the database is not empty" in capsys.readouterr().err
    monkeypatch.setenv("FORUMBOT_BALLOT_KEY", OTHER_KEY)
    assert main(["restore", "forum.tar.gz", "--db", target]) == 1
    assert "is not the forum's" in capsys.readouterr().err
    monkeypatch.delenv("FORUMBOT_BALLOT_KEY")
    if key_in_env:
        monkeypatch.setenv("FORUMBOT_BALLOT_KEY", original.config.ballot_key)
    assert main(["restore", "forum.tar.gz", "--db", target]) == 0
    assert f"the database at revision {head_revision(original.engine)}" in capsys.readouterr().out
    restored = Forum(replace(original.config, database_url=target), SimulatedClock(original.clock.now()))
    try:
        assert exports_of(restored) == exports_of(original)
    finally:
        restored.engine.dispose()


async def test_an_older_archive_is_migrated_to_head(sqlite_url: str, tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{old}")
    upgrade(engine, "base")  # a database at no revision: every migration runs on restore
    engine.dispose()
    config = replace(Config(), database_url=f"sqlite:///{old}")
    backup(config, tmp_path / "old.tar.gz", FORUM_EPOCH)
    manifest, revision = restore(replace(config, database_url=f"sqlite:///{tmp_path / 'new.sqlite3'}"),
                                 tmp_path / "old.tar.gz")
    assert manifest.schema_revision is None and manifest.ballot_key_fingerprint is None
    assert revision == head_revision(make_engine(sqlite_url))
