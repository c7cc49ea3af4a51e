"""A throwaway PostgreSQL cluster (or an existing server) for tests.

Usage::

    from tests.support.postgres import PostgresCluster, postgres_available

    with PostgresCluster() as pg:                 # start() ... stop()
        url = pg.create_database("t1")  # postgresql+psycopg://postgres@127.0.0.1:PORT/t1
        engine = sqlalchemy.create_engine(url)
        ...
        pg.drop_database("t1")

:class:`PostgresCluster` runs ``initdb -A trust -U postgres`` in a fresh temp dir
and starts the server with ``pg_ctl`` on 127.0.0.1, a free port, a Unix socket
in the same temp dir and ``fsync``/``synchronous_commit``/``full_page_writes``
off.  When the tests run as root (as in CI), ``initdb`` and ``pg_ctl`` run as the
``postgres`` OS user through ``runuser``, and the temp dir is handed to that
user.  Server binaries are found through ``pg_config --bindir``, falling back to
``/usr/lib/postgresql/*/bin`` (newest first); ``.ci/services.sh`` installs them
on a fresh Debian machine.  ``stop()`` runs ``pg_ctl stop -m immediate`` and
SIGKILLs the postmaster pid if it is still alive, then removes the temp dir.

:class:`ExistingPostgres` wraps a server you already have (the fixtures use it
when ``FORUMBOT_TEST_POSTGRES_URL`` is set, e.g.
``postgresql+psycopg://postgres:pw@127.0.0.1:5432/postgres``): it creates and
drops databases on it and never starts or stops anything.

The pytest fixtures built on these live in :mod:`tests.support.fixtures`.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from tests.support.synapse import free_port

__all__ = [
    "ExistingPostgres",
    "PostgresCluster",
    "PostgresStartError",
    "find_pg_bindir",
    "postgres_available",
]

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class PostgresStartError(RuntimeError):
    """The throwaway cluster could not be created or started."""


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _version_key(path: str) -> tuple[int, ...]:
    parts = Path(path).parent.parent.name.split(".")
    return tuple(int(p) if p.isdigit() else 0 for p in parts)


def find_pg_bindir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``, or None."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and (Path(out) / "initdb").is_file() and (Path(out) / "pg_ctl").is_file():
            return Path(out)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key, reverse=True)
    for initdb in candidates:
        bindir = Path(initdb).parent
        if (bindir / "pg_ctl").is_file():
            return bindir
    return None


def _postgres_user_ids() -> tuple[int, int] | None:
    try:
        import pwd

        entry = pwd.getpwnam("postgres")
    except (ImportError, KeyError):
        return None
    return entry.pw_uid, entry.pw_gid


def postgres_available() -> bool:
    """True if a throwaway cluster can be started here (binaries, user, runuser)."""
    if find_pg_bindir() is None:
        return False
    if _is_root():
        return _postgres_user_ids() is not None and shutil.which("runuser") is not None
    return True


def _check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
    return name


class _DatabaseAdmin:
    """CREATE/DROP DATABASE over a maintenance connection; subclasses set ``url``."""

    url: URL

    def _connect_admin(self) -> psycopg.Connection[Any]:
        u = self.url
        return psycopg.connect(
            host=u.host or "127.0.0.1",
            port=u.port or 5432,
            user=u.username or "postgres",
            password=u.password or None,
            dbname=u.database or "postgres",
            autocommit=True,
            connect_timeout=10,
        )

    def url_for(self, name: str) -> str:
        """SQLAlchemy URL of database ``name`` on this server (password included)."""
        return self.url.set(drivername="postgresql+psycopg", database=_check_name(name)).render_as_string(
            hide_password=False
        )

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database ``name`` (a copy of ``template`` when given) and return its SQLAlchemy URL."""
        with self._connect_admin() as conn:
            if template:
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(_check_name(name)), sql.Identifier(_check_name(template))))
            else:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_check_name(name))))
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, disconnecting whoever is still on it."""
        with self._connect_admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(_check_name(name))))


class ExistingPostgres(_DatabaseAdmin):
    """A server that is already running; only databases are created/dropped."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if not parsed.drivername.startswith("postgresql"):
            raise ValueError(f"not a PostgreSQL URL: {parsed!r}")
        self.url = parsed.set(drivername="postgresql+psycopg")
        self.startup_seconds: float | None = None

    def start(self) -> Self:
        with self._connect_admin() as conn:
            conn.execute("SELECT 1")
        return self

    def stop(self) -> None:
        """Nothing to stop: the server is not ours."""


