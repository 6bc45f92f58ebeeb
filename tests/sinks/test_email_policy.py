"""Which health events the e-mail sink mails, and how it handles flapping profiles."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from schemas.enums import ProfileType
from schemas.events import Health, HealthEvent, PbxConnectionEvent
from schemas.pbx_upstream import ConnectionState
from sinks.email.policy import (
    AlertEvent,
    AlertRules,
    AlertState,
    Decision,
    NoticeKind,
    decide,
    is_alertable,
    is_connection_alertable,
    profile_key,
    state_key,
)
from sinks.email.settings import (
    DEFAULT_ALERT_CONNECTION_STATES,
    DEFAULT_ALERT_HEALTHS,
    EmailSinkSettings,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RULES = AlertRules(
    alert_healths=DEFAULT_ALERT_HEALTHS,
    alert_connection_states=DEFAULT_ALERT_CONNECTION_STATES,
    flap_max_transitions=3,
    flap_window=timedelta(minutes=10),
)
C = ConnectionState


def change(
    before: Health | None, after: Health, minutes: float = 0.0, profile_id: int = 7
) -> HealthEvent:
    """A health event of profile inbound `profile_id` at T0 + `minutes`."""
    return HealthEvent(
        client_id="acme",
        profile_type=ProfileType.Inbound,
        profile_id=profile_id,
        from_health=before,
        to_health=after,
        reason="test",
        at=T0 + timedelta(minutes=minutes),
    )


def connection(before: C | None, after: C, minutes: float = 0.0) -> PbxConnectionEvent:
    """A state change of PBX p1's upstream connection at T0 + `minutes`."""
    return PbxConnectionEvent(
        client_id="acme",
        pbx_id="p1",
        pbx_name="Front desk",
        from_state=None if before is None else before.value,
        to_state=after.value,
        reason="test",
        at=T0 + timedelta(minutes=minutes),
    )


def run(events: Sequence[AlertEvent], rules: AlertRules = RULES) -> list[Decision | None]:
    """Feed the events of one profile (or PBX) through `decide`, threading the state as
    the sink records it (not for a decision it need not record)."""
    state: AlertState | None = None
    out: list[Decision | None] = []
    for event in events:
        decision = decide(state, event, rules)
        out.append(decision)
        if decision is not None and decision.record:
            state = decision.state
    return out


def kinds(decisions: list[Decision | None]) -> list[NoticeKind | None]:
    """The kind of notice each decision sends (None: nothing sent or skipped)."""
    return [d.notice.kind if d and d.notice else None for d in decisions]


def flap(count: int, start: float = 0.0, step: float = 1.0) -> list[HealthEvent]:
    """`count` alternating up/down changes, `step` minutes apart."""
    healths = [Health.up, Health.down]
    return [change(healths[i % 2], healths[(i + 1) % 2], start + i * step) for i in range(count)]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Health.up, Health.down),
        (Health.down, Health.up),
        (Health.up, Health.late),
        (Health.late, Health.down),
        (Health.error, Health.stopped),
        (None, Health.down),
    ],
)
def test_changes_into_out_of_or_between_alerting_healths_alert(
    before: Health | None, after: Health
) -> None:
    assert is_alertable(change(before, after), DEFAULT_ALERT_HEALTHS)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Health.new, Health.up),
        (Health.up, Health.paused),
        (Health.stopped, Health.up),
        (None, Health.up),
        (Health.down, Health.down),
    ],
)
def test_changes_outside_the_alerting_healths_do_not_alert(
    before: Health | None, after: Health
) -> None:
    assert not is_alertable(change(before, after), DEFAULT_ALERT_HEALTHS)


def test_configured_alert_healths_replace_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ALERT_HEALTHS", "stopped, down")
    settings = EmailSinkSettings()
    assert settings.alert_healths == {Health.stopped, Health.down}
    assert is_alertable(change(Health.up, Health.stopped), settings.alert_healths)
    assert not is_alertable(change(Health.up, Health.late), settings.alert_healths)


def test_each_alertable_transition_gives_one_transition_notice() -> None:
    events = [change(Health.up, Health.down, 0), change(Health.down, Health.up, 20)]
    decisions = run(events)
    assert kinds(decisions) == [NoticeKind.transition, NoticeKind.transition]
    assert [d.notice.event for d in decisions if d and d.notice] == events


def test_non_alert_changes_send_nothing_and_write_nothing() -> None:
    decisions = run([change(Health.new, Health.up, 0), change(Health.up, Health.paused, 1)])
    assert kinds(decisions) == [None, None]
    assert [d.record for d in decisions if d] == [False, False]


def test_an_alert_replayed_after_a_non_alert_change_is_still_skipped() -> None:
    down, up = change(Health.up, Health.down, 5), change(Health.down, Health.up, 6)
    quiet = change(Health.up, Health.paused, 7)
    decisions = run([down, up, quiet, down, up, quiet])
    assert kinds(decisions) == [
        NoticeKind.transition,
        NoticeKind.transition,
        None,
        None,
        None,
        None,
    ]


