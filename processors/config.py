"""Fold configuration events into the customer and profile tables' values."""

from schemas.enums import ProfileType
from schemas.profiles import CustomerProfiles, InboundConfig
from schemas.topics import ProfileDeleted, ProfileUpserted


def upsert_profile(profiles: CustomerProfiles, event: ProfileUpserted) -> CustomerProfiles:
    """The customer's profiles with one created or replaced."""
    result = profiles.model_copy(deep=True)
    cfg = event.profile
    if isinstance(cfg, InboundConfig):
        result.inbound[cfg.profile_id] = cfg.wire
    else:
        result.outbound[cfg.profile_id] = cfg.wire
    return result


def delete_profile(profiles: CustomerProfiles, event: ProfileDeleted) -> CustomerProfiles:
    """The customer's profiles without the deleted one (deleting twice is harmless)."""
    result = profiles.model_copy(deep=True)
    table = result.inbound if event.profile_type is ProfileType.Inbound else result.outbound
    table.pop(event.profile_id, None)
    return result
