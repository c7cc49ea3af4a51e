"""Rewrite the initial migration from the tables (only while nothing is deployed: v0.x).

Usage: python scripts/regen_initial_migration.py
"""

import tempfile
from pathlib import Path

from alembic import command

from bot.storage.db import make_engine
from bot.storage.migrate import MIGRATIONS, alembic_config

versions = MIGRATIONS / "versions"
for old in versions.glob("0001_*.py"):
    old.unlink()
with tempfile.TemporaryDirectory() as tmp:
    engine = make_engine(f"sqlite:///{tmp}/empty.sqlite3")
    command.revision(alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001",
                     version_path=str(versions))
for new in versions.glob("0001_*.py"):
    text = new.read_text().replace("sqlmodel.sql.sqltypes.AutoString()", "sa.String()")
    new.write_text(text)
    print("wrote", new.relative_to(Path.cwd()))
