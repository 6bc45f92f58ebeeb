"""Topic contracts: names, keys, partitioning and the messages they carry."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Literal

from kafka.partitioner.default import murmur2
from pydantic import BaseModel, Field, TypeAdapter

from schemas.access import AccessSet
from schemas.admin_tokens import AdminTokenSet
from schemas.alert_channels import ChannelSet, channel_key
from schemas.customer_deletion import CustomerDeleted, TokenScopesTrimmed, scopes_key
from schemas.enums import ProfileType
from schemas.health import Window
from schemas.profiles import CustomerConfig, ProfileConfig
from schemas.relay import ProfileHeartbeatData

PARTITION_CACHE = 262_144
"""Client ids whose partition is remembered (a few MB)."""

WORKER_TABLES = (
    "customers",
    "profiles",
    "profile-states",
    "commands",
    "health",
    "pbxes",
    "pbx-tokens",
    "pbx-events",
    "pbx-users",
    "pbx-lockouts",
    "pbx-upstreams",
    "customer-access",
    "alert-channels",
    "admin-tokens",
    "blind-periods",
)
"""The processors' tables, each with a compacted changelog topic."""


@dataclass(frozen=True, slots=True)
class TopicNames:
    """The hub's topic names under one prefix, so several hubs can share a cluster."""

    prefix: str

    @property
    def heartbeats(self) -> str:
        """Relay heartbeats as received, keyed by clientId."""
        return f"{self.prefix}relay-heartbeats"

    @property
    def config(self) -> str:
        """Customer and profile configuration (compacted), partitioned by clientId."""
        return f"{self.prefix}config"

    @property
    def commands(self) -> str:
        """Operator orders (desired states, commands, cancellations), keyed by clientId."""
        return f"{self.prefix}commands"

    @property
    def ticks(self) -> str:
        """Sweep ticks each worker sends to the partitions it owns (expiry, deadlines)."""
        return f"{self.prefix}ticks"

    @property
    def command_events(self) -> str:
        """Output: every change of a command's state (`schemas.events.CommandEvent`)."""
        return f"{self.prefix}command-events"

    @property
    def health_events(self) -> str:
        """Output: every change of a profile's health (`schemas.events.HealthEvent`)."""
        return f"{self.prefix}health-events"

    @property
    def pbx(self) -> str:
        """PBX API input: PBXes, users, logins, sessions, event reports (`schemas.pbx_topics`)."""
        return f"{self.prefix}pbx"

    @property
    def pbx_changes(self) -> str:
        """Output: PBXes and their sessions as they change (`schemas.pbx_topics.PbxChange`)."""
        return f"{self.prefix}pbx-changes"

    @property
    def pbx_deliveries(self) -> str:
        """Every attempt to deliver a PBX event to a session (`DeliveryAttempt`); also folded."""
        return f"{self.prefix}pbx-deliveries"

    @property
    def alert_deliveries(self) -> str:
        """Every attempt to send an alert to a channel (`ChannelAttempt`); also folded."""
        return f"{self.prefix}alert-deliveries"

    @property
    def answers(self) -> str:
        """What each client's answer needs (compacted; `schemas.answer_state`), by clientId."""
        return f"{self.prefix}answers"

    @property
    def live_tokens(self) -> str:
        """Each live PBX API token's session (compacted; `schemas.live_token`), by its SHA-256."""
        return f"{self.prefix}pbx-live-tokens"

    @property
    def pbx_event_gates(self) -> str:
        """Each PBX's nonce, for the ingress to check event URLs (compacted;
        `schemas.pbx_event_gate`), by `{clientId}/{pbxId}`."""
        return f"{self.prefix}pbx-event-gates"

    @property
    def probes(self) -> str:
        """Probe records the ingress writes while idle, to know its writes are acknowledged."""
        return f"{self.prefix}ingress-probes"

    @property
    def workers_group(self) -> str:
        """The processors' consumer group and faust app id."""
        return f"{self.prefix}workers"

    def changelog(self, table: str) -> str:
        """The changelog topic of one of the workers' tables (faust's naming)."""
        return f"{self.workers_group}-{table}-changelog"

    def changelogs(self) -> list[str]:
        """Every table's changelog; created up front so no worker races to create them."""
        return [self.changelog(t) for t in WORKER_TABLES]

    def ingress_writes(self) -> list[str]:
        """The topics an ingress publishes to: their metadata is fetched as it starts (one
        request per topic, 0.1 s apart: all of them, changelogs included, took 3 s)."""
        return [self.heartbeats, self.config, self.commands, self.pbx, self.probes]

    def all(self) -> dict[str, bool]:
        """Every topic the hub creates up front, mapped to whether it is compacted."""
        return {
            self.heartbeats: False,
            self.config: True,
            self.commands: False,
            self.ticks: False,
            self.command_events: False,
            self.health_events: False,
            self.probes: False,
            self.pbx: False,
            self.pbx_changes: False,
            self.pbx_deliveries: False,
            self.alert_deliveries: False,
            self.answers: True,
            self.live_tokens: True,
            self.pbx_event_gates: True,
            **dict.fromkeys(self.changelogs(), True),
        }


