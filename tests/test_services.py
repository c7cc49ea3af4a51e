"""Proof that the service fixtures work (and fail loudly in CI when they can't)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import sqlalchemy as sa
from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    JoinResponse,
    LoginResponse,
    RoomCreateResponse,
    RoomMessageText,
    RoomSendError,
    RoomSendResponse,
    SyncResponse,
)

from tests.support.fixtures import service_unavailable
from tests.support.postgres import ExistingPostgres, PostgresCluster
from tests.support.synapse import SynapseServer, SynapseStartError

DEADLINE_S = 30.0


def _name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _client_config() -> AsyncClientConfig:
    # Unencrypted rooms only, and never retry a 429 (so a limit shows up as an error).
    return AsyncClientConfig(encryption_enabled=False, max_limit_exceeded=0)


async def _login(server: SynapseServer, name: str, password: str) -> AsyncClient:
    user_id, _token = server.register_user(name, password)
    client = AsyncClient(server.base_url, user_id, config=_client_config())
    resp = await client.login(password, device_name="forumbot-test")
    assert isinstance(resp, LoginResponse), resp
    assert client.user_id == user_id
    return client


async def _sync_until(client: AsyncClient, done: Callable[[SyncResponse], bool], what: str) -> SyncResponse:
    """Sync (long-polling) until ``done(response)`` or the deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        resp = await client.sync(timeout=1000)
        assert isinstance(resp, SyncResponse), resp
        if done(resp):
            return resp
    raise AssertionError(f"no sync delivered {what} within {DEADLINE_S}s")


@pytest.fixture
async def clients() -> AsyncIterator[list[AsyncClient]]:
    made: list[AsyncClient] = []
    yield made
    for client in made:
        await client.close()


# -- the skip/fail rule -----------------------------------------------------------


def test_unavailable_service_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no such service"):
        service_unavailable("no such service")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        service_unavailable("no such service")


def test_unavailable_service_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no such service"):
        service_unavailable("no such service")


def test_synapse_start_failure_reports_log() -> None:
    from tests.support.synapse import synapse_available

    if not synapse_available():
        service_unavailable("matrix-synapse is not installed")
    broken = SynapseServer(extra_config={"database": {"name": "no-such-engine"}})
    with pytest.raises(SynapseStartError, match="no-such-engine"):
        broken.start()
    broken.stop()


# -- Synapse ----------------------------------------------------------------------


def test_register_two_users(synapse: SynapseServer) -> None:
    alice, bob = _name("alice"), _name("bob")
    a_id, a_token = synapse.register_user(alice, "pw-a")
    b_id, b_token = synapse.register_user(bob, "pw-b", admin=True)
    assert a_id == f"@{alice}:{synapse.server_name}"
    assert b_id == f"@{bob}:{synapse.server_name}"
    assert a_token and b_token and a_token != b_token
    assert synapse.whoami(a_token) == a_id
    assert synapse.whoami(b_token) == b_id


@pytest.mark.asyncio
async def test_message_roundtrip_with_nio(synapse: SynapseServer, clients: list[AsyncClient]) -> None:
    a = await _login(synapse, _name("alice"), "pw-a")
    clients.append(a)
    b = await _login(synapse, _name("bob"), "pw-b")
    clients.append(b)
    assert b.user_id is not None

    created = await a.room_create(name="forum-bot test", invite=[b.user_id])
    assert isinstance(created, RoomCreateResponse), created
    room_id = created.room_id

    def invited(resp: SyncResponse) -> bool:
        info = resp.rooms.invite.get(room_id)
        return info is not None and any(
            isinstance(ev, InviteMemberEvent) and ev.membership == "invite" for ev in info.invite_state
        )

    await _sync_until(b, invited, f"the invite to {room_id}")
    joined = await b.join(room_id)
    assert isinstance(joined, JoinResponse), joined

    body = f"hello from forum bot {uuid.uuid4().hex}"
    sent = await a.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": body})
    assert isinstance(sent, RoomSendResponse), sent

    def got_message(resp: SyncResponse) -> bool:
        info = resp.rooms.join.get(room_id)
        return info is not None and any(
            isinstance(ev, RoomMessageText)
            and ev.body == body
            and ev.sender == a.user_id
            and ev.event_id == sent.event_id
            for ev in info.timeline.events
        )

    await _sync_until(b, got_message, "A's message to B")


