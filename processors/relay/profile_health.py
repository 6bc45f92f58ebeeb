"""Profile health, computed from configuration, reported state, orders and time.

The proven heartbeat-monitor model: each heartbeat sets a deadline (interval, then
grace); a sweep over deadlines finds the passed ones. Evaluation is pure; the time a
deadline passed is the time of the transition, whenever the sweep notices it.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from schemas.enums import ClientAction, ServerStatus
from schemas.events import Health
from schemas.health import Timing, Window
from schemas.profiles import ReportedState
from schemas.schedule import Schedule


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything one profile's health depends on, besides the time."""

    active: bool
    interval: timedelta
    grace: timedelta
    windows: list[Window]
    state: ReportedState | None
    desired: ClientAction
    quiet_after: timedelta | None = None
    schedule: Schedule | None = None
    opened: datetime | None = None
    """When the schedule last opened: deadlines and quiet time count from it at the earliest."""
    blind: tuple[tuple[datetime, datetime], ...] = ()
    """The periods the hub could not hear heartbeats, oldest first (processors.relay.blind)."""
    counted_from: datetime | None = None
    """When the deadlines count from instead of the last heartbeat (always later, set by
    `_past_blind`): the end of a blind period that began while the profile was within
    its interval."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """A profile's health at a time, why, since when (if known), and when to look again."""

    health: Health
    reason: str
    at: datetime
    next_check: datetime | None


_NO_OVERRIDE = Timing()


def timing(interval_s: int, grace_s: int, override: Timing | None) -> tuple[timedelta, timedelta]:
    """The interval and grace in force: the profile's override, else the customer's."""
    o = override or _NO_OVERRIDE
    interval = o.HeartbeatIntervalSeconds or interval_s
    grace = o.GracePeriodSeconds if o.GracePeriodSeconds is not None else grace_s
    return timedelta(seconds=interval), timedelta(seconds=grace)


def _window(windows: list[Window], now: datetime) -> tuple[Window | None, datetime | None]:
    """The window `now` is in, and the next time a window starts or ends."""
    for w in windows:
        if w.start <= now < w.end:
            return w, w.end
        if now < w.start:
            return None, w.start
    return None, None


def evaluate(inp: Inputs, now: datetime) -> Verdict:
    """The profile's health at `now`."""
    window, window_change = _window(inp.windows, now)
    if not inp.active:
        return Verdict(Health.paused, "profile is inactive", now, None)
    if window is not None:
        why = f"maintenance window until {window.end.isoformat()}"
        return Verdict(
            Health.paused, why + (f": {window.reason}" if window.reason else ""), now, window_change
        )
    closed, schedule_change, opened = _scheduled(inp.schedule, now)
    if closed is not None:
        return closed
    inp = _past_blind(_from_opening(inp, opened))
    verdict = _by_deadline(inp, now) or _by_report(inp, now, _late_at(inp))
    changes = (verdict.next_check, window_change, schedule_change)
    next_check = min((t for t in changes if t), default=None)
    return Verdict(verdict.health, verdict.reason, verdict.at, next_check)


def _scheduled(
    schedule: Schedule | None, now: datetime
) -> tuple[Verdict | None, datetime | None, datetime | None]:
    """Outside the schedule, the `paused` verdict; else when it next closes, and when it
    last opened (None: open all week, or no schedule)."""
    if schedule is None:
        return None, None, None
    change = schedule.next_change(now)
    if not schedule.is_open(now):
        until = f" until {change.isoformat()}" if change else ""
        why = f"outside its schedule ({schedule.TimeZone}){until}"
        return Verdict(Health.paused, why, now, change), change, None
    return None, change, last_opened(schedule, now)


def last_opened(schedule: Schedule, now: datetime) -> datetime | None:
    """When the schedule last opened at or before `now` (within a week); None if it has not
    (open all week)."""
    opened, at = None, now - timedelta(days=8)
    while (change := schedule.next_change(at)) is not None and change <= now:
        if schedule.is_open(change):
            opened = change
        at = change
    return opened


