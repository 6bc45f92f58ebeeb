"""Fold configuration events into the customer and profile tables' values."""

from schemas.commands import profile_key
from schemas.enums import ProfileType
from schemas.profiles import CustomerProfiles, InboundConfig, ProfileConfig
from schemas.topics import MaintenanceSet, ProfileDeleted, ProfileUpserted


def upsert_into(profiles: CustomerProfiles, event: ProfileUpserted) -> None:
    """Create or replace one profile in `profiles` itself (a copy the caller owns)."""
    put_profile(profiles, event.profile)


def put_profile(profiles: CustomerProfiles, cfg: ProfileConfig) -> None:
    """Create or replace the profile `cfg` configures in `profiles` itself."""
    if isinstance(cfg, InboundConfig):
        profiles.inbound[cfg.profile_id] = cfg.wire
    else:
        profiles.outbound[cfg.profile_id] = cfg.wire
    key = profile_key(cfg.profile_type, cfg.profile_id)
    if cfg.timing.model_fields_set:
        profiles.timing[key] = cfg.timing
    else:
        profiles.timing.pop(key, None)


def delete_profile(profiles: CustomerProfiles, event: ProfileDeleted) -> CustomerProfiles:
    """The customer's profiles without the deleted one (deleting twice is harmless)."""
    result = profiles.model_copy(deep=True)
    table = result.inbound if event.profile_type is ProfileType.Inbound else result.outbound
    table.pop(event.profile_id, None)
    key = profile_key(event.profile_type, event.profile_id)
    result.timing.pop(key, None)
    result.maintenance.pop(key, None)
    return result


def maintenance_into(profiles: CustomerProfiles, event: MaintenanceSet) -> None:
    """Replace one profile's maintenance windows in `profiles` itself."""
    key = profile_key(event.profile_type, event.profile_id)
    if event.windows:
        profiles.maintenance[key] = sorted(event.windows, key=lambda w: w.start)
    else:
        profiles.maintenance.pop(key, None)