class PostgresCluster(_DatabaseAdmin):
    """A cluster made by ``initdb`` in a temp dir and run with ``pg_ctl``."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        start_timeout: float = 60.0,
        stop_timeout: float = 10.0,
        extra_options: str = "",
    ) -> None:
        self.host = host
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.extra_options = extra_options
        self.port: int | None = None
        self.workdir: Path | None = None
        self.bindir: Path | None = None
        self.pid: int | None = None
        self.startup_seconds: float | None = None
        self.url = URL.create("postgresql+psycopg", username="postgres", host=host)

    @property
    def datadir(self) -> Path:
        assert self.workdir is not None
        return self.workdir / "data"

    @property
    def log_path(self) -> Path:
        assert self.workdir is not None
        return self.workdir / "postgres.log"

    def log_tail(self, lines: int = 40) -> str:
        if self.workdir is None:
            return ""
        out = []
        for name in ("postgres.log", "pg_ctl.out"):
            path = self.workdir / name
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace")
                out.append(f"--- {name} ---\n" + "\n".join(text.splitlines()[-lines:]))
        return "\n".join(out)

    def _as_postgres(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if _is_root() else argv

    def _run(self, argv: list[str], what: str) -> None:
        assert self.workdir is not None
        out_path = self.workdir / "pg_ctl.out"
        # Output goes to a file, not a pipe: the postmaster that pg_ctl forks must
        # not hold a pipe of ours open.
        with open(out_path, "ab") as out:
            try:
                proc = subprocess.run(
                    self._as_postgres(argv),
                    cwd=self.workdir,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=self.start_timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise PostgresStartError(f"{what} timed out after {self.start_timeout}s:\n{self.log_tail()}") from exc
        if proc.returncode != 0:
            raise PostgresStartError(f"{what} exited with {proc.returncode}:\n{self.log_tail()}")

    def start(self) -> Self:
        """initdb, pg_ctl start, and wait until the server accepts connections."""
        if self.pid is not None:
            return self
        t0 = time.monotonic()
        self.bindir = find_pg_bindir()
        if self.bindir is None:
            raise PostgresStartError(
                "no PostgreSQL server binaries (initdb/pg_ctl) found via pg_config "
                "--bindir or /usr/lib/postgresql/*/bin; run .ci/services.sh "
                "or apt-get install postgresql"
            )
        ids = _postgres_user_ids() if _is_root() else None
        if _is_root() and (ids is None or shutil.which("runuser") is None):
            raise PostgresStartError("running as root but there is no 'postgres' user or no runuser")
        # When root, use /tmp so that no parent dir (e.g. /root) blocks postgres.
        base = "/tmp" if _is_root() and os.path.isdir("/tmp") else None
        self.workdir = Path(tempfile.mkdtemp(prefix="forumbot-pg-", dir=base))
        os.chmod(self.workdir, 0o755)
        (self.workdir / "sock").mkdir(mode=0o755)
        if ids is not None:
            for path in (self.workdir, self.workdir / "sock"):
                os.chown(path, *ids)
        try:
            self._run(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(self.datadir),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
                "initdb",
            )
            last_error: PostgresStartError | None = None
            for _attempt in range(3):  # a new port if another process took ours
                self.port = free_port(self.host)
                try:
                    self._pg_ctl_start()
                    break
                except PostgresStartError as exc:
                    last_error = exc
                    if "could not bind" not in str(exc) and "in use" not in str(exc):
                        raise
            else:
                assert last_error is not None
                raise last_error
            self.url = self.url.set(port=self.port, database="postgres")
            self._wait_ready(time.monotonic() + self.start_timeout)
        except BaseException:
            self.stop(keep_dir=True)
            raise
        atexit.register(self.stop)
        self.startup_seconds = time.monotonic() - t0
        return self

    def _pg_ctl_start(self) -> None:
        assert self.bindir is not None and self.workdir is not None
        options = (
            f"-c listen_addresses={self.host} -p {self.port} "
            f"-k {self.workdir / 'sock'} -c fsync=off -c synchronous_commit=off "
            f"-c full_page_writes=off {self.extra_options}"
        ).strip()
        self._run(
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-l",
                str(self.log_path),
                "-o",
                options,
                "-w",
                "-t",
                str(int(self.start_timeout)),
                "start",
            ],
            "pg_ctl start",
        )
        self.pid = self._read_pid()

    def _read_pid(self) -> int | None:
        try:
            first = (self.datadir / "postmaster.pid").read_text().splitlines()[0]
            return int(first)
        except (OSError, IndexError, ValueError):
            return None

    def _wait_ready(self, deadline: float) -> None:
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with self._connect_admin() as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                last = exc
            time.sleep(0.05)  # poll interval, bounded by the deadline
        raise PostgresStartError(
            f"PostgreSQL did not accept connections on {self.host}:{self.port} within "
            f"{self.start_timeout}s ({last}):\n{self.log_tail()}"
        )

    def stop(self, keep_dir: bool = False) -> None:
        """pg_ctl stop -m immediate; SIGKILL the postmaster if it is still there."""
        atexit.unregister(self.stop)
        pid = self.pid if self.pid is not None else (self._read_pid() if self.workdir is not None else None)
        if self.workdir is not None and self.bindir is not None and self.datadir.exists():
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(
                    self._as_postgres(
                        [
                            str(self.bindir / "pg_ctl"),
                            "-D",
                            str(self.datadir),
                            "-m",
                            "immediate",
                            "-w",
                            "-t",
                            str(int(self.stop_timeout)),
                            "stop",
                        ]
                    ),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=self.stop_timeout + 5,
                    check=False,
                )
        if pid is not None:
            deadline = time.monotonic() + self.stop_timeout
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.pid = None
        if not keep_dir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True