@pytest.mark.asyncio
async def test_tight_server_rate_limits_messages(synapse_tight: SynapseServer, clients: list[AsyncClient]) -> None:
    a = await _login(synapse_tight, _name("alice"), "pw-a")
    clients.append(a)
    created = await a.room_create(name="rate limit test")
    assert isinstance(created, RoomCreateResponse), created

    limited: RoomSendError | None = None
    sent_ok = 0
    for i in range(10):
        resp = await a.room_send(created.room_id, "m.room.message", {"msgtype": "m.text", "body": f"m{i}"})
        if isinstance(resp, RoomSendError):
            limited = resp
            break
        assert isinstance(resp, RoomSendResponse), resp
        sent_ok += 1
    assert limited is not None, "10 quick messages were all accepted"
    status = limited.transport_response.status if limited.transport_response else None
    assert limited.status_code == "M_LIMIT_EXCEEDED" or status == 429, limited
    assert sent_ok <= 2  # burst_count 2, and room creation took one token too


# -- PostgreSQL -------------------------------------------------------------------


def test_postgres_cluster_is_reachable(
    postgres_cluster: PostgresCluster | ExistingPostgres,
) -> None:
    if isinstance(postgres_cluster, PostgresCluster):
        assert postgres_cluster.pid is not None
        assert postgres_cluster.url.host == "127.0.0.1"


def test_postgres_table_roundtrip(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql+psycopg://")
    engine = sa.create_engine(postgres_url)
    try:
        meta = sa.MetaData()
        posts = sa.Table(
            "posts",
            meta,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("body", sa.Text, nullable=False),
        )
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(posts.insert(), [{"body": "first"}, {"body": "zweite ✓"}])
        with engine.connect() as conn:
            rows = conn.execute(sa.select(posts.c.body).order_by(posts.c.id)).all()
            assert [r.body for r in rows] == ["first", "zweite ✓"]
            assert conn.execute(sa.text("SHOW server_version")).scalar()
    finally:
        engine.dispose()


def test_postgres_database_is_fresh_per_test(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        assert not sa.inspect(engine).has_table("posts")
    finally:
        engine.dispose()


def test_postgres_select_for_update_skip_locked(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url, pool_size=2)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE jobs (id int PRIMARY KEY, state text)"))
            conn.execute(sa.text("INSERT INTO jobs VALUES (1,'new'),(2,'new'),(3,'new')"))
        claim = sa.text("SELECT id FROM jobs WHERE state = 'new' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED")
        with engine.connect() as c1, engine.connect() as c2:
            with c1.begin():
                assert c1.execute(claim).scalar() == 1
                with c2.begin():
                    # Row 1 is locked by c1: c2 skips it instead of waiting.
                    assert c2.execute(claim).scalar() == 2
                    rest = c2.execute(sa.text("SELECT id FROM jobs ORDER BY id FOR UPDATE SKIP LOCKED")).scalars().all()
                    assert rest == [2, 3]
                    with pytest.raises(sa.exc.OperationalError):
                        c2.execute(sa.text("SELECT id FROM jobs WHERE id = 1 FOR UPDATE NOWAIT"))
                c1.execute(sa.text("UPDATE jobs SET state = 'done' WHERE id = 1"))
            with c2.begin():
                # c1 committed and released its lock; c2's own tx rolled back.
                assert c2.execute(claim).scalar() == 2
                done = c2.execute(sa.text("SELECT state FROM jobs WHERE id = 1")).scalar()
                assert done == "done"
    finally:
        engine.dispose()
