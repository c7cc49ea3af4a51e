"""The `forum-bot` command: run, console, demo, export, import, backup, restore, db upgrade."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.clock import Clock, RealClock, SimulatedClock
from bot.config import BallotKeyError, Config, ConfigError, load_config
from bot.logs import setup_logging
from bot.storage.lock import AlreadyRunning, single_process_lock

if TYPE_CHECKING:
    from bot.web.site import Site

log = logging.getLogger("forumbot")


def _config(args: argparse.Namespace) -> Config:
    """Load the configuration, then log with its secrets redacted."""
    config = load_config(getattr(args, "config", None))
    if getattr(args, "db", None):
        config = replace(config, database_url=args.db)
    setup_logging(args.log_level, args.log_format, secrets_of(config))
    return config


def secrets_of(config: Config) -> list[str]:
    return [config.telegram.token, config.matrix.password, config.matrix.access_token, config.ballot_key]


def moment(text: str) -> datetime:
    """`--at`'s value: "YYYY-MM-DD HH:MM" (or a date alone: midnight), a local time without its zone yet."""
    for layout in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), layout)
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"expected a moment like \"2024-01-15 09:00\", got {text!r}")


def missing_database(url: str) -> str | None:
    """The path of an SQLite database file that does not exist (reading it would create an empty one), else None."""
    from sqlalchemy.engine import make_url

    from bot.storage.db import is_sqlite

    if not is_sqlite(url):
        return None
    path = make_url(url).database
    if path in (None, "", ":memory:") or path.startswith("file:"):
        return None
    return None if Path(path).exists() else path


def _clock(args: argparse.Namespace, config: Config) -> Clock:
    """The real clock, or with `--at` a clock standing still at that moment of the forum's time zone."""
    at: datetime | None = getattr(args, "at", None)
    if at is None:
        return RealClock()
    return SimulatedClock(at.replace(tzinfo=ZoneInfo(config.timezone)))


AT_HELP = '"YYYY-MM-DD HH:MM" in the forum\'s time zone (default: the real time; for tests and replays)'


