"""Every row of a database, read generically: for tests that must cover tables nobody has written yet.

`dump_tables(engine)` walks `inspect(engine).get_table_names()` (so a table added by a later migration is read
without changing the test), reflects each table and reads its rows ordered by primary key. Date-time columns come
back as aware UTC datetimes on both databases; text that holds JSON (the `JSONText` columns, or a string inside
such a value that is itself JSON) comes back parsed, recursively.

`leaves(value)` yields every scalar inside a parsed value (lists and dict values walked; dict keys yielded too,
marked, since a key can carry an identifier as well as a value can).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, MetaData, Table, inspect, select

Row = dict[str, Any]


def parse_json_deep(value: Any) -> Any:
    """`value` with every string that holds a JSON object, list or string replaced by its parsed value, recursively
    (a JSON text inside a JSON text is parsed too). Other strings, including bare numbers, are left as they are."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[", '"'):
            try:
                parsed = json.loads(stripped)
            except ValueError:
                return value
            return parse_json_deep(parsed)
        return value
    if isinstance(value, dict):
        return {key: parse_json_deep(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [parse_json_deep(item) for item in value]
    return value


def _utc(value: Any) -> Any:
    if isinstance(value, str):  # SQLite without a parsing type (should not happen with reflection; be lenient)
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _rows(conn: Connection, table: Table, parse_json: bool) -> list[Row]:
    order = list(table.primary_key.columns) or list(table.columns)
    dates = {c.name for c in table.columns if isinstance(c.type, DateTime)}
    out: list[Row] = []
    for row in conn.execute(select(table).order_by(*order)).mappings().all():
        out.append({column: _utc(value) if column in dates and value is not None
                    else parse_json_deep(value) if parse_json else value for column, value in row.items()})
    return out


def table_rows(engine: Engine, name: str, *, parse_json: bool = True) -> list[Row]:
    """The rows of one table, ordered by primary key (by every column when it has none)."""
    table = Table(name, MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        return _rows(conn, table, parse_json)


def dump_tables(engine: Engine, *, parse_json: bool = True) -> dict[str, list[Row]]:
    """Every row of every table of the database, by table name (tables sorted, rows by primary key), read in one
    transaction."""
    names = sorted(inspect(engine).get_table_names())
    metadata = MetaData()
    metadata.reflect(bind=engine, only=names)
    with engine.connect() as conn:
        return {name: _rows(conn, metadata.tables[name], parse_json) for name in names}


KEY = "<key>"  # the path element that marks a dict key yielded by `leaves`


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, scalar) for every scalar inside a parsed value; a dict's keys are yielded with KEY as last element.

    A list is yielded whole as well as item by item (a ballot of an election is a list: it is one value)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, KEY), key
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        yield path, value
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def row_leaves(row: Row) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """`leaves` of each column's value, the path starting with the column's name (which is not yielded itself)."""
    for column, value in row.items():
        yield from leaves(value, (column,))
