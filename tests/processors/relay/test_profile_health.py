"""Health evaluation of one profile, as a pure function of inputs and time."""

from datetime import UTC, datetime, timedelta

import pytest

from processors.relay.profile_health import Inputs, evaluate, last_opened, timing
from schemas.enums import ClientAction, ServerStatus
from schemas.events import Health
from schemas.health import Timing, Window
from schemas.profiles import ReportedState
from schemas.schedule import Schedule

T0 = datetime(2026, 1, 1, tzinfo=UTC)
MIN = timedelta(seconds=60)


def inputs(state: ReportedState | None = None, **kw: object) -> Inputs:
    """A profile with interval 60 s and grace 30 s."""
    base: dict[str, object] = {
        "active": True,
        "interval": MIN,
        "grace": timedelta(seconds=30),
        "windows": [],
        "state": state,
        "desired": ClientAction.NONE,
    }
    return Inputs(**{**base, **kw})  # type: ignore[arg-type]


def heard(status: ServerStatus = ServerStatus.Started, **kw: object) -> ReportedState:
    """A state last reported at T0."""
    return ReportedState.model_validate({"ServerStatus": status, "LastHeartbeatDateTime": T0, **kw})


@pytest.mark.parametrize(
    ("after_s", "health", "at_s"),
    [
        (59, Health.up, 59),
        (60, Health.late, 60),
        (89, Health.late, 60),
        (90, Health.down, 90),
        (500, Health.down, 90),
    ],
)
def test_deadlines_make_a_silent_profile_late_then_down(
    after_s: int, health: Health, at_s: int
) -> None:
    verdict = evaluate(inputs(heard()), T0 + timedelta(seconds=after_s))
    assert verdict.health is health
    assert verdict.at == T0 + timedelta(seconds=at_s)


def test_next_check_is_the_next_deadline() -> None:
    assert evaluate(inputs(heard()), T0).next_check == T0 + MIN
    assert evaluate(inputs(heard()), T0 + MIN).next_check == T0 + timedelta(seconds=90)
    assert evaluate(inputs(heard()), T0 + timedelta(seconds=90)).next_check is None


def test_never_heard_is_new_and_inactive_is_paused() -> None:
    assert evaluate(inputs(), T0).health is Health.new
    assert evaluate(inputs(heard(), active=False), T0 + timedelta(days=9)).health is Health.paused


def test_a_maintenance_window_pauses_and_ends() -> None:
    window = Window(start=T0 + MIN, end=T0 + 2 * MIN, reason="upgrade")
    before = evaluate(inputs(heard(), interval=5 * MIN, windows=[window]), T0)
    assert (before.health, before.next_check) == (Health.up, T0 + MIN)
    inside = evaluate(inputs(heard(), interval=5 * MIN, windows=[window]), T0 + MIN)
    assert inside.health is Health.paused
    assert inside.next_check == T0 + 2 * MIN
    assert "upgrade" in inside.reason


@pytest.mark.parametrize(
    ("state", "desired", "health", "reason"),
    [
        (
            heard(ServerStatus.Error, LastError="boom"),
            ClientAction.NONE,
            Health.error,
            "reported Error: boom",
        ),
        (
            heard(LastErrorDateTime=T0, LastTransactionDateTime=T0 - MIN),
            ClientAction.NONE,
            Health.error,
            "error since the last transaction: no message",
        ),
        (
            heard(LastErrorDateTime=T0 - MIN, LastTransactionDateTime=T0),
            ClientAction.NONE,
            Health.up,
            "reported Started",
        ),
        (
            heard(ServerStatus.Stopped),
            ClientAction.NONE,
            Health.stopped,
            "reported Stopped while desired running",
        ),
        (
            heard(ServerStatus.Stopped),
            ClientAction.START,
            Health.stopped,
            "reported Stopped while desired running",
        ),
        (heard(ServerStatus.Stopped), ClientAction.STOP, Health.stopped, "stopped, as desired"),
    ],
)
def test_reported_status_gives_error_and_stopped(
    state: ReportedState, desired: ClientAction, health: Health, reason: str
) -> None:
    verdict = evaluate(inputs(state, desired=desired), T0 + timedelta(seconds=1))
    assert (verdict.health, verdict.reason) == (health, reason)


