"""SQLite serves one bot process: a second one on the same file is refused with a clear message."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url


class AlreadyRunning(Exception):
    """Another process holds the database file."""


def single_process_lock(database_url: str) -> IO[str] | None:
    """Lock `<file>.lock` for this process's lifetime (SQLite files only); None when no lock is needed."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database or "").resolve()
    handle = open(f"{path}.lock", "a+")  # noqa: SIM115  (held open for the process's lifetime)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise AlreadyRunning(
            f"another forum-bot process is already using {path}; a SQLite database serves one process "
            "(use PostgreSQL to run several: see README)") from exc
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
