"""Fold health verdicts into a customer's health table value, recording transitions."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from processors.relay import client_health
from processors.relay.profile_health import Inputs, Verdict, evaluate, timing
from schemas.commands import CustomerCommands, profile_key
from schemas.enums import ClientAction, ProfileType
from schemas.events import ClientHealthEvent, Health, HealthEvent
from schemas.health import CustomerHealth, ProfileHealth
from schemas.profiles import CustomerConfig, CustomerProfiles, CustomerStates
from schemas.relay import InboundProfileBase, OutboundProfileBase

Profile = InboundProfileBase | OutboundProfileBase


def _profiles(profiles: CustomerProfiles) -> dict[str, tuple[ProfileType, int, Profile]]:
    found: dict[str, tuple[ProfileType, int, Profile]] = {}
    for pid, p in profiles.inbound.items():
        found[profile_key(ProfileType.Inbound, pid)] = (ProfileType.Inbound, pid, p)
    for pid, q in profiles.outbound.items():
        found[profile_key(ProfileType.Outbound, pid)] = (ProfileType.Outbound, pid, q)
    return found


def _inputs(
    key: str,
    ptype: ProfileType,
    pid: int,
    wire: Profile,
    ctx: tuple[CustomerConfig, CustomerProfiles, CustomerStates, CustomerCommands | None],
    blind: tuple[tuple[datetime, datetime], ...],
) -> Inputs:
    customer, profiles, states, cc = ctx
    override = profiles.timing.get(key)
    interval, grace = timing(
        customer.HeartbeatIntervalSeconds, customer.GracePeriodSeconds, override
    )
    quiet_s = override.QuietAfterSeconds if override is not None else None
    desired = cc.desired.get(key) if cc else None
    return Inputs(
        active=wire.Active,
        interval=interval,
        grace=grace,
        windows=profiles.maintenance.get(key, []),
        state=states.of(ptype).get(pid),
        desired=desired.action if desired else ClientAction.NONE,
        quiet_after=timedelta(seconds=quiet_s) if quiet_s else None,
        schedule=(override.Schedule if override is not None else None) or customer.Schedule,
        blind=blind,
    )


def refresh(
    current: CustomerHealth,
    client_id: str,
    ctx: tuple[CustomerConfig, CustomerProfiles, CustomerStates, CustomerCommands | None],
    now: datetime,
    blind: tuple[tuple[datetime, datetime], ...] = (),
) -> CustomerHealth:
    """The customer's health at `now`, the hub blind in `blind` (processors.relay.blind);
    the same object when nothing changed (most heartbeats: nothing new is built then)."""
    profiles: dict[str, ProfileHealth] = {}
    events: list[HealthEvent] = []
    checks: list[datetime] = []
    for key, (ptype, pid, wire) in _profiles(ctx[1]).items():
        verdict = evaluate(_inputs(key, ptype, pid, wire, ctx, blind), now)
        prev = current.profiles.get(key)
        if prev is not None and _state_in_replay(prev, verdict):
            profiles[key] = prev
            if current.next_check:
                checks.append(current.next_check)
            continue
        profiles[key] = _fold(events, client_id, (ptype, pid, wire), prev, verdict)
        if verdict.next_check:
            checks.append(verdict.next_check)
    client, told = _client(current, client_id, ctx, profiles, (now, blind), events)
    if client.next_check:
        checks.append(client.next_check)
    next_check = min(checks, default=None)
    unchanged = profiles == current.profiles and client.health == current.client
    if unchanged and _check_still_good(current.next_check, next_check, now):
        return current
    return CustomerHealth.model_construct(
        outbox=[*current.outbox, *told], profiles=profiles, client=client.health,
        next_check=next_check,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Client:
    health: ProfileHealth
    next_check: datetime | None


def _client(
    current: CustomerHealth,
    client_id: str,
    ctx: tuple[CustomerConfig, CustomerProfiles, CustomerStates, CustomerCommands | None],
    profiles: dict[str, ProfileHealth],
    when: tuple[datetime, tuple[tuple[datetime, datetime], ...]],
    events: list[HealthEvent],
) -> tuple[_Client, list[HealthEvent | ClientHealthEvent]]:
    """The relay client's health, and the batch's events: the profiles' (those its
    silence tells, covered), then the client's transition if any."""
    found = client_health.verdict(ctx[0], ctx[2], profiles, *when)
    health, changed = client_health.fold(current.client, found)
    told: list[HealthEvent | ClientHealthEvent] = [
        *client_health.cover(events, current.client, health)
    ]
    if changed:
        event = client_health.event(client_id, current.client, health, profiles, ctx[1])
        told += [event] if event is not None else []
    return _Client(health, found.next_check), told


HEARD = frozenset({Health.up, Health.late, Health.down, Health.stopped, Health.error, Health.quiet})


def _state_in_replay(prev: ProfileHealth, verdict: Verdict) -> bool:
    """Whether a profile heard from before finds no reported state: it is being read again.

    Reported states reach their table only at a partition's flush, while health is
    written at once (processors.relay.states_buffer); a worker that took the partition over
    (a rebalance, a restart, a standby promoted) can hold `up` with no state until it
    folds the unacknowledged heartbeats again. Until then the profile keeps its health
    and its deadline: judging it `new` would publish a transition that never happened.
    """
    return verdict.health is Health.new and prev.health in HEARD


def _check_still_good(old: datetime | None, new: datetime | None, now: datetime) -> bool:
    """Whether the stored next check may stay: equal, or earlier and not yet reached.

    A heartbeat moves a profile's deadline later; writing that on every heartbeat
    would write the health table (and its changelog) as often as heartbeats come. An
    earlier check is safe: the sweep then re-evaluates and stores the later one. So
    health is written at most once per interval per customer, and on transitions.
    """
    if old == new:
        return True
    return old is not None and new is not None and now < old <= new


def _fold(
    events: list[HealthEvent],
    client_id: str,
    profile: tuple[ProfileType, int, Profile],
    prev: ProfileHealth | None,
    verdict: Verdict,
) -> ProfileHealth:
    if prev is not None and prev.health == verdict.health:
        # The same object when nothing changed: refresh then finds the profiles equal
        # by identity, which is most heartbeats.
        if prev.reason == verdict.reason:
            return prev
        return prev.model_copy(update={"reason": verdict.reason})
    at = max(verdict.at, prev.since) if prev else verdict.at
    ptype, pid, wire = profile
    events.append(
        HealthEvent(
            client_id=client_id,
            profile_type=ptype,
            profile_id=pid,
            from_health=prev.health if prev else None,
            to_health=verdict.health,
            reason=verdict.reason,
            at=at,
            profile_name=wire.ProfileName,
            alert_email_list=wire.AlertEmailList,
        )
    )
    return ProfileHealth(health=verdict.health, since=at, reason=verdict.reason)
