"""What an answer to a PBX API heartbeat needs: the value of the live-tokens topic.

The worker owning a PBX publishes one `LiveToken` per session token to the compacted
`pbx-live-tokens` topic, keyed by the token's SHA-256 (never the token), whenever the
session is opened, renewed or ends (`processors.pbx.live_tokens`). Every ingress holds the
topic in memory (`ingest.live_tokens`) and answers heartbeats from it. A token with no
record (never issued, logged out, its user or PBX removed, or forgotten a day after it
timed out) answers 20004, exactly as a token never issued.
"""

from datetime import datetime

from pydantic import BaseModel, Field

from schemas.pbx_errno import Errno
from schemas.pbx_requests import Callback


class LiveToken(BaseModel):
    """A token's session: whose it is, where its events go, and until when it lives."""

    client_id: str
    pbx_id: str
    session_id: str
    callback: Callback
    expires_at: datetime = Field(description="30 minutes after its login or last heartbeat")
    timed_out: bool = Field(
        default=False, description="ended by expiry: 20006 until forgotten, whatever the clock"
    )

    def refusal(self, now: datetime) -> Errno | None:
        """Why a heartbeat at `now` is refused (20006), or None while the token lives."""
        if self.timed_out or now >= self.expires_at:
            return Errno.TOKEN_TIMED_OUT
        return None