@lru_cache(maxsize=PARTITION_CACHE)
def partition_for(client_id: str, partitions: int) -> int:
    """The partition of a clientId: Kafka's default murmur2 partitioner on its UTF-8 bytes.

    Every topic is partitioned this way so that one worker owns all of a customer's
    records; it equals what the Java client and faust compute for the same key.
    Cached: murmur2 is pure Python here, and every heartbeat asks several times.
    """
    h: int = murmur2(client_id.encode())
    return (h & 0x7FFFFFFF) % partitions


def key_partition(key: str, partitions: int) -> int:
    """The partition of a table key that starts with its clientId (`clientId/...`)."""
    return partition_for(key.split("/", 1)[0], partitions)


class HeartbeatMessage(BaseModel):
    """One relay heartbeat as the ingress accepted it."""

    client_id: str
    received_at: datetime
    profiles: list[ProfileHeartbeatData]
    delivered_commands: list[str] = Field(
        default_factory=list, description="ids of the commands the answer carried"
    )


class CustomerUpserted(BaseModel):
    """The customer was created or changed."""

    kind: Literal["customer"] = "customer"
    client_id: str
    customer: CustomerConfig
    at: datetime | None = Field(default=None, description="when the hub received it")


class ProfileUpserted(BaseModel):
    """A profile was created or changed; the whole configuration is carried."""

    kind: Literal["profile"] = "profile"
    client_id: str
    at: datetime | None = None
    profile: ProfileConfig


class ProfileRecord(BaseModel):
    """What a record about one profile names first. Each kind declares `kind` again as
    its literal; pydantic keeps a field that a subclass declares again in its place."""

    kind: str
    client_id: str
    at: datetime | None = None
    profile_type: ProfileType
    profile_id: int


class ProfileDeleted(ProfileRecord):
    """A profile was deleted; clients no longer see it."""

    kind: Literal["profile-deleted"] = "profile-deleted"


class MaintenanceSet(ProfileRecord):
    """A profile's maintenance windows were replaced (an empty list clears them)."""

    kind: Literal["maintenance"] = "maintenance"
    windows: list[Window]


class CustomerImported(BaseModel):
    """A customer and all its profiles from a bulk import, in one record.

    Folded exactly as its parts would be (`parts()`: the customer, then each profile).
    One record per customer instead of one per profile: an import of a million
    profiles is half a million records to take in, store and fold, not 1.5 million.
    """

    kind: Literal["customer-imported"] = "customer-imported"
    client_id: str
    at: datetime | None = None
    customer: CustomerConfig
    profiles: list[ProfileConfig] = Field(default_factory=list)

    def parts(self) -> list[CustomerUpserted | ProfileUpserted]:
        """The customer's upsert, then each profile's, as single writes would carry them."""
        first = CustomerUpserted(client_id=self.client_id, customer=self.customer, at=self.at)
        return [first, *self.profile_upserts()]

    def profile_upserts(self) -> list[ProfileUpserted]:
        """Each profile's upsert, in order."""
        return [
            ProfileUpserted(client_id=self.client_id, at=self.at, profile=p) for p in self.profiles
        ]