def _backup_commands(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    backup = add("backup", "write one archive (.tar.gz) of the forum: its database, the ballot key's fingerprint "
                           "and the Matrix store; never the ballot key itself, which is backed up separately")
    backup.add_argument("file", help="the archive to write, e.g. forum-2024-01-15.tar.gz (readable by you only)")
    restore = add("restore", "restore an archive written by backup into an empty database, with the forum's "
                             "ballot key, then migrate it to this version's schema")
    restore.add_argument("file", help="an archive written by forum-bot backup")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forum-bot", description="The Open Government Forum's chat bot.")
    parser.add_argument("--log-level", default="WARNING", help="logging level (default WARNING; INFO logs every event)")
    parser.add_argument("--log-format", default="json", choices=["json", "text"],
                        help="one JSON object per line (default), or plain text")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", help="the TOML config file (default: ./config.toml if present)")
        p.add_argument("--db", help="an SQLAlchemy database URL (overrides database_url)")
        return p

    run = add("run", "connect the configured networks; with none configured, start the interactive console")
    run.add_argument("--no-demo", action="store_true",
                     help="with no network configured, skip the demo and open the console at once (even when "
                          "standard input is not a terminal)")
    console = add("console", "talk to the bot in the terminal, or replay a transcript with --script")
    console.add_argument("--script", help="a transcript file to replay (see README)")
    console.add_argument("--echo", action="store_true", help="print the transcript's lines too")
    demo = add("demo", "play the bundled transcript of a forum's life, in French and English")
    demo.add_argument("--quiet", action="store_true", help="print only the bot's messages")
    export = add("export", "write a register (decisions, proposals, commitments, votes, milestones, updates, "
                           "meetings, members, notifications) to standard output")
    export.add_argument("what", help="what to export")
    export.add_argument("--format", default="json", help="json, csv or excel (ics for meetings)")
    export.add_argument("--at", type=moment, metavar="MOMENT",
                        help="export as of this moment: the members whose mandates run then, the milestones overdue "
                             "then; " + AT_HELP)
    add("check", "check the configuration, the database, its migrations and the configured networks")
    imp = add("import", "load data from a file: commitments (an action plan's commitments and milestones, "
                        "TOML or CSV; importing again updates, never duplicates)")
    imp.add_argument("what", choices=["commitments"], help="what to import")
    imp.add_argument("file", help="a .toml or .csv file (example: bot/demo/fr-2023-2025-FR0112.toml)")
    imp.add_argument("--at", type=moment, metavar="MOMENT", help="the moment the import is recorded at; " + AT_HELP)
    web = add("web", "serve the public web site (read-only) until interrupted")
    web.add_argument("--listen", help="the address to listen on (default: [web] listen, 127.0.0.1)")
    web.add_argument("--port", type=int, help="the port (default: [web] port, 8080)")
    web.add_argument("--at", type=moment, metavar="MOMENT", help="show the site as of this moment; " + AT_HELP)
    site = add("site", "the public web site as static files")
    site.add_argument("action", choices=["build"], help="build: write every page under DIR")
    site.add_argument("dir", help="the folder to write into (created if missing)")
    site.add_argument("--at", type=moment, metavar="MOMENT", help="build the site as of this moment; " + AT_HELP)
    _backup_commands(add)
    db = add("db", "database maintenance")
    db.add_argument("action", choices=["upgrade"], help="upgrade: apply the schema migrations")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    setup_logging(args.log_level, args.log_format)
    if not args.command:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command](args)
    except (ConfigError, AlreadyRunning, BallotKeyError) as exc:
        print(f"forum-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def cmd_db(args: argparse.Namespace) -> int:
    from bot.storage.db import make_engine
    from bot.storage.migrate import current_revision, upgrade

    engine = make_engine(_config(args).database_url)
    upgrade(engine)
    print(f"database at revision {current_revision(engine)}")
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from bot.app import Forum
    from bot.transports.console import SCRIPT_START, run_interactive, run_script

    config = _config(args)
    if args.script:
        try:
            text = Path(args.script).read_text(encoding="utf-8")
        except OSError as exc:
            print(f"forum-bot: cannot read {args.script}: {exc.strerror}", file=sys.stderr)
            return 2
        lock = single_process_lock(config.database_url)
        forum = Forum(config, SimulatedClock(SCRIPT_START))
        return asyncio.run(run_script(forum, text, echo=args.echo))
    lock = single_process_lock(config.database_url)  # noqa: F841  (held until exit)
    forum = Forum(config, SimulatedClock(RealClock().now()))
    return asyncio.run(run_interactive(forum))


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.app import Forum
    from bot.runtime.process import demo_script
    from bot.transports.console import SCRIPT_START, run_script

    text = demo_script()
    config = _config(args)
    with tempfile.TemporaryDirectory() as tmp:
        if not args.db:
            config = replace(config, database_url=f"sqlite:///{tmp}/demo.sqlite3")
        forum = Forum(config, SimulatedClock(SCRIPT_START))
        return asyncio.run(run_script(forum, text, echo=not args.quiet))


def cmd_run(args: argparse.Namespace) -> int:
    from bot.runtime.process import run

    config = _config(args)
    lock = single_process_lock(config.database_url)  # noqa: F841  (held until exit)
    return asyncio.run(run(config, demo=not args.no_demo))


def cmd_check(args: argparse.Namespace) -> int:
    from bot.health import check

    return asyncio.run(check(_config(args)))


def cmd_export(args: argparse.Namespace) -> int:
    from bot.app import Forum
    from bot.exports import export, exporters
    from bot.storage.db import unit_of_work

    config = _config(args)
    missing = missing_database(config.database_url)
    if missing:
        print(f"forum-bot: export: no database at {missing} (check --db or database_url)", file=sys.stderr)
        return 2
    forum = Forum(config, _clock(args, config))
    if args.what not in exporters or args.format not in exporters[args.what].formats:
        kinds = ", ".join(sorted(exporters))
        print(f"forum-bot: export: expected one of {kinds} with --format "
              f"{'|'.join(exporters.get(args.what, exporters['members']).formats)}", file=sys.stderr)
        return 2
    with unit_of_work(forum.engine) as session:
        sys.stdout.write(export(session, config, forum.clock.now(), args.what, args.format))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from bot.app import Forum
    from bot.domain.tracking.importing import PlanImportError, import_commitments, read_plan
    from bot.storage.db import unit_of_work

    config = _config(args)
    forum = Forum(config, _clock(args, config))
    try:
        plan = read_plan(Path(args.file))
        with unit_of_work(forum.engine) as session:
            report = import_commitments(session, config, forum.clock.now(), plan, source=args.file)
    except OSError as exc:
        print(f"forum-bot: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except PlanImportError as exc:
        print(f"forum-bot: import: {exc}", file=sys.stderr)
        return 2
    print(f"imported {args.file}: {report}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.runtime.backup import KEY_NOTE, BackupError, backup

    try:
        manifest = backup(_config(args), Path(args.file), RealClock().now())
    except BackupError as exc:
        print(f"forum-bot: backup: {exc}", file=sys.stderr)
        return 1
    store = ", the Matrix store" if manifest.matrix_store else ""
    print(f"wrote {args.file}: the {manifest.database} database at revision {manifest.schema_revision}{store}; "
          f"{KEY_NOTE}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.runtime.backup import BackupError, restore

    config = _config(args)
    try:
        lock = single_process_lock(config.database_url)  # noqa: F841  (no bot on this file while it is restored)
        manifest, revision = restore(config, Path(args.file))
    except FileNotFoundError as exc:
        print(f"forum-bot: restore: no folder for {exc.filename} (make it first)", file=sys.stderr)
        return 1
    except BackupError as exc:
        print(f"forum-bot: restore: {exc}", file=sys.stderr)
        return 1
    migrated = "" if revision == manifest.schema_revision else f" (migrated from {manifest.schema_revision})"
    store = f", the Matrix store in {config.matrix.store_path}" if manifest.matrix_store else ""
    print(f"restored {args.file} (made {manifest.created_at}): the database at revision {revision}{migrated}{store}")
    return 0


def _site(args: argparse.Namespace) -> tuple[Config, Site]:
    from bot.app import Forum
    from bot.web.site import Site

    config = _config(args)
    forum = Forum(config, _clock(args, config))
    return config, Site(forum.engine, config, forum.clock)


def cmd_web(args: argparse.Namespace) -> int:
    from bot.web.server import serve_forever

    config, site = _site(args)
    host, port = args.listen or config.web.listen, args.port or config.web.port
    print(f"forum-bot: the site is on http://{host}:{port}/", file=sys.stderr)
    metrics = None
    if config.metrics.enabled:  # the outbox's backlog, read from the database (this process handles no message)
        from bot.runtime.metrics import Metrics, configured_networks

        metrics = Metrics(site.engine, site.clock, configured_networks(config)).render
    asyncio.run(serve_forever(site, host, port, metrics))
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    from bot.web.build import build

    _, site = _site(args)
    written = build(site, Path(args.dir))
    print(f"wrote {written} files under {args.dir}")
    return 0


COMMANDS = {"web": cmd_web, "site": cmd_site,
            "check": cmd_check, "import": cmd_import, "db": cmd_db, "console": cmd_console, "demo": cmd_demo,
            "run": cmd_run, "export": cmd_export, "backup": cmd_backup, "restore": cmd_restore}
