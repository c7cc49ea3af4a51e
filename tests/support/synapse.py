"""A real, throwaway Synapse homeserver for tests.

Usage::

    from tests.support.synapse import SynapseServer, synapse_available

    with SynapseServer() as hs:                  # start() ... stop()
        user_id, token = hs.register_user("alice", "secret")
        client = nio.AsyncClient(hs.base_url, user_id)

``SynapseServer(tight_rate_limits=True)`` writes a config whose ``rc_message``
limit is tight (``per_second=0.5, burst_count=2``) so that a test can provoke
``M_LIMIT_EXCEEDED`` (HTTP 429) from a real server; every other ``rc_*`` limit is
raised out of the way.

The signing key is written in-process with ``signedjson`` (a Synapse dependency;
about 2 s faster than a ``--generate-keys`` run, which is used instead when
signedjson is missing or ``generate_keys_with_synapse=True``).
The server listens on 127.0.0.1 on a free port, uses SQLite in a temp dir, runs
``sys.executable -m synapse.app.homeserver`` (so ``matrix-synapse`` must be
installed in the test interpreter's environment; see :func:`synapse_available`),
writes its log to ``homeserver.log`` in that dir (not to the console), and is
ready when ``/_matrix/client/versions`` answers.  A failed start raises
:class:`SynapseStartError` carrying the tail of the log.  ``stop()`` sends SIGTERM
to the pid, then SIGKILL after a deadline, and removes the temp dir.

The pytest fixtures built on this live in :mod:`tests.support.fixtures`.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import hmac
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Self

__all__ = ["SynapseServer", "SynapseStartError", "free_port", "synapse_available"]

_UNLIMITED: dict[str, float] = {"per_second": 10000, "burst_count": 10000}
_TIGHT_MESSAGES: dict[str, float] = {"per_second": 0.5, "burst_count": 2}

# Every client-relevant rate limit of Synapse 1.16x, raised so tests never hit them.
_RATE_LIMITS: dict[str, Any] = {
    "rc_message": _UNLIMITED,
    "rc_registration": _UNLIMITED,
    "rc_registration_token_validity": _UNLIMITED,
    "rc_login": {
        "address": _UNLIMITED,
        "account": _UNLIMITED,
        "failed_attempts": _UNLIMITED,
    },
    "rc_admin_redaction": _UNLIMITED,
    "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
    "rc_joins_per_room": _UNLIMITED,
    "rc_3pid_validation": _UNLIMITED,
    "rc_invites": {
        "per_room": _UNLIMITED,
        "per_user": _UNLIMITED,
        "per_issuer": _UNLIMITED,
    },
    "rc_third_party_invite": _UNLIMITED,
    "rc_media_create": _UNLIMITED,
    "rc_presence": {"per_user": _UNLIMITED},
    "rc_delayed_event_mgmt": _UNLIMITED,
    "rc_room_creation": _UNLIMITED,
    "rc_reports": _UNLIMITED,
    "rc_user_directory": _UNLIMITED,
    "rc_profile": _UNLIMITED,
    "rc_key_requests": _UNLIMITED,
}


class SynapseStartError(RuntimeError):
    """Synapse could not be configured or did not become ready."""


def synapse_available() -> bool:
    """True if ``matrix-synapse`` is importable by this interpreter."""
    try:
        return importlib.util.find_spec("synapse.app.homeserver") is not None
    except (ImportError, ValueError):
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"<no log at {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:])


class SynapseServer:
    """One Synapse process with its own temp dir, port and SQLite database."""

    def __init__(
        self,
        *,
        tight_rate_limits: bool = False,
        server_name: str = "localhost",
        host: str = "127.0.0.1",
        start_timeout: float = 60.0,
        stop_timeout: float = 10.0,
        extra_config: dict[str, Any] | None = None,
        generate_keys_with_synapse: bool = False,
    ) -> None:
        self.tight_rate_limits = tight_rate_limits
        self.server_name = server_name
        self.host = host
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.extra_config = dict(extra_config or {})
        self.generate_keys_with_synapse = generate_keys_with_synapse
        self.registration_shared_secret = secrets.token_hex(16)
        self.port: int | None = None
        self.workdir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None

    # -- properties -------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("SynapseServer is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def log_path(self) -> Path:
        if self.workdir is None:
            raise RuntimeError("SynapseServer is not started")
        return self.workdir / "homeserver.log"

    def log_tail(self, lines: int = 60) -> str:
        """The last ``lines`` of Synapse's log (and of its stdout/stderr)."""
        if self.workdir is None:
            return ""
        parts = [_tail(self.log_path, lines)]
        console = self.workdir / "console.log"
        if console.exists() and console.stat().st_size:
            parts.append("--- stdout/stderr ---\n" + _tail(console, lines))
        return "\n".join(parts)

    # -- config -----------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """The homeserver config (written to ``hs.yaml`` as JSON, which is YAML)."""
        if self.workdir is None or self.port is None:
            raise RuntimeError("config() needs a workdir and a port")
        wd = self.workdir
        cfg: dict[str, Any] = {
            "server_name": self.server_name,
            "public_baseurl": f"http://{self.host}:{self.port}/",
            "pid_file": str(wd / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": [self.host],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {
                "name": "sqlite3",
                "args": {"database": str(wd / "homeserver.db")},
            },
            "log_config": str(wd / "log.config"),
            "media_store_path": str(wd / "media_store"),
            "signing_key_path": str(wd / "signing.key"),
            "registration_shared_secret": self.registration_shared_secret,
            "report_stats": False,
            "enable_registration": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "enable_metrics": False,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
        }
        cfg.update(json.loads(json.dumps(_RATE_LIMITS)))
        if self.tight_rate_limits:
            cfg["rc_message"] = dict(_TIGHT_MESSAGES)
        cfg.update(self.extra_config)
        return cfg

    def _log_config(self) -> dict[str, Any]:
        assert self.workdir is not None
        return {
            "version": 1,
            "formatters": {
                "precise": {"format": "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s"}
            },
            "filters": {"context": {"()": "synapse.logging.context.LoggingContextFilter"}},
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "formatter": "precise",
                    "filename": str(self.workdir / "homeserver.log"),
                    "filters": ["context"],
                    "encoding": "utf8",
                }
            },
            "loggers": {
                "synapse.storage.SQL": {"level": "WARNING"},
                "twisted": {"level": "WARNING"},
            },
            "root": {"level": "INFO", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> Self:
        """Write the config, generate keys, start Synapse and wait until ready."""
        if self.process is not None:
            return self
        if not synapse_available():
            raise SynapseStartError(
                f"matrix-synapse is not installed in this environment ({sys.executable}); pip install matrix-synapse"
            )
        t0 = time.monotonic()
        self.workdir = Path(tempfile.mkdtemp(prefix="forumbot-synapse-"))
        self.port = free_port(self.host)
        (self.workdir / "media_store").mkdir()
        cfg_path = self.workdir / "hs.yaml"
        cfg_path.write_text(json.dumps(self.config(), indent=2), encoding="utf-8")
        (self.workdir / "log.config").write_text(json.dumps(self._log_config(), indent=2), encoding="utf-8")
        cmd = [sys.executable, "-m", "synapse.app.homeserver", "-c", str(cfg_path)]
        if self.generate_keys_with_synapse or not self._write_signing_key():
            # Asked for, or signedjson (a Synapse dependency) is missing.
            try:
                gen = subprocess.run(
                    [*cmd, "--generate-keys"],
                    cwd=self.workdir,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    timeout=self.start_timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                self._cleanup_dir()
                raise SynapseStartError(f"synapse --generate-keys timed out after {self.start_timeout}s") from exc
            if gen.returncode != 0:
                out = gen.stdout.decode("utf-8", "replace")[-4000:]
                self._cleanup_dir()
                raise SynapseStartError(f"synapse --generate-keys exited with {gen.returncode}:\n{out}")

        with open(self.workdir / "console.log", "wb") as console:
            self.process = subprocess.Popen(
                cmd,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        atexit.register(self.stop)
        try:
            self._wait_ready(time.monotonic() + self.start_timeout)
        except SynapseStartError:
            self.stop(keep_dir=True)
            raise
        self.startup_seconds = time.monotonic() - t0
        return self

    def _write_signing_key(self) -> bool:
        """Write ``signing.key`` in-process (saves a ~2 s ``--generate-keys`` run).

        Everything else that ``--generate-keys`` would create (macaroon and form
        secrets) is already in the config.  Returns False if signedjson is missing.
        """
        assert self.workdir is not None
        try:
            from signedjson.key import generate_signing_key, write_signing_keys
        except ImportError:
            return False
        with open(self.workdir / "signing.key", "w", encoding="utf-8") as f:
            write_signing_keys(f, [generate_signing_key("a_test")])
        return True

    def _wait_ready(self, deadline: float) -> None:
        assert self.process is not None
        url = f"{self.base_url}/_matrix/client/versions"
        last_error = "no attempt yet"
        while True:
            code = self.process.poll()
            if code is not None:
                raise SynapseStartError(
                    f"synapse exited with {code} before it was ready "
                    f"(workdir {self.workdir}); log tail:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200 and b"versions" in resp.read():
                        return
                    last_error = f"HTTP {resp.status}"
            except (urllib.error.URLError, OSError) as exc:
                last_error = repr(exc)
            if time.monotonic() > deadline:
                raise SynapseStartError(
                    f"synapse did not answer {url} within {self.start_timeout}s "
                    f"(last error: {last_error}; workdir {self.workdir}); "
                    f"log tail:\n{self.log_tail()}"
                )
            time.sleep(0.05)  # poll interval, bounded by the deadline above

    def stop(self, keep_dir: bool = False) -> None:
        """SIGTERM the process, SIGKILL it after ``stop_timeout``; remove the dir."""
        proc, self.process = self.process, None
        if proc is not None:
            atexit.unregister(self.stop)
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=self.stop_timeout)
        if not keep_dir:
            self._cleanup_dir()

    def _cleanup_dir(self) -> None:
        if self.workdir is not None and self.process is None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- admin API --------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                result: dict[str, Any] = json.loads(resp.read())
                return result
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            raise RuntimeError(f"{method} {path} -> HTTP {exc.code}: {detail}") from exc

    def register_user(self, name: str, password: str, admin: bool = False) -> tuple[str, str]:
        """Create a user with the shared-secret admin API.

        Returns ``(user_id, access_token)``.
        """
        nonce = self._request("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(
            self.registration_shared_secret.encode("utf8"),
            b"\x00".join(
                [
                    nonce.encode("utf8"),
                    name.encode("utf8"),
                    password.encode("utf8"),
                    b"admin" if admin else b"notadmin",
                ]
            ),
            hashlib.sha1,
        ).hexdigest()
        result = self._request(
            "POST",
            "/_synapse/admin/v1/register",
            {
                "nonce": nonce,
                "username": name,
                "password": password,
                "admin": admin,
                "mac": mac,
            },
        )
        return str(result["user_id"]), str(result["access_token"])

    def whoami(self, access_token: str) -> str:
        """The user id that ``access_token`` belongs to."""
        result = self._request("GET", "/_matrix/client/v3/account/whoami", token=access_token)
        return str(result["user_id"])
