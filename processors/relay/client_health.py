"""A relay client's health: one thing that can die, whatever the number of its profiles.

Every heartbeat of a client carries all its profiles, so the client is heard when any
profile is: its last heartbeat is the newest of its profiles' (`LastHeartbeatDateTime`).
Judged by the customer's interval, grace and schedule as a profile is
(`processors.relay.profile_health.evaluate`): `late`, then `down`, `up` once heard
again; `paused` while every profile is (inactive, in maintenance, outside its
schedule); `new` until heard.

While the client is `late` or `down`, the transitions of its profiles into `late` or
`down` are `covered` (the client's event tells them: one alert naming its profiles,
instead of one per profile), and so are their recoveries when the client is heard
again. A profile missing from heartbeats that do arrive, a reported error, a stop, a
quiet interface: the client is `up`, and those alert on their own as before.
"""

from datetime import datetime, timedelta

from processors.relay.profile_health import Inputs, Verdict, evaluate
from schemas.enums import ClientAction, ProfileType, ServerStatus
from schemas.events import ClientHealthEvent, ClientProfile, Health, HealthEvent
from schemas.health import ProfileHealth
from schemas.profiles import CustomerConfig, CustomerProfiles, CustomerStates, ReportedState

SILENT = frozenset({Health.late, Health.down})
HEARD = frozenset({Health.up, Health.late, Health.down})


def last_heard(states: CustomerStates) -> datetime | None:
    """The client's last heartbeat: the newest of its profiles'."""
    beats = [
        s.LastHeartbeatDateTime
        for s in (*states.inbound.values(), *states.outbound.values())
        if s.LastHeartbeatDateTime is not None
    ]
    return max(beats, default=None)


def verdict(
    customer: CustomerConfig,
    states: CustomerStates,
    profiles: dict[str, ProfileHealth],
    now: datetime,
    blind: tuple[tuple[datetime, datetime], ...] = (),
) -> Verdict:
    """The client's health at `now`, the hub blind in `blind` (processors.relay.blind)."""
    if profiles and all(p.health is Health.paused for p in profiles.values()):
        return Verdict(Health.paused, "every profile is paused", now, None)
    last = last_heard(states)
    state = (
        None
        if last is None
        else ReportedState(ServerStatus=ServerStatus.Started, LastHeartbeatDateTime=last)
    )
    inputs = Inputs(
        active=True,
        interval=timedelta(seconds=customer.HeartbeatIntervalSeconds),
        grace=timedelta(seconds=customer.GracePeriodSeconds),
        windows=[],
        state=state,
        desired=ClientAction.NONE,
        schedule=customer.Schedule,
        blind=blind,
    )
    found = evaluate(inputs, now)
    if found.health is Health.up:
        return Verdict(Health.up, "heard within its interval", found.at, found.next_check)
    return found


def fold(prev: ProfileHealth | None, found: Verdict) -> tuple[ProfileHealth, bool]:
    """The client's stored health, and whether it changed (a transition to publish).

    A client heard before keeps its health while no reported state is read yet (a worker
    that took the partition over, before it folds the heartbeats again: see
    `customer_health._state_in_replay`)."""
    if prev is not None and found.health is Health.new and prev.health in HEARD:
        return prev, False
    if prev is not None and prev.health == found.health:
        same = prev.reason == found.reason
        return (prev if same else prev.model_copy(update={"reason": found.reason})), False
    at = max(found.at, prev.since) if prev else found.at
    return ProfileHealth(health=found.health, since=at, reason=found.reason), True


def event(
    client_id: str,
    prev: ProfileHealth | None,
    now_: ProfileHealth,
    profiles: dict[str, ProfileHealth],
    config: CustomerProfiles,
) -> ClientHealthEvent | None:
    """The client's transition, naming its profiles (those silent with it, or all of them
    on recovery); none into `new`, nor into `paused` from nothing: no one is told those."""
    if now_.health is Health.new or (prev is None and now_.health is Health.paused):
        return None
    named = [k for k, p in profiles.items() if now_.health not in SILENT or p.health in SILENT]
    return ClientHealthEvent(
        client_id=client_id,
        from_health=prev.health if prev else None,
        to_health=now_.health,
        reason=now_.reason,
        at=now_.since,
        profiles=[_profile(k, profiles[k], config) for k in sorted(named)],
        alert_email_list=_emails(config, named),
    )


def cover(
    events: list[HealthEvent], prev: ProfileHealth | None, now_: ProfileHealth
) -> list[HealthEvent]:
    """The profiles' transitions, those the client's silence or return tells marked covered."""
    silent_now = now_.health in SILENT
    returned = prev is not None and prev.health in SILENT and not silent_now
    return [
        e.model_copy(update={"covered": True})
        if (silent_now and e.to_health in SILENT) or (returned and e.from_health in SILENT)
        else e
        for e in events
    ]


def _profile(key: str, health: ProfileHealth, config: CustomerProfiles) -> ClientProfile:
    kind, pid = key.split("/")
    ptype = ProfileType.Inbound if kind == "inbound" else ProfileType.Outbound
    wire = (config.inbound if ptype is ProfileType.Inbound else config.outbound).get(int(pid))
    return ClientProfile(
        profile_type=ptype,
        profile_id=int(pid),
        profile_name=wire.ProfileName if wire else None,
        health=health.health,
        reason=health.reason,
    )


def _emails(config: CustomerProfiles, keys: list[str]) -> str | None:
    """The named profiles' AlertEmailLists, joined (the e-mail sink drops repeats)."""
    lists = []
    for key in keys:
        kind, pid = key.split("/")
        table = config.inbound if kind == "inbound" else config.outbound
        wire = table.get(int(pid))
        if wire is not None and wire.AlertEmailList:
            lists.append(wire.AlertEmailList)
    return ",".join(lists) or None