def test_profile_overrides_win_over_the_customer() -> None:
    assert timing(60, 30, None) == (MIN, timedelta(seconds=30))
    assert timing(60, 30, Timing(HeartbeatIntervalSeconds=5, GracePeriodSeconds=0)) == (
        timedelta(seconds=5),
        timedelta(0),
    )


QUIET = timedelta(minutes=10)


def started(tx_s: float) -> ReportedState:
    """Started, heard at T0 + 20 min, its last transaction at T0 + tx_s."""
    return ReportedState.model_validate({
        "ServerStatus": ServerStatus.Started,
        "LastHeartbeatDateTime": T0 + timedelta(minutes=20),
        "LastTransactionDateTime": T0 + timedelta(seconds=tx_s),
    })  # fmt: skip


def test_a_started_profile_moving_no_transaction_for_its_quiet_time_is_quiet() -> None:
    now = T0 + timedelta(minutes=20, seconds=5)
    verdict = evaluate(inputs(started(0), quiet_after=QUIET), now)
    assert verdict.health is Health.quiet
    assert verdict.at == T0 + QUIET  # dated at its deadline, not when noticed
    assert verdict.reason == f"no transaction since {T0.isoformat()}"


def test_a_newer_transaction_makes_it_up_with_the_quiet_deadline_as_next_check() -> None:
    now = T0 + timedelta(minutes=20, seconds=5)
    verdict = evaluate(inputs(started(19 * 60), quiet_after=QUIET), now)
    assert verdict.health is Health.up
    assert verdict.next_check == T0 + timedelta(minutes=20) + MIN  # the heartbeat's deadline
    far = evaluate(inputs(started(15 * 60), quiet_after=QUIET), now)
    assert far.next_check == T0 + timedelta(minutes=21)  # late first, quiet at 25 min
    soon = evaluate(inputs(started(10 * 60 + 30), quiet_after=QUIET), now)
    assert soon.next_check == T0 + timedelta(minutes=20, seconds=30)  # quiet comes first


def test_quiet_is_judged_only_with_a_setting_a_transaction_and_status_started() -> None:
    now = T0 + timedelta(minutes=20, seconds=5)
    assert evaluate(inputs(started(0)), now).health is Health.up  # no QuietAfterSeconds
    never = ReportedState.model_validate(
        {"ServerStatus": ServerStatus.Started, "LastHeartbeatDateTime": now}
    )
    assert evaluate(inputs(never, quiet_after=QUIET), now).health is Health.up
    stopped = started(0).model_copy(update={"ServerStatus": ServerStatus.Stopped})
    assert evaluate(inputs(stopped, quiet_after=QUIET), now).health is Health.stopped


# 2026-01-01 is a Thursday; the schedule: weekdays 07:00 to 19:00 UTC.
WEEKDAYS = Schedule.model_validate({"TimeZone": "UTC", "Hours": {"mon-fri": ["07:00-19:00"]}})


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def test_outside_its_schedule_a_profile_is_paused_until_it_opens() -> None:
    friday_evening = heard().model_copy(update={"LastHeartbeatDateTime": at(2, 18, 59)})
    verdict = evaluate(inputs(friday_evening, schedule=WEEKDAYS), at(3, 12))  # Saturday
    assert verdict.health is Health.paused
    assert verdict.reason == "outside its schedule (UTC) until 2026-01-05T07:00:00+00:00"
    assert verdict.next_check == at(5, 7)


