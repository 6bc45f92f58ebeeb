"""The periods a partition's sweeps stopped, when the hub could hear no heartbeat."""

from datetime import datetime

from pydantic import BaseModel


class BlindPeriods(BaseModel):
    """One partition's recent blind periods, oldest first: the `blind-periods` table's
    value, keyed by the partition's number (see processors.relay.blind)."""

    periods: list[tuple[datetime, datetime]] = []
