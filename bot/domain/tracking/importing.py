"""Loading an action plan's commitments and milestones from a TOML or CSV file (`forum-bot import commitments`).

TOML: `[[commitment]]` tables (code, title, group, group_name) each with `[[commitment.milestone]]` tables
(title, due, done, evidence). CSV: one line per milestone with the columns code, title, group, group_name,
milestone, due, done, evidence (a line without milestone only declares the commitment).
Importing again updates what changed and adds what is new; nothing is duplicated: commitments are matched by
code, milestones by commitment and title.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from bot.audit import record_audit
from bot.config import Config
from bot.domain.people import group_by_slug
from bot.domain.tracking.commitments import normalize_code
from bot.rules.periods import Period, PeriodError, parse_period
from bot.storage.tables import Commitment, Milestone, WorkingGroup


class PlanImportError(ValueError):
    """A file that cannot be imported; the message says where and what was expected."""


@dataclass
class ImportReport:
    commitments_added: int = 0
    commitments_updated: int = 0
    milestones_added: int = 0
    milestones_updated: int = 0
    groups_added: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"commitments: {self.commitments_added} added, {self.commitments_updated} updated; "
                f"milestones: {self.milestones_added} added, {self.milestones_updated} updated"
                + (f"; groups added: {', '.join(self.groups_added)}" if self.groups_added else ""))


def read_plan(path: Path) -> list[dict[str, Any]]:
    """The commitments of a TOML or CSV file, as plain dictionaries."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".toml":
        return _read_toml(path, text)
    if path.suffix.lower() == ".csv":
        return _read_csv(path, text)
    raise PlanImportError(f"{path}: expected a .toml or .csv file")


def _read_toml(path: Path, text: str) -> list[dict[str, Any]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanImportError(f"{path}: not valid TOML ({exc})") from exc
    plan = data.get("commitment", [])
    if not isinstance(plan, list):
        raise PlanImportError(f"{path}: expected [[commitment]] tables")
    return plan


_CSV_MILESTONE = (("title", "milestone"), ("due", "due"), ("done", "done"), ("evidence", "evidence"))


def _read_csv(path: Path, text: str) -> list[dict[str, Any]]:
    by_code: dict[str, dict[str, Any]] = {}
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","  # French Excel writes `;`
    for lineno, row in enumerate(csv.DictReader(io.StringIO(text), delimiter=delimiter), start=2):
        code = (row.get("code") or "").strip()
        if not code:
            raise PlanImportError(f"{path}:{lineno}: the column code is empty")
        entry = by_code.setdefault(code, {"code": code, "milestone": []})
        for key in ("title", "group", "group_name"):
            if (row.get(key) or "").strip():
                entry[key] = row[key].strip()
        if (row.get("milestone") or "").strip():
            entry["milestone"].append({key: (row.get(column) or "").strip() or None
                                       for key, column in _CSV_MILESTONE})
    return list(by_code.values())


def _done_at(value: Any, config: Config, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=config.tz)
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError as exc:
        raise PlanImportError(f"{where}: done must be a date like 2024-02-15, got {value!r}") from exc
    return datetime.combine(day, time(12, 0), tzinfo=config.tz).astimezone(UTC)


def import_commitments(session: Session, config: Config, now: datetime, plan: list[dict[str, Any]],
                       source: str = "file") -> ImportReport:
    """Create or update the commitments and milestones of `plan` in the current transaction."""
    report = ImportReport()
    for index, entry in enumerate(plan, start=1):
        where = f"{source}: commitment {index}"
        commitment = _import_commitment(session, now, entry, where, report)
        assert commitment.id is not None
        existing = {m.title: m for m in session.exec(select(Milestone).where(
            Milestone.commitment_id == commitment.id)).all()}
        for number, item in enumerate(entry.get("milestone") or [], start=1):
            spot = f"{where} ({commitment.code}), milestone {number}"
            _import_milestone(session, config, now, commitment.id, existing, item, spot, report)
    session.flush()
    record_audit(session, now, None, "commitments.import", "plan", source, {"report": str(report)})
    return report


def _import_group(session: Session, now: datetime, entry: dict[str, Any], report: ImportReport) -> WorkingGroup | None:
    if not entry.get("group"):
        return None
    slug = str(entry["group"]).strip().lower()
    group = group_by_slug(session, slug)
    if group is None:
        group = WorkingGroup(slug=slug, name=str(entry.get("group_name") or slug), created_at=now)
        session.add(group)
        session.flush()
        report.groups_added.append(slug)
    return group


def _import_commitment(session: Session, now: datetime, entry: dict[str, Any], where: str,
                       report: ImportReport) -> Commitment:
    code = normalize_code(str(entry.get("code", "")))
    if code is None:
        raise PlanImportError(f"{where}: code must look like FR0112, got {entry.get('code')!r}")
    title = str(entry.get("title") or "").strip()
    if not title:
        raise PlanImportError(f"{where} ({code}): title is missing")
    group = _import_group(session, now, entry, report)
    commitment = session.exec(select(Commitment).where(Commitment.code == code)).first()
    if commitment is None:
        commitment = Commitment(code=code, title=title, group_id=group.id if group else None, created_at=now)
        session.add(commitment)
        session.flush()
        report.commitments_added += 1
    elif commitment.title != title or (group and commitment.group_id != group.id):
        commitment.title = title
        commitment.group_id = group.id if group else commitment.group_id
        report.commitments_updated += 1
    return commitment


def _due_period(item: dict[str, Any], spot: str) -> Period:
    try:
        return parse_period(str(item.get("due") or ""))
    except PeriodError as exc:
        raise PlanImportError(f"{spot}: due {item.get('due')!r} is not a period I understand ({exc}); "
                              "accepted: 2024-02-15, 2024-02, février 2024, T3 2024, S1 2024, 2025") from exc


def _import_milestone(session: Session, config: Config, now: datetime, commitment_id: int,
                      existing: dict[str, Milestone], item: dict[str, Any], spot: str, report: ImportReport) -> None:
    """Add the milestone, or update the one of the same title (a new due date re-arms its overdue alert)."""
    title = str(item.get("title") or "").strip()
    if not title:
        raise PlanImportError(f"{spot}: title is missing")
    period = _due_period(item, spot)
    done_at = _done_at(item.get("done"), config, spot)
    evidence = item.get("evidence") or None
    milestone = existing.get(title)
    if milestone is None:
        milestone = Milestone(commitment_id=commitment_id, title=title, period_key=period.key(),
                              period_text=period.text, due=period.due, done_at=done_at, evidence=evidence,
                              created_at=now)
        session.add(milestone)
        existing[title] = milestone
        report.milestones_added += 1
        return
    changed = False
    if milestone.period_key != period.key() or milestone.period_text != period.text:
        if milestone.due != period.due:
            milestone.overdue_alerted_at = None  # a new due date: a new alert when it passes
        milestone.period_key, milestone.period_text, milestone.due = period.key(), period.text, period.due
        changed = True
    if done_at is not None and milestone.done_at is None:
        milestone.done_at, changed = done_at, True
    if evidence and milestone.evidence != evidence:
        milestone.evidence, changed = evidence, True
    report.milestones_updated += changed
