"""pytest plugin: real test services (Synapse, PostgreSQL) as fixtures.

Load it from the project's ``conftest.py``::

    pytest_plugins = ["tests.support.fixtures"]

or on the command line with ``-p tests.support.fixtures``.

Fixtures
--------
``synapse`` (session)
    A started :class:`~tests.support.synapse.SynapseServer` with every rate limit
    raised.  Register users with ``synapse.register_user(name, password)``; use
    unique names per test (e.g. with a uuid suffix): the server is shared.
``synapse_tight`` (session, started only when a test asks for it)
    A second server whose ``rc_message`` limit is tight (0.5/s, burst 2), to
    provoke ``M_LIMIT_EXCEEDED``.
``postgres_cluster`` (session)
    A throwaway :class:`~tests.support.postgres.PostgresCluster`, or, when
    ``FORUMBOT_TEST_POSTGRES_URL`` is set, an
    :class:`~tests.support.postgres.ExistingPostgres` on that server.
``postgres_url`` (function)
    SQLAlchemy URL (``postgresql+psycopg://...``) of a fresh database made for
    this test and dropped (``WITH (FORCE)``) after it.

When a service cannot be started the fixture skips the test, unless the
environment variable ``CI`` is non-empty: then it fails, so that CI never goes
green by skipping.  That rule lives in :func:`service_unavailable`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import NoReturn

import psycopg
import pytest
import sqlalchemy.exc

from tests.support.postgres import (
    ExistingPostgres,
    PostgresCluster,
    PostgresStartError,
    postgres_available,
)
from tests.support.synapse import SynapseServer, SynapseStartError, synapse_available

POSTGRES_URL_ENV = "FORUMBOT_TEST_POSTGRES_URL"


def service_unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it when running in CI (``CI`` set and non-empty)."""
    if os.environ.get("CI"):
        pytest.fail(f"[CI] required test service unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def _start_synapse(tight: bool) -> SynapseServer:
    if not synapse_available():
        service_unavailable("matrix-synapse is not installed in this Python environment (pip install matrix-synapse)")
    server = SynapseServer(tight_rate_limits=tight)
    try:
        server.start()
    except SynapseStartError as exc:
        service_unavailable(f"Synapse did not start: {exc}")
    return server


@pytest.fixture(scope="session")
def synapse() -> Iterator[SynapseServer]:
    """A running Synapse homeserver with relaxed rate limits."""
    server = _start_synapse(tight=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def synapse_tight() -> Iterator[SynapseServer]:
    """A running Synapse homeserver with a tight ``rc_message`` limit."""
    server = _start_synapse(tight=True)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster | ExistingPostgres]:
    """A PostgreSQL server to make test databases on."""
    external = os.environ.get(POSTGRES_URL_ENV)
    server: PostgresCluster | ExistingPostgres
    if external:
        try:
            server = ExistingPostgres(external).start()
        except (psycopg.Error, sqlalchemy.exc.ArgumentError, ValueError, OSError) as exc:
            service_unavailable(f"{POSTGRES_URL_ENV} server not usable: {exc}")
        yield server
        return
    if not postgres_available():
        service_unavailable(
            "no PostgreSQL server binaries (initdb/pg_ctl), or no 'postgres' user/"
            "runuser when running as root; run .ci/services.sh"
        )
    server = PostgresCluster()
    try:
        server.start()
    except PostgresStartError as exc:
        service_unavailable(f"PostgreSQL did not start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster | ExistingPostgres) -> Iterator[str]:
    """URL of a fresh, empty database for this test only."""
    name = f"forumbot_test_{uuid.uuid4().hex[:16]}"
    url = postgres_cluster.create_database(name)
    try:
        yield url
    finally:
        postgres_cluster.drop_database(name)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A run that skipped tests says so loudly at the end, with why: never a quiet green."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: dict[str, int] = {}
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    write = terminalreporter.write_line
    write("")
    write("=" * 78, red=True, bold=True)
    write(f"NOT A FULL RUN: {len(skipped)} test(s) skipped. In CI these fail instead.", red=True, bold=True)
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        write(f"  {count:4d} × {reason}", red=True)
    write("  To run them: as root, `bash .ci/services.sh` (or ./scripts/test, which runs it when it can).", red=True)
    write("=" * 78, red=True, bold=True)
