"""The open register: exporters by name, written as JSON or CSV with stable snake_case keys.

An exporter may also name whole-document formats (`documents={"ics": fn}`): `fn(session, config, now)` returns the
file's text itself (e.g. the meetings' iCalendar file), since such a file is not a table of rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.config import Config

Row = dict[str, Any]
Document = Callable[[Session, Config, datetime], str]


@dataclass(frozen=True)
class Exporter:
    """One kind of export: its field names and how to read its rows."""

    name: str
    fields: tuple[str, ...]
    rows: Callable[[Session, Config, datetime], list[Row]]
    formats: tuple[str, ...] = ("json", "csv", "excel")
    documents: Mapping[str, Document] = field(default_factory=dict)


exporters: dict[str, Exporter] = {}


def exporter(name: str, fields: tuple[str, ...], formats: tuple[str, ...] = ("json", "csv", "excel"),
             documents: Mapping[str, Document] | None = None
             ) -> Callable[[Callable[[Session, Config, datetime], list[Row]]],
                           Callable[[Session, Config, datetime], list[Row]]]:
    """Decorator registering an exporter."""

    def decorate(fn: Callable[[Session, Config, datetime], list[Row]]
                 ) -> Callable[[Session, Config, datetime], list[Row]]:
        exporters[name] = Exporter(name, fields, fn, formats, dict(documents or {}))
        return fn

    return decorate


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


BOOLEANS = {"csv": ("true", "false"), "excel": ("oui", "non")}


def _cell(value: Any, booleans: tuple[str, str]) -> Any:
    """A CSV cell: empty for None, a boolean as `booleans` says, a list as `a; b`, a mapping as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return booleans[0] if value else booleans[1]
    if isinstance(value, list) and all(not isinstance(v, list | dict) for v in value):
        return "; ".join("" if v is None else str(v) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def write(rows: list[Row], fields: tuple[str, ...], fmt: str) -> str:
    """Serialise rows: JSON (a list of objects), CSV (a header line, then one line per row) or `excel`: CSV as a
    French Excel opens it cleanly (a UTF-8 byte order mark, `;` between cells, booleans as oui/non)."""
    clean = [{key: _plain(row.get(key)) for key in fields} for row in rows]
    if fmt == "json":
        return json.dumps(clean, ensure_ascii=False, indent=2) + "\n"
    buffer = io.StringIO()
    if fmt == "excel":
        buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\n",
                            delimiter=";" if fmt == "excel" else ",")
    writer.writeheader()
    for row in clean:
        writer.writerow({k: _cell(v, BOOLEANS[fmt]) for k, v in row.items()})
    return buffer.getvalue()


def export(session: Session, config: Config, now: datetime, name: str, fmt: str) -> str:
    chosen = exporters[name]
    if chosen.name != name or fmt not in chosen.formats:
        raise KeyError(fmt)
    if fmt in chosen.documents:
        return chosen.documents[fmt](session, config, now)
    return write(chosen.rows(session, config, now), chosen.fields, fmt)
