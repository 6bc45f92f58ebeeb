"""`POST /admin/import`: many customers and their profiles in one NDJSON body.

One line per customer: `{"clientId": "...", "customer": {...}, "inbound": {"1": {...}},
"outbound": {"1": {...}}}`, the customer and profile bodies exactly as the PUT
endpoints take them. Every line is validated before anything is written: one bad line
is a 400 naming its line number and field (every unknown field, as the PUTs do), and
nothing is published. Then the customers are published in chunks, one record per
`IMPORT_CHUNK` customers of one partition (`CustomersImported`, acks=all), and the
answer comes once all are durable; they become visible in the workers' tables within
moments (the import does not wait for that).
An import is a set of upserts, so one answered 503 is simply sent again.
"""

import uuid
from collections.abc import Iterator
from typing import Any

import orjson
from pydantic import BaseModel, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ingest import strict
from ingest.admin import AdminProblem, addressed
from ingest.body import read_bounded
from ingest.errors import BodyTooLarge
from ingest.services import Services
from schemas.profiles import (
    CustomerConfig,
    InboundConfig,
    InboundProfileBody,
    OutboundConfig,
    OutboundProfileBody,
    ProfileConfig,
)
from schemas.topics import CustomerImported, CustomersImported, imports_key, partition_for

IMPORT_CHUNK = 50  # customers a record: ~30 KB with two profiles each, far below 1 MB
IN_FLIGHT = 200  # records awaiting their acknowledgement at once (one wake-up each batch)


class ImportLine(BaseModel):
    """One customer of an import, with its profiles by id."""

    clientId: str = Field(min_length=1, max_length=128)
    customer: CustomerConfig
    inbound: dict[int, dict[str, Any]] = Field(default_factory=dict)
    outbound: dict[int, dict[str, Any]] = Field(default_factory=dict)


def _profile(line: ImportLine, pid: int, body: dict[str, Any], inbound: bool) -> ProfileConfig:
    if not 0 < pid < 2**31:
        raise AdminProblem(400, f"profileId {pid} must be a positive 32-bit integer")
    model: type[InboundProfileBody | OutboundProfileBody] = (
        InboundProfileBody if inbound else OutboundProfileBody
    )
    try:
        config, timing = strict.from_python(model, body).split()
    except ValidationError as e:
        # Validated apart from its line, so the path says which profile it is.
        where = f"{'inbound' if inbound else 'outbound'}.{pid}"
        raise AdminProblem(400, f"invalid: {strict.reason(e, where)}") from e
    wire = addressed(config, pid, line.customer.RelayCustomerID)
    if inbound:
        return InboundConfig(wire=wire, timing=timing)
    return OutboundConfig(wire=wire, timing=timing)


def records_of(raw: bytes, at: Any) -> list[CustomerImported]:
    """One record per customer of the body, in order; AdminProblem 400 at the first bad line."""
    out: list[CustomerImported] = []
    for number, text in enumerate(raw.splitlines(), start=1):
        if not text.strip():
            continue
        try:
            line = strict.from_json(ImportLine, text)
            inbound = [_profile(line, p, b, True) for p, b in sorted(line.inbound.items())]
            outbound = [_profile(line, p, b, False) for p, b in sorted(line.outbound.items())]
            out.append(
                CustomerImported(
                    client_id=line.clientId,
                    customer=line.customer,
                    profiles=[*inbound, *outbound],
                    at=at,
                )
            )
        except ValidationError as e:
            raise AdminProblem(400, f"line {number}: invalid: {strict.reason(e)}") from e
        except AdminProblem as e:
            raise AdminProblem(400, f"line {number}: {e.message}") from e
    return out


def chunks(records: list[CustomerImported], partitions: int) -> Iterator[CustomersImported]:
    """The records as chunks of one partition each, in order within each partition."""
    by_partition: dict[int, list[CustomerImported]] = {}
    for r in records:
        by_partition.setdefault(partition_for(r.client_id, partitions), []).append(r)
    for members in by_partition.values():
        for start in range(0, len(members), IMPORT_CHUNK):
            part = members[start : start + IMPORT_CHUNK]
            yield CustomersImported(batch=uuid.uuid4().hex, at=part[0].at, customers=part)


INNER = {"customers": {"__all__": {"kind", "at"}}}  # the chunk's own `at` is theirs


def _dump(chunk: CustomersImported) -> bytes:
    return chunk.model_dump_json(exclude=INNER).encode()


async def _publish_all(services: Services, records: list[CustomerImported]) -> None:
    parts = services.settings.partitions
    batch = [
        (imports_key(c.batch), _dump(c), partition_for(c.client_id, parts))
        for c in chunks(records, parts)
    ]
    for start in range(0, len(batch), IN_FLIGHT):
        await services.publisher.publish_many(
            services.topics.config, batch[start : start + IN_FLIGHT]
        )


async def post_import(request: Request, services: Services) -> Response:
    """Validate every line, publish every record, answer the counts."""
    try:
        raw = await read_bounded(request, services.settings.max_import_bytes)
    except BodyTooLarge as e:
        raise AdminProblem(413, str(e)) from e
    records = records_of(raw, services.clock.now())
    await _publish_all(services, records)
    body = {"customers": len(records), "profiles": sum(len(r.profiles) for r in records)}
    return Response(orjson.dumps(body), 200, None, "application/json")