class CustomersImported(BaseModel):
    """Many customers of one bulk import, all of one partition, in one record.

    Folded exactly as a `CustomerImported` record per customer would be (`imports()`),
    but one record per `IMPORT_CHUNK` customers: the per-record costs of the producer,
    the broker, the worker's stream and the sinks are paid once per chunk. Its key is
    the batch's own (`imports_key`): compaction keeps it (see `imports_key`).
    """

    kind: Literal["customers-imported"] = "customers-imported"
    batch: str = Field(min_length=1, max_length=64, description="the record's own key")
    at: datetime | None = None
    customers: list[CustomerImported]

    @property
    def client_id(self) -> str:
        """The first customer's (the record's partition is every customer's)."""
        return self.customers[0].client_id if self.customers else ""

    def imports(self) -> list[CustomerImported]:
        """Each customer's import as its own record would carry it, with the batch's time."""
        at = self.at
        return [
            CustomerImported.model_construct(
                client_id=c.client_id, at=at, customer=c.customer, profiles=c.profiles
            )
            for c in self.customers
        ]


ConfigRecord = (
    CustomerUpserted
    | CustomerImported
    | CustomersImported
    | ProfileUpserted
    | ProfileDeleted
    | MaintenanceSet
    | AccessSet
    | ChannelSet
    | AdminTokenSet
    | CustomerDeleted
    | TokenScopesTrimmed
)
"""Every record of the config topic."""
ConfigEvent = Annotated[ConfigRecord, Field(discriminator="kind")]
CONFIG_EVENT = TypeAdapter(ConfigEvent)


def customer_key(client_id: str) -> bytes:
    """The compaction key of a customer's own record (its upsert, or its deletion)."""
    return f"customer/{client_id}".encode()


def profile_config_key(client_id: str, ptype: ProfileType, pid: int) -> bytes:
    """The compaction key of a profile's configuration."""
    return f"profile/{client_id}/{ptype.name.lower()}/{pid}".encode()


def maintenance_key(client_id: str, ptype: ProfileType, pid: int) -> bytes:
    """The compaction key of a profile's maintenance windows."""
    return f"maintenance/{client_id}/{ptype.name.lower()}/{pid}".encode()


def access_key(client_id: str) -> bytes:
    """The compaction key of a customer's relay access."""
    return f"access/{client_id}".encode()


def import_key(client_id: str) -> bytes:
    """The compaction key of a customer's last import (the customer's own key stays its
    PUT's and DELETE's: a later PUT of the customer must not compact its profiles away)."""
    return f"import/{client_id}".encode()


def imports_key(batch: str) -> bytes:
    """The compaction key of a chunk of an import (`CustomersImported`): unique, so
    compaction keeps every chunk; each customer's later records (a PUT, a DELETE) come
    after it in the partition, so a replay from the start ends in the same state."""
    return f"imports/{batch}".encode()


def config_key(event: ConfigRecord) -> bytes:
    """The compaction key: one per customer, profile, profile's windows, customer's access."""
    if isinstance(event, CustomerUpserted | CustomerDeleted):
        return customer_key(event.client_id)
    if isinstance(event, CustomerImported):
        return import_key(event.client_id)
    if isinstance(event, CustomersImported):
        return imports_key(event.batch)
    if isinstance(event, TokenScopesTrimmed):
        return scopes_key(event.customer)
    if isinstance(event, AccessSet):
        return access_key(event.client_id)
    if isinstance(event, ChannelSet):
        return channel_key(event.client_id, event.name)
    if isinstance(event, AdminTokenSet):
        return f"admin-token/{event.client_id}".encode()
    if isinstance(event, MaintenanceSet):
        return maintenance_key(event.client_id, event.profile_type, event.profile_id)
    if isinstance(event, ProfileUpserted):
        ptype, pid = event.profile.profile_type, event.profile.profile_id
    else:
        ptype, pid = event.profile_type, event.profile_id
    return profile_config_key(event.client_id, ptype, pid)
