"""What a heartbeat answer is made of besides the tables: the operator's orders per
profile, and its log message (shared by the model and the JSON writer)."""

from dataclasses import dataclass, field

from schemas.profiles import CustomerProfiles
from schemas.relay import ProfileHeartbeatData


@dataclass(frozen=True, slots=True)
class Orders:
    """What the operator wants of each profile, by profile key (`inbound/7`)."""

    pending: dict[str, int] = field(default_factory=dict)
    desired: dict[str, int] = field(default_factory=dict)


NO_ORDERS = Orders()


def unknown_entries(profiles: CustomerProfiles, items: list[ProfileHeartbeatData]) -> list[str]:
    """Heartbeat entries naming profiles the customer does not have, for the log message."""
    out: list[str] = []
    for item in items:
        table = profiles.inbound if item.ProfileType == 1 else profiles.outbound
        if item.ProfileId not in table:
            out.append(f"{item.ProfileType.name} {item.ProfileId}")
    return sorted(set(out))


def message_for(profiles: CustomerProfiles, items: list[ProfileHeartbeatData]) -> str:
    """The answer's LogMessage: accepted, naming the entries of profiles not configured."""
    unknown = unknown_entries(profiles, items)
    message = "Heartbeat accepted."
    if unknown:
        message += " Not configured, ignored: " + ", ".join(unknown) + "."
    return message
