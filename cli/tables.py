"""Plain-text tables and key/value blocks for people, and how cells are written."""

import re
from collections.abc import Sequence

NONE = "-"
_FRACTION = re.compile(r"\.\d+(?=Z|[+-]\d\d:\d\d|$)")


def cell(value: object) -> str:
    """A value as a table shows it: booleans as yes/no, null and empty as a dash."""
    if value is None or value == "" or value == []:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    return str(value)


def when(value: object) -> str:
    """An ISO 8601 time to the second, `T` as a space: `2026-01-02 03:04:05Z`."""
    if not isinstance(value, str) or not value:
        return NONE
    text = _FRACTION.sub("", value).replace("T", " ", 1)
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], empty: str = "") -> str:
    """Columns aligned by their widest cell, two spaces apart; `empty` when there are no rows."""
    if not rows and empty:
        return empty
    cells = [[h.upper() for h in headers], *([cell(v) for v in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def fields(pairs: Sequence[tuple[str, object]]) -> str:
    """`name  value` lines, the values aligned."""
    width = max((len(name) for name, _ in pairs), default=0)
    return "\n".join(f"{name.ljust(width)}  {cell(value)}".rstrip() for name, value in pairs)


def blocks(*parts: str) -> str:
    """Sections separated by a blank line (empty ones left out)."""
    return "\n\n".join(p for p in parts if p)
