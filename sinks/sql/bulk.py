"""Executemany of a Core INSERT with rows of plain values, without per-row SQLAlchemy work.

`Connection.execute(insert, rows)` builds every row's parameters in Python (the
compiler's `construct_params`, then each type's bind processor: on SQLite every
datetime becomes a string), which costs more than SQLite's own work for the small,
many rows of the minute rollups and the reported state. `execute_many` takes rows as
tuples, compiles the statement for the connection's dialect once per call, converts
each column's values with that column type's own bind processor (a UTC datetime or a
date once per call: a batch's rows share their minutes and heartbeat times), and
hands the driver the rows through `exec_driver_sql`: to SQLite's executemany as
tuples, to PostgreSQL as statements of many rows each (psycopg's executemany costs
more per row than the server). The stored values are those `execute` gives.
"""

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

Insert = postgresql.Insert | sqlite.Insert
ROWS_PER_STATEMENT = 500
"""Rows per statement where the driver's executemany is slow (PostgreSQL)."""
_NAMED = re.compile(r"%\((\w+)\)s")
_DEPTH = {"(": 1, ")": -1}


def execute_many(
    conn: Connection, stmt: Insert, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Execute `stmt` for every row; a row holds the values of `columns` (table columns).

    No two rows may have the same key: on PostgreSQL they go in statements of many rows.
    """
    if not rows:
        return
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
    if compiled.positional:
        names = list(compiled.positiontup or ())
    else:
        names = _value_names(compiled.string)
    if sorted(names) != sorted(columns):  # parameters besides the rows' values
        conn.execute(stmt, [dict(zip(columns, row, strict=True)) for row in rows])
        return
    values = [_values(conn, stmt, columns.index(name), name, rows) for name in names]
    tuples = list(zip(*values, strict=True))
    if compiled.positional:
        conn.exec_driver_sql(compiled.string, tuples)
    else:
        _execute_values(conn, compiled.string, tuples)


def _value_names(sql: str) -> list[str]:
    """The parameters of a pyformat INSERT's one VALUES row, in order; none when the
    statement has others too."""
    return _NAMED.findall(sql) if _values_row(sql) is not None else []


def _values_row(sql: str) -> tuple[str, str, str] | None:
    """A pyformat INSERT as its SQL before its VALUES row, the row (`%s` placeholders,
    casts kept) and the SQL after it; None unless every parameter is in that row."""
    positional = _NAMED.sub("%s", sql)
    start = positional.find(" VALUES (") + len(" VALUES ")
    if start < len(" VALUES "):
        return None
    depth = 0
    for end in range(start, len(positional)):
        depth += _DEPTH.get(positional[end], 0)
        if depth == 0:
            head, row, tail = positional[:start], positional[start : end + 1], positional[end + 1 :]
            return None if "%s" in head + tail else (head, row, tail)
    return None


def _execute_values(conn: Connection, sql: str, tuples: list[tuple[Any, ...]]) -> None:
    """The rows in statements of up to ROWS_PER_STATEMENT rows (`VALUES (...), (...)`):
    psycopg sends and reads each statement of an executemany apart, in Python."""
    parts = _values_row(sql)
    assert parts is not None
    head, row, tail = parts
    for i in range(0, len(tuples), ROWS_PER_STATEMENT):
        chunk = tuples[i : i + ROWS_PER_STATEMENT]
        params = tuple(value for values in chunk for value in values)
        conn.exec_driver_sql(head + ", ".join([row] * len(chunk)) + tail, params)


def _values(
    conn: Connection, stmt: Insert, index: int, name: str, rows: Sequence[Sequence[Any]]
) -> list[Any]:
    values = [row[index] for row in rows]
    column_type = stmt.table.c[name].type
    process = column_type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return values if process is None else _processed(process, values)


def _processed(process: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    # Equal UTC datetimes (or dates) have equal fields, so equal processed values.
    seen: dict[Any, Any] = {}
    out = []
    for v in values:
        if (type(v) is datetime and v.tzinfo is UTC) or type(v) is date:
            p = seen.get(v)
            if p is None:
                p = seen[v] = process(v)
            out.append(p)
        else:
            out.append(process(v))
    return out