def test_at_opening_a_profile_has_its_interval_to_be_heard_before_it_is_late() -> None:
    friday_evening = heard().model_copy(update={"LastHeartbeatDateTime": at(2, 18, 59)})
    monday = inputs(friday_evening, schedule=WEEKDAYS)
    assert evaluate(monday, at(5, 7)).health is Health.up
    assert evaluate(monday, at(5, 7)).next_check == at(5, 7, 1)
    late = evaluate(monday, at(5, 7, 1))
    assert (late.health, late.at) == (Health.late, at(5, 7, 1))


def test_inside_its_schedule_the_next_check_is_no_later_than_its_closing() -> None:
    recent = heard().model_copy(
        update={
            "LastHeartbeatDateTime": at(
                5,
                18,
                59,
            )
        }
    )
    assert evaluate(inputs(recent, schedule=WEEKDAYS), at(5, 18, 59)).next_check == at(5, 19)


def test_quiet_time_counts_from_the_opening_too() -> None:
    def heard_at(minute: int) -> Inputs:
        state = ReportedState.model_validate({
            "ServerStatus": ServerStatus.Started,
            "LastHeartbeatDateTime": at(5, 7, minute),
            "LastTransactionDateTime": at(2, 18),  # Friday's: the week-end does not count
        })  # fmt: skip
        return inputs(state, schedule=WEEKDAYS, quiet_after=QUIET)

    assert evaluate(heard_at(5), at(5, 7, 5)).health is Health.up
    assert evaluate(heard_at(10), at(5, 7, 10)).health is Health.quiet  # 10 min after 07:00


def test_the_last_opening_is_found_within_the_week() -> None:
    assert last_opened(WEEKDAYS, at(5, 12)) == at(5, 7)
    assert last_opened(WEEKDAYS, at(3, 12)) == at(2, 7)  # Saturday: Friday's
    always = Schedule.model_validate({"TimeZone": "UTC", "Hours": {"mon-sun": ["00:00-24:00"]}})
    assert last_opened(always, at(5, 12)) is None


OUTAGE = (T0 + timedelta(seconds=10), T0 + timedelta(seconds=100))
"""The hub blind from 10 s to 100 s after the profile's heartbeat at T0."""


@pytest.mark.parametrize(
    ("after_s", "health"),
    [(100, Health.up), (159, Health.up), (160, Health.late), (190, Health.down)],
)
def test_a_profile_due_in_a_blind_period_counts_its_deadlines_from_its_end(
    after_s: int, health: Health
) -> None:
    verdict = evaluate(inputs(heard(), blind=(OUTAGE,)), T0 + timedelta(seconds=after_s))
    assert verdict.health is health


def test_a_profile_past_blind_is_told_by_its_true_last_heartbeat() -> None:
    verdict = evaluate(inputs(heard(), blind=(OUTAGE,)), T0 + timedelta(seconds=200))
    assert verdict.reason == f"no heartbeat since {T0.isoformat()}"
    assert verdict.at == T0 + timedelta(seconds=190)


def test_a_profile_late_before_the_hub_went_blind_keeps_its_deadlines() -> None:
    outage = (T0 + timedelta(seconds=70), T0 + timedelta(seconds=120))
    verdict = evaluate(inputs(heard(), blind=(outage,)), T0 + timedelta(seconds=121))
    assert (verdict.health, verdict.at) == (Health.down, T0 + timedelta(seconds=90))


def test_a_blind_period_before_the_last_heartbeat_changes_nothing() -> None:
    before = (T0 - timedelta(seconds=50), T0 - timedelta(seconds=5))
    assert evaluate(inputs(heard(), blind=(before,)), T0 + MIN).health is Health.late


def test_blind_periods_one_after_another_each_give_an_interval() -> None:
    later = (T0 + timedelta(seconds=120), T0 + timedelta(seconds=200))
    both = (OUTAGE, later)
    assert evaluate(inputs(heard(), blind=both), T0 + timedelta(seconds=259)).health is Health.up
    assert evaluate(inputs(heard(), blind=both), T0 + timedelta(seconds=260)).health is Health.late