def test_an_event_at_or_before_the_last_handled_one_is_skipped() -> None:
    first = change(Health.up, Health.down, 5)
    decisions = run([first, first, change(Health.down, Health.up, 4)])
    assert decisions[1:] == [None, None]


def test_state_survives_a_round_trip_through_json() -> None:
    decision = run(flap(4))[-1]
    assert decision is not None
    restored = AlertState.model_validate_json(decision.state.model_dump_json())
    assert restored == decision.state
    assert decide(restored, flap(4)[-1], RULES) is None


def test_more_than_the_limit_within_the_window_gives_one_flapping_notice() -> None:
    decisions = run(flap(10))
    assert kinds(decisions) == [NoticeKind.transition] * 3 + [NoticeKind.flapping] + [None] * 6
    notice = decisions[3].notice if decisions[3] else None
    assert notice is not None
    assert len(notice.transitions) == 4


def test_transitions_spread_wider_than_the_window_never_flap() -> None:
    decisions = run(flap(10, step=4))
    assert kinds(decisions) == [NoticeKind.transition] * 10


def test_flapping_ends_with_one_stable_notice_after_a_quiet_window() -> None:
    events = [*flap(6), change(Health.up, Health.down, 5 + 10)]
    decisions = run(events)
    assert kinds(decisions)[-1] is NoticeKind.stable
    last = decisions[-1]
    assert last is not None
    assert last.notice is not None
    assert last.notice.event == events[-1]
    assert last.notice.suppressed == 2
    assert last.state.flapping_until is None


def test_changes_within_the_flapping_period_extend_it() -> None:
    # The period would end 10 min after the 4th change (minute 3); the 6th (minute 5)
    # moves that to minute 15, so a change at minute 14 is still suppressed.
    events = [*flap(6), change(Health.up, Health.down, 14)]
    assert kinds(run(events))[-1] is None


def test_a_non_alert_change_after_the_quiet_window_also_ends_flapping() -> None:
    events = [*flap(6), change(Health.up, Health.paused, 30)]
    assert kinds(run(events))[-1] is NoticeKind.stable


def test_after_flapping_ends_transitions_are_mailed_again() -> None:
    events = [*flap(6), *flap(3, start=30, step=20)]
    assert kinds(run(events))[-3:] == [
        NoticeKind.stable,
        NoticeKind.transition,
        NoticeKind.transition,
    ]


def test_times_without_offset_are_taken_as_utc() -> None:
    aware = change(Health.up, Health.down, 0)
    naive = aware.model_copy(update={"at": aware.at.replace(tzinfo=None)})
    decision = decide(None, aware, RULES)
    assert decision is not None
    assert decide(decision.state, naive, RULES) is None


def test_profile_key_names_client_type_and_id() -> None:
    assert profile_key(change(Health.up, Health.down, profile_id=12)) == "acme/inbound/12"


def test_a_pbx_connection_has_a_state_of_its_own_beside_the_profiles() -> None:
    assert state_key(connection(C.connected, C.down)) == "acme/pbx/p1"
    assert state_key(change(Health.up, Health.down)) == "acme/inbound/7"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (C.connected, C.down),
        (C.down, C.connected),
        (C.connecting, C.credentials_rejected),
        (C.credentials_rejected, C.connecting),
        (C.connected, C.locked),
        (C.locked, C.connected),
        (C.down, C.locked),
        (C.down, C.disconnecting),
        (None, C.down),
    ],
)
def test_pbx_connection_changes_into_out_of_or_between_alerting_states_alert(
    before: C | None, after: C
) -> None:
    assert is_connection_alertable(connection(before, after), DEFAULT_ALERT_CONNECTION_STATES)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (C.connected, C.degraded),
        (C.degraded, C.connected),
        (C.connecting, C.connected),
        (None, C.connecting),
        (C.connected, C.disconnecting),
        (C.down, C.down),
    ],
)
def test_pbx_connection_changes_outside_the_alerting_states_do_not_alert(
    before: C | None, after: C
) -> None:
    assert not is_connection_alertable(connection(before, after), DEFAULT_ALERT_CONNECTION_STATES)


def test_configured_alert_connection_states_replace_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_ALERT_CONNECTION_STATES", "degraded, locked")
    assert EmailSinkSettings().rules().alert_connection_states == {C.degraded, C.locked}


def test_pbx_connection_transitions_are_mailed_once_and_a_replay_is_skipped() -> None:
    lost, back = connection(C.connected, C.down, 0), connection(C.down, C.connected, 5)
    decisions = run([connection(C.connecting, C.connected, -1), lost, back, lost, back])
    assert kinds(decisions) == [None, NoticeKind.transition, NoticeKind.transition, None, None]
    assert decisions[3:] == [None, None]  # handled before: nothing decided again


def test_a_flapping_pbx_connection_gets_one_flapping_notice() -> None:
    states = [C.connected, C.down]
    flaps = [connection(states[i % 2], states[(i + 1) % 2], i) for i in range(6)]
    decisions = run([*flaps, connection(C.down, C.connected, 5 + 10)])
    assert kinds(decisions) == [
        *[NoticeKind.transition] * 3, NoticeKind.flapping, None, None, NoticeKind.stable,
    ]  # fmt: skip
