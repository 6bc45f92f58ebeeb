"""A working copy of the PBX tables for one batch of records: read once, written once.

Folding a batch reads each key from its table the first time, changes the copy, and
`flush` publishes the batch's `pbx-changes` records and its tokens' records
(`processors.pbx.live_tokens`), acks=all, before it writes each changed key once, in the
changelog partition of the last record that touched it. A crash before the writes
replays the batch: the changes are published again with the same ids, which the SQL
sink recognizes, and the tokens' records again with the same values.
"""

import asyncio
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Literal, overload

from pydantic import BaseModel

from processors.app import Hub
from processors.pbx import event_gates, live_tokens
from processors.runtime.faust_types import Event, Stream, set_current_event
from schemas.events import PbxConnectionEvent
from schemas.pbx import Lockout, PbxRecord, Session, StoredEvent, UserRecord
from schemas.pbx_topics import PbxChange
from schemas.pbx_upstream import Upstream

ModelTable = Literal["pbxes", "pbx-events", "pbx-users", "pbx-lockouts", "pbx-upstreams"]
"""The PBX tables whose values are pydantic models."""
TableName = ModelTable | Literal["pbx-tokens"]
Key = tuple[TableName, str]
_MISSING = object()


@dataclass
class Work:
    """Cached values by (table name, key); `None` marks a deletion.

    The values of every table share one cache, so they are `object` here; `get` and
    `mutable` say, per table name, which model a table holds."""

    hub: Hub
    event: Event | None = None
    values: dict[Key, object] = field(default_factory=dict)
    dirty: dict[Key, Event | None] = field(default_factory=dict)
    changes: list[PbxChange] = field(default_factory=list)
    tokens: live_tokens.Tokens = field(default_factory=dict)
    events: list[PbxConnectionEvent] = field(default_factory=list)
    kicks: set[str] = field(default_factory=set)
    connect: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)
    copied: set[Key] = field(default_factory=set)
    shallow: set[str] = field(default_factory=set)
    sessions: set[tuple[str, str]] = field(default_factory=set)

    def table(self, name: TableName) -> MutableMapping[str, object]:
        """The faust table called `name` (`pbxes`, `pbx-tokens`, ...)."""
        table = getattr(self.hub, name.replace("-", "_"))
        if not isinstance(table, MutableMapping):
            raise TypeError(f"the hub's {name} is not a table")
        return table

    @overload
    def get(self, name: Literal["pbxes"], key: str) -> PbxRecord | None: ...
    @overload
    def get(self, name: Literal["pbx-tokens"], key: str) -> str | None: ...
    @overload
    def get(self, name: Literal["pbx-events"], key: str) -> StoredEvent | None: ...
    @overload
    def get(self, name: Literal["pbx-users"], key: str) -> UserRecord | None: ...
    @overload
    def get(self, name: Literal["pbx-lockouts"], key: str) -> Lockout | None: ...
    @overload
    def get(self, name: Literal["pbx-upstreams"], key: str) -> Upstream | None: ...
    def get(self, name: TableName, key: str) -> object:
        """The value as this batch left it, else as the table holds it."""
        cached = self.values.get((name, key), _MISSING)
        if cached is _MISSING:
            cached = self.table(name).get(key)
            self.values[(name, key)] = cached
        return cached

    @overload
    def mutable(self, name: Literal["pbxes"], key: str) -> PbxRecord | None: ...
    @overload
    def mutable(self, name: Literal["pbx-events"], key: str) -> StoredEvent | None: ...
    @overload
    def mutable(self, name: Literal["pbx-users"], key: str) -> UserRecord | None: ...
    @overload
    def mutable(self, name: Literal["pbx-lockouts"], key: str) -> Lockout | None: ...
    @overload
    def mutable(self, name: Literal["pbx-upstreams"], key: str) -> Upstream | None: ...
    def mutable(self, name: ModelTable, key: str) -> BaseModel | None:
        """The value to change in place: copied once per batch, never the table's own object.

        A batch that fails half-way thus leaves the tables as the changelog has them.
        None when there is no value.
        """
        value = self.get(name, key)
        if value is None or (name, key) in self.copied:
            return value
        value = _own_record(value) if isinstance(value, PbxRecord) else value.model_copy(deep=True)
        self.values[(name, key)] = value
        self.copied.add((name, key))
        self.dirty[(name, key)] = self.event
        return value

    def own(self, key: str) -> PbxRecord:
        """The PBX record `key`, which exists, to change in place (as `mutable`)."""
        rec = self.mutable("pbxes", key)
        if rec is None:
            raise KeyError(f"no PBX {key} to change")
        return rec

    def record(self, key: str) -> PbxRecord:
        """A PBX record whose own fields (not its sessions) the batch may change in place:
        copied shallowly once per batch, its sessions' mapping with it."""
        rec = self.get("pbxes", key)
        if rec is None:
            raise KeyError(f"no PBX {key} to change")
        if ("pbxes", key) not in self.copied and key not in self.shallow:
            rec = rec.model_copy(update={"sessions": dict(rec.sessions)})
            self.values[("pbxes", key)] = rec
            self.shallow.add(key)
        self.dirty[("pbxes", key)] = self.event
        return rec

    def session(self, key: str, sid: str) -> tuple[PbxRecord, Session]:
        """A PBX record and one of its sessions, to change that session alone in place.

        Copies the record shallowly and only that session: a delivery attempt or a
        heartbeat of one session does not copy the other sessions' queues.
        """
        rec = self.record(key)
        if ("pbxes", key) not in self.copied and (key, sid) not in self.sessions:
            rec.sessions[sid] = _own_copy(rec.sessions[sid])
            self.sessions.add((key, sid))
        self.dirty[("pbxes", key)] = self.event
        return rec, rec.sessions[sid]

    def put(self, name: TableName, key: str, value: object) -> None:
        """Change a value (None deletes it) under the current record's partition.

        Putting back what `mutable` or `session` gave keeps what they know was copied;
        any other value is taken to belong to the batch alone.
        """
        same = self.values.get((name, key), _MISSING) is value
        self.values[(name, key)] = value
        self.dirty[(name, key)] = self.event
        if same:
            return
        self.shallow.discard(key)
        if value is None:
            self.copied.discard((name, key))
        else:
            self.copied.add((name, key))

    def _dirty(self, name: TableName) -> list[str]:
        return [key for table, key in self.dirty if table == name]

    def keys(self, name: TableName) -> list[str]:
        """Every key of a table as this batch sees it."""
        held = set(self.table(name).keys())
        for (table, key), value in self.values.items():
            if table == name:
                (held.add if value is not None else held.discard)(key)
        return sorted(held)

    async def flush(self, stream: Stream | None) -> None:
        """Publish the changes and connection events, then write every changed key once."""
        # Sent in order, acknowledged together: one round trip per batch, not per record
        # (the idempotent producer keeps each partition's order).
        futures = [
            await self.hub.pbx_changes.send(
                key=change.client_id.encode(), value=change.model_dump_json().encode()
            )
            for change in self.changes
        ]
        for event in self.events:
            futures.append(
                await self.hub.health_events.send(
                    key=event.client_id.encode(), value=event.model_dump_json().encode()
                )
            )
        await asyncio.gather(*futures)
        if self.tokens:
            await live_tokens.publish(self.hub, self.tokens)
        written = {key: self.get("pbxes", key) for key in self._dirty("pbxes")}
        gates = event_gates.changed(self.hub.pbxes, written)
        if gates:
            await event_gates.publish(self.hub, gates)
        for (name, key), source in self.dirty.items():
            if source is not None and stream is not None:
                set_current_event(stream, source)
            value, table = self.values[(name, key)], self.table(name)
            if value is None:
                if key in table:
                    del table[key]
            else:
                table[key] = value
        self.changes.clear()
        self.tokens.clear()
        self.events.clear()
        self.dirty.clear()
        self.copied.clear()
        self.shallow.clear()
        self.sessions.clear()


def _own_copy(s: Session) -> Session:
    """A session the batch may change: its fields are immutable values or replaced whole
    (the callback), except its queue, which is changed in place and so copied too. A deep
    copy cost about four times as much (most of a heartbeat's fold)."""
    return s.model_copy(update={"queue": list(s.queue)})


def _own_record(rec: PbxRecord) -> PbxRecord:
    """A PBX the batch may change: its config and users are replaced whole, its sessions'
    mapping and each session changed in place, so those are copied (each session as
    `_own_copy`); a deep copy of a PBX with 100 sessions cost several times as much."""
    own = {sid: _own_copy(s) for sid, s in rec.sessions.items()}
    return rec.model_copy(update={"sessions": own, "users": list(rec.users)})
