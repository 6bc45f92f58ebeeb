"""A channel's queue: alerts added once and in order, attempts folded into it."""

from datetime import UTC, datetime, timedelta

from schemas.alert_bodies import Alert
from schemas.alert_channels import ChannelKind, StoredChannel
from schemas.alert_delivery import MAX_QUEUED, AttemptOutcome, ChannelAttempt, ChannelQueue
from schemas.enums import ProfileType
from schemas.events import Health, HealthEvent
from sinks.email.channel_queue import alert_of, enqueue, fold_attempt

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOOK = StoredChannel(
    name="ops", kind=ChannelKind.webhook, url="https://ops.example/h", sealed_secret=None,
    addresses=None,
)  # fmt: skip


def event(to: Health, minutes: float = 0) -> HealthEvent:
    return HealthEvent(
        client_id="acme", profile_type=ProfileType.Outbound, profile_id=2, from_health=Health.up,
        to_health=to, reason="why", at=T0 + timedelta(minutes=minutes), profile_name="orders",
        customer_name="Acme",
    )  # fmt: skip


def alert(to: Health, minutes: float = 0) -> Alert:
    found = alert_of(event(to, minutes))
    assert found is not None
    return found


def attempt(a: Alert, outcome: AttemptOutcome, minutes: float = 0) -> ChannelAttempt:
    return ChannelAttempt(
        id=f"{a.id}@ops#1", client_id="acme", channel="ops", kind="webhook", alert_id=a.id,
        event=a.event, attempt=1, outcome=outcome, at=T0 + timedelta(minutes=minutes),
    )  # fmt: skip


def test_a_profile_change_becomes_a_profile_alert_with_its_incident() -> None:
    down, up = alert(Health.down), alert(Health.up, 5)
    assert (down.event, down.subject, down.customer_name) == ("down", "profile", "Acme")
    assert down.profiles[0].type == "outbound"
    assert down.incident == up.incident == "acme/outbound/2"
    assert (down.resolved, up.resolved) == (False, True)


def test_changes_no_channel_is_told_make_no_alert() -> None:
    assert alert_of(event(Health.paused)) is None
    assert alert_of(event(Health.new)) is None


def test_alerts_queue_in_order_and_a_replayed_one_once() -> None:
    first, second = alert(Health.late), alert(Health.down, 1)
    queue = enqueue(None, HOOK, first, T0)
    queue = enqueue(queue, HOOK, second, T0)
    queue = enqueue(queue, HOOK, first, T0)
    assert [q.alert.id for q in queue.alerts] == [first.id, second.id]


def test_a_full_queue_drops_its_oldest() -> None:
    queue: ChannelQueue | None = None
    for n in range(MAX_QUEUED + 1):
        queue = enqueue(queue, HOOK, alert(Health.down, n), T0)
    assert queue is not None
    assert len(queue.alerts) == MAX_QUEUED
    assert queue.alerts[0].alert.id == alert(Health.down, 1).id


def test_a_failed_attempt_waits_longer_each_time_up_to_the_bound() -> None:
    a = alert(Health.down)
    queue = enqueue(None, HOOK, a, T0)
    waits = []
    for _ in range(5):
        queue = fold_attempt(queue, attempt(a, AttemptOutcome.failed), retry_max_s=10)
        assert queue.next_at is not None
        waits.append((queue.next_at - T0).total_seconds())
    assert waits == [2, 4, 8, 10, 10]
    assert [q.alert.id for q in queue.alerts] == [a.id]
    assert not queue.due(T0 + timedelta(seconds=9))
    assert queue.due(T0 + timedelta(seconds=10))


def test_a_delivered_denied_or_expired_head_is_popped_and_the_count_reset() -> None:
    for outcome in (AttemptOutcome.delivered, AttemptOutcome.denied, AttemptOutcome.expired):
        a, b = alert(Health.down), alert(Health.up, 1)
        queue = enqueue(enqueue(None, HOOK, a, T0), HOOK, b, T0)
        queue = fold_attempt(queue, attempt(a, AttemptOutcome.failed), retry_max_s=60)
        queue = fold_attempt(queue, attempt(a, outcome), retry_max_s=60)
        assert [q.alert.id for q in queue.alerts] == [b.id]
        assert (queue.failures, queue.next_at) == (0, None)


def test_an_attempt_at_another_head_changes_nothing() -> None:
    a, b = alert(Health.down), alert(Health.up, 1)
    queue = enqueue(enqueue(None, HOOK, a, T0), HOOK, b, T0)
    assert fold_attempt(queue, attempt(b, AttemptOutcome.delivered), retry_max_s=60) is queue