def _from_opening(inp: Inputs, opened: datetime | None) -> Inputs:
    """The inputs with the last heartbeat no older than the schedule's opening: a profile
    gets its interval (and its quiet time, `_last_transaction`) from the opening to be
    heard, so a relay that runs only in the schedule is not found down as it opens."""
    s = inp.state
    if opened is None or s is None or s.LastHeartbeatDateTime is None:
        return replace(inp, opened=opened)
    beat = max(s.LastHeartbeatDateTime, opened)
    return replace(inp, opened=opened, state=s.model_copy(update={"LastHeartbeatDateTime": beat}))


def _past_blind(inp: Inputs) -> Inputs:
    """The inputs with the deadlines counted from the end of each blind period that began
    before the profile was due: the hub's outage is not the client's."""
    last = inp.state.LastHeartbeatDateTime if inp.state else None
    if not inp.blind or last is None:
        return inp
    base = last
    for start, end in inp.blind:
        if base < end and base + inp.interval > start:
            base = end
    return inp if base == last else replace(inp, counted_from=base)


def _by_deadline(inp: Inputs, now: datetime) -> Verdict | None:
    last = inp.state.LastHeartbeatDateTime if inp.state else None
    if last is None:
        return Verdict(Health.new, "configured, never heard from", now, None)
    base = inp.counted_from or last
    late_at, down_at = base + inp.interval, base + inp.interval + inp.grace
    if now >= down_at:
        return Verdict(Health.down, f"no heartbeat since {last.isoformat()}", down_at, None)
    if now >= late_at:
        return Verdict(
            Health.late, f"heartbeat overdue since {late_at.isoformat()}", late_at, down_at
        )
    return None


def _late_at(inp: Inputs) -> datetime:
    last = inp.state.LastHeartbeatDateTime if inp.state else None
    if last is None:  # _by_deadline has answered `new` already
        raise ValueError("never heard from")
    return (inp.counted_from or last) + inp.interval


def _by_report(inp: Inputs, now: datetime, late_at: datetime) -> Verdict:
    s = inp.state or ReportedState()
    if s.ServerStatus is ServerStatus.Error:
        return Verdict(Health.error, f"reported Error: {s.LastError or 'no message'}", now, late_at)
    if s.LastErrorDateTime and (
        not s.LastTransactionDateTime or s.LastErrorDateTime > s.LastTransactionDateTime
    ):
        return Verdict(
            Health.error,
            f"error since the last transaction: {s.LastError or 'no message'}",
            now,
            late_at,
        )
    if s.ServerStatus is ServerStatus.Stopped:
        if inp.desired is ClientAction.STOP:
            return Verdict(Health.stopped, "stopped, as desired", now, late_at)
        return Verdict(Health.stopped, "reported Stopped while desired running", now, late_at)
    since = _last_transaction(inp, s)
    quiet_at = None if since is None or inp.quiet_after is None else since + inp.quiet_after
    if since is not None and quiet_at is not None and now >= quiet_at:
        return Verdict(Health.quiet, f"no transaction since {since.isoformat()}", quiet_at, late_at)
    status = s.ServerStatus.name if s.ServerStatus else "nothing"
    next_check = late_at if quiet_at is None else min(late_at, quiet_at)
    return Verdict(Health.up, f"reported {status}", now, next_check)


def _last_transaction(inp: Inputs, s: ReportedState) -> datetime | None:
    """The transaction time a started profile with `QuietAfterSeconds` is judged quiet from.

    Only a reported transaction time counts: a profile that never reported one is not
    quiet (the hub cannot tell an idle interface from one that never logs them)."""
    if inp.quiet_after is None or s.ServerStatus is not ServerStatus.Started:
        return None
    tx = s.LastTransactionDateTime
    return tx if tx is None or inp.opened is None else max(tx, inp.opened)
