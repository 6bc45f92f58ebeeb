"""CSV to the NDJSON of `POST /admin/import`: a row per customer, or per profile.

The header row names the columns, in any order; empty cells are left out.
- `clientId`, on every row. `RelayCustomerID`, `Name`, `HeartbeatIntervalSeconds`,
  `GracePeriodSeconds`: the customer. Its rows may repeat them or leave them empty,
  but must not disagree.
- `ProfileType` (`inbound` or `outbound`) and `ProfileId`: the row also holds that
  profile; both empty for a row with only the customer.
- `ProfileHeartbeatIntervalSeconds`, `ProfileGracePeriodSeconds`: the profile's
  timing overrides.
- Any other column is a profile field by its wire name (`ProfileName`, `Active`,
  `ReceivePort`, ...), its cell converted to the field's type (`yes`/`no` for booleans).
"""

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from cli.fields import CUSTOMER_MODELS, PROFILE_MODELS, FieldProblem, convert, names

CLIENT = "clientId"
ADDRESS = ("ProfileType", "ProfileId")
CUSTOMER = tuple(names(CUSTOMER_MODELS))
TIMING = {
    "ProfileHeartbeatIntervalSeconds": "HeartbeatIntervalSeconds",
    "ProfileGracePeriodSeconds": "GracePeriodSeconds",
}
PROFILE_FIELDS = {n for models in PROFILE_MODELS.values() for n in names(models)}
KNOWN = {CLIENT, *ADDRESS, *CUSTOMER, *TIMING, *(PROFILE_FIELDS - set(CUSTOMER))}


class CsvProblem(ValueError):
    """A CSV file that does not map to an import; the message names the row."""


@dataclass
class Line:
    """One customer of the import and the CSV rows it came from."""

    client_id: str
    rows: list[int] = field(default_factory=list)
    customer: dict[str, Any] = field(default_factory=dict)
    profiles: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {"inbound": {}, "outbound": {}}
    )

    def doc(self) -> dict[str, Any]:
        """The NDJSON line's object."""
        out: dict[str, Any] = {CLIENT: self.client_id, "customer": self.customer}
        out.update({kind: by_id for kind, by_id in self.profiles.items() if by_id})
        return out

    def origin(self) -> str:
        """Where it came from, for messages."""
        rows = ", ".join(map(str, self.rows))
        return f"clientId '{self.client_id}', CSV row(s) {rows}"


def _check_header(columns: list[str] | None) -> None:
    if not columns or CLIENT not in columns:
        raise CsvProblem(f"the header row must name a '{CLIENT}' column")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    unknown = [c for c in columns if c not in KNOWN]
    if repeated:
        raise CsvProblem(f"column(s) named twice: {', '.join(repeated)}")
    if unknown:
        raise CsvProblem(f"unknown column(s): {', '.join(unknown)}")


def _merge_customer(line: Line, row: int, cells: dict[str, str]) -> None:
    for name in CUSTOMER:
        if name not in cells:
            continue
        value = convert(CUSTOMER_MODELS, name, cells.pop(name))
        if line.customer.setdefault(name, value) != value:
            raise CsvProblem(f"row {row}: {name} differs from an earlier row of '{line.client_id}'")


def _address(row: int, cells: dict[str, str]) -> tuple[str, str] | None:
    kind, pid = (cells.pop(name, "") for name in ADDRESS)
    if not kind and not pid:
        return None
    if kind.lower() not in PROFILE_MODELS or not pid.isdigit():
        raise CsvProblem(f"row {row}: ProfileType must be inbound or outbound, ProfileId a number")
    return kind.lower(), str(int(pid))


def _add_profile(line: Line, row: int, cells: dict[str, str]) -> None:
    address = _address(row, cells)
    if address is None:
        if cells:
            raise CsvProblem(f"row {row}: profile fields without ProfileType and ProfileId")
        return
    kind, pid = address
    if pid in line.profiles[kind]:
        raise CsvProblem(f"row {row}: {kind} profile {pid} of '{line.client_id}' again")
    named = {TIMING.get(name, name): text for name, text in cells.items()}
    line.profiles[kind][pid] = {n: convert(PROFILE_MODELS[kind], n, t) for n, t in named.items()}


def _add_row(lines: dict[str, Line], row: int, raw: dict[str | None, Any]) -> None:
    if None in raw:
        raise CsvProblem(f"row {row}: more cells than columns")
    cells = {k: v.strip() for k, v in raw.items() if k is not None and v and v.strip()}
    if not cells:
        return
    client_id = cells.pop(CLIENT, "")
    if not client_id:
        raise CsvProblem(f"row {row}: no {CLIENT}")
    line = lines.setdefault(client_id, Line(client_id))
    line.rows.append(row)
    try:
        _merge_customer(line, row, cells)
        _add_profile(line, row, cells)
    except FieldProblem as e:
        raise CsvProblem(f"row {row}: {e}") from e


def lines_of(text: str) -> list[Line]:
    """The customers of a CSV text, in the order they first appear."""
    reader = csv.DictReader(io.StringIO(text))
    _check_header(list(reader.fieldnames) if reader.fieldnames else None)
    lines: dict[str, Line] = {}
    for raw in reader:
        _add_row(lines, reader.line_num, raw)
    return list(lines.values())


def ndjson(lines: list[Line]) -> bytes:
    """The import body: one JSON object a line."""
    return b"".join(json.dumps(line.doc()).encode() + b"\n" for line in lines)
