"""Executemany of a Core INSERT with rows of plain values, without per-row SQLAlchemy work.

`Connection.execute(insert, rows)` builds every row's parameters in Python (the
compiler's `construct_params`, then each type's bind processor: on SQLite every
datetime becomes a string), which costs more than SQLite's own work for the small,
many rows of the minute rollups and the reported state. `execute_many` takes rows as
tuples, compiles the statement for the connection's dialect once per call, converts
each column's values with that column type's own bind processor (a UTC datetime or a
date once per call: a batch's rows share their minutes and heartbeat times), and
hands the driver the rows as its paramstyle takes them through `exec_driver_sql`.
The SQL and the stored values are those `execute` gives.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

Insert = postgresql.Insert | sqlite.Insert


def execute_many(
    conn: Connection, stmt: Insert, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Execute `stmt` once per row; a row holds the values of `columns` (table columns)."""
    if not rows:
        return
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
    names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    if set(names) != set(columns):  # parameters besides the rows' values: the general path
        conn.execute(stmt, [dict(zip(columns, row, strict=True)) for row in rows])
        return
    values = [_values(conn, stmt, columns.index(name), name, rows) for name in names]
    tuples = list(zip(*values, strict=True))
    if compiled.positional:
        conn.exec_driver_sql(compiled.string, tuples)
    else:
        conn.exec_driver_sql(compiled.string, [dict(zip(names, t, strict=True)) for t in tuples])


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
