"""Deleting a customer: its records on the config topic, and what the admin API answers.

`DELETE /admin/customers/{clientId}` publishes `CustomerDeleted` (keyed
`customer/<id>`, so it supersedes the customer's upsert when the topic is compacted).
The worker owning the customer folds it: every table key of the customer is deleted
(a tombstone in its changelog), its unfinished commands are cancelled, its PBX sessions
end, its upstream connections log out, and `TokenScopesTrimmed` goes to every
partition, where the owners take the customer out of the scoped admin tokens they hold.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class CustomerDeleted(BaseModel):
    """The customer was deleted with everything it had; a later upsert starts anew."""

    kind: Literal["customer-deleted"] = "customer-deleted"
    client_id: str
    at: datetime = Field(description="when the hub received the deletion")


class TokenScopesTrimmed(BaseModel):
    """The deleted customer leaves the scope of the tokens of one partition.

    Only tokens created before `at` lose it: a token made later for a customer of the
    same id (created again) is not touched by a replay of this record.
    """

    kind: Literal["token-scopes-trimmed"] = "token-scopes-trimmed"
    customer: str = Field(description="the deleted customer")
    partition: int = Field(ge=0, description="the partition whose tokens are trimmed")
    at: datetime

    @property
    def client_id(self) -> str:
        """What the config agent groups a batch's records by: one name per partition.

        Not the customer's id: these records sit in every partition, and a group's
        table writes go to the partition of its records.
        """
        return f"token-scopes/{self.partition}"


def scopes_key(client_id: str) -> bytes:
    """The compaction key of a customer's `TokenScopesTrimmed` (one in each partition)."""
    return f"token-scopes/{client_id}".encode()


class CustomerContents(BaseModel):
    """What a customer has, as its worker holds it: what deleting it removes."""

    InboundProfiles: list[int] = Field(description="ids of its inbound profiles")
    OutboundProfiles: list[int] = Field(description="ids of its outbound profiles")
    CancelledCommands: list[str] = Field(
        description="ids of its unfinished commands, recorded as cancelled"
    )
    Pbxes: list[str] = Field(description="ids of its PBXes")
    ApiUsers: list[str] = Field(description="its PBXes' API users, released for reuse")
    EndedSessions: int = Field(description="live PBX API sessions, ended")
    DisconnectedUpstreams: list[str] = Field(
        description="PBXes whose upstream connection logs out (best effort)"
    )


class CustomerDeletion(CustomerContents):
    """`DELETE /admin/customers/{clientId}`: what was deleted, as the hub held it then."""

    ClientId: str
    DeletedAt: datetime
