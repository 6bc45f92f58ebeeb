"""PBX events delivered to every live session, in its version, in order, until delivered."""

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from localkafka.broker import LocalBroker
from localkafka.hub import HubCluster, start_hub
from localkafka.receiver import Receiver
from schemas.pbx_topics import ChangeKind, Outcome, PbxChange, decode_attempts
from tests.integration.events import read_event_lists, read_events
from tests.integration.pbx_helpers import (
    Pbx,
    api,
    errno,
    make_pbx,
    post_event,
    session_login,
    wait_for,
)

pytestmark = pytest.mark.integration


def in_order_with_restarts(got: list[int]) -> bool:
    """At least once, in order: each receipt is the next event, or a restart from an older
    one (a run redelivered after a crash); never a skip ahead past an undelivered event."""
    steps = itertools.pairwise(got)
    return bool(got) and got[0] == 0 and all(b == a + 1 or b <= a for a, b in steps)


def test_the_order_check_itself() -> None:
    assert in_order_with_restarts([0, 1, 2, 3])
    assert in_order_with_restarts([0, 0, 1, 2, 0, 1, 2, 3])
    assert not in_order_with_restarts([0, 1, 2, 0, 3])
    assert not in_order_with_restarts([0, 2, 1, 3])


def _bodies(r: Receiver, path: str) -> list[object]:
    return [x.json() for x in r.accepted(path)]


def test_each_session_gets_the_event_in_its_version(hub: HubCluster, receiver: Receiver) -> None:
    pbx = make_pbx(hub)
    session_login(hub, pbx, receiver.port, "v1", version="1.0.0")
    session_login(hub, pbx, receiver.port, "v2", version="2.0.0")
    cdr = {"event": "NewCdr", "callid": "1", "callduraction": "5", "dsttrcunkname": "t", "sn": "s"}
    call_status = {"event": "CallStatus", "callid": "2", "members": []}
    ring = {"action": "RING", "callid": "3", "call": []}
    for event in (cdr, call_status, ring):
        assert post_event(hub, pbx, event).status == 200
    v1_cdr = {"action": "NewCdr", **{k: v for k, v in cdr.items() if k != "event"}}
    assert wait_for(
        lambda: len(receiver.accepted("/v1")) == 2 and len(receiver.accepted("/v2")) == 2
    )
    assert _bodies(receiver, "/v1") == [v1_cdr, ring]
    assert _bodies(receiver, "/v2") == [cdr, call_status]
    first = receiver.accepted("/v1")[0]
    assert first.headers["content-type"] == "application/json"
    assert first.headers["accept"] == "application/json"
    assert first.headers["user-agent"] == "WebAPI"


def test_only_sessions_alive_at_arrival_get_an_event(hub: HubCluster, receiver: Receiver) -> None:
    pbx = make_pbx(hub)
    gone = session_login(hub, pbx, receiver.port, "gone")
    assert errno(api(hub, "logout", token=gone)) is None
    session_login(hub, pbx, receiver.port, "early")
    assert post_event(hub, pbx, {"event": "BootUp", "sn": "1"}).status == 200
    session_login(hub, pbx, receiver.port, "late")
    assert post_event(hub, pbx, {"event": "BootUp", "sn": "2"}).status == 200
    assert wait_for(lambda: len(receiver.accepted("/early")) == 2)
    assert wait_for(lambda: len(receiver.accepted("/late")) == 1)
    assert _bodies(receiver, "/late") == [{"event": "BootUp", "sn": "2"}]
    assert receiver.accepted("/gone") == []


def _posted_to_two_sessions(
    hub: HubCluster,
    first: tuple[Receiver, str],
    second: tuple[Receiver, str],
    events: list[dict[str, str]],
) -> Pbx:
    """A new PBX with a session on each receiver (its path the name given), and `events`
    posted to it, each answered 200."""
    pbx = make_pbx(hub)
    for receiver, name in (first, second):
        session_login(hub, pbx, receiver.port, name)
    for event in events:
        assert post_event(hub, pbx, event).status == 200
    return pbx


def test_a_failing_receiver_is_retried_in_order_and_holds_back_only_its_session(
    hub: HubCluster, receivers: Callable[..., Receiver]
) -> None:
    failing, healthy = receivers(status=500), receivers()
    events = [{"event": "ExtensionStatus", "extension": str(n), "status": "Busy"} for n in range(5)]
    pbx = _posted_to_two_sessions(hub, (failing, "f"), (healthy, "h"), events)
    assert wait_for(lambda: _bodies(healthy, "/h") == events)
    assert wait_for(lambda: len(failing.received) >= 2)  # the first event, tried again
    assert {r.json()["extension"] for r in failing.received} == {"0"}
    views = hub.admin("GET", pbx.path).json()["Sessions"]
    pending = {s["CallbackUrl"].rsplit("/", 1)[1]: s["PendingEvents"] for s in views}
    assert pending == {"f": 5, "h": 0}
    failing.status = 200
    assert wait_for(lambda: _bodies(failing, "/f") == events, 40)
    attempts = read_event_lists(
        hub.bootstrap,
        f"{hub.prefix}pbx-deliveries",
        pbx.client_id,
        decode_attempts,
        expected=12,
    )
    failed = [a for a in attempts if a.outcome is Outcome.failed]
    assert failed
    assert all(a.status == 500 and a.seq == failed[0].seq for a in failed)
    assert sum(a.outcome is Outcome.delivered for a in attempts) == 10


def test_a_stalled_receiver_holds_back_only_its_own_session(
    hub: HubCluster, receivers: Callable[..., Receiver]
) -> None:
    # Each POST to it takes 2 s (within the delivery timeout): its session's five events
    # take ten seconds, the other session's none of that.
    stalled, healthy = receivers(stall_s=2.0), receivers()
    events = [{"event": "ExtensionStatus", "extension": str(n)} for n in range(5)]
    _posted_to_two_sessions(hub, (stalled, "s"), (healthy, "h"), events)
    assert wait_for(lambda: _bodies(healthy, "/h") == events)
    assert len(stalled.received) < len(events)  # the healthy one did not wait for it
    assert wait_for(lambda: _bodies(stalled, "/s") == events, 40)


def test_a_busy_pbx_does_not_hold_back_another_pbx(
    hub: HubCluster, receivers: Callable[..., Receiver]
) -> None:
    # A hundred events to a session whose receiver takes 50 ms each (five seconds in
    # all), then one to another PBX of the same worker: it does not queue behind them.
    slow, other = receivers(stall_s=0.05), receivers()
    busy, quiet = make_pbx(hub), make_pbx(hub)
    session_login(hub, busy, slow.port, "busy")
    session_login(hub, quiet, other.port, "quiet")
    burst = [{"event": "CallStatus", "n": n} for n in range(100)]
    for event in burst:
        assert post_event(hub, busy, event).status == 200
    assert post_event(hub, quiet, {"event": "BootUp"}).status == 200
    assert wait_for(lambda: len(other.accepted("/quiet")) == 1)
    assert len(slow.received) < len(burst)
    assert wait_for(lambda: _bodies(slow, "/busy") == burst, 60)


def test_session_changes_reach_the_output_topic(hub: HubCluster, receiver: Receiver) -> None:
    pbx = make_pbx(hub)
    token = session_login(hub, pbx, receiver.port, "x")
    assert (
        errno(api(hub, "heartbeat", {"ipaddr": "127.0.0.1", "port": receiver.port}, token=token))
        is None
    )
    assert errno(api(hub, "logout", token=token)) is None
    changes = read_events(
        hub.bootstrap, f"{hub.prefix}pbx-changes", pbx.client_id, PbxChange.model_validate_json, 4
    )
    kinds = [c.kind for c in changes]
    assert kinds == [
        ChangeKind.pbx_upserted,
        ChangeKind.session_opened,
        ChangeKind.session_renewed,
        ChangeKind.session_ended,
    ]
    assert changes[-1].session is not None
    assert changes[-1].session.state == "logged-out"


def test_pending_deliveries_survive_a_killed_worker(
    kafka_broker: LocalBroker, tmp_path: Path
) -> None:
    hub = start_hub(kafka_broker, tmp_path)
    receiver = Receiver(status=503).start()
    try:
        pbx = make_pbx(hub)
        session_login(hub, pbx, receiver.port, "k")
        events = [{"event": "BootUp", "sn": str(n)} for n in range(4)]
        for event in events:
            assert post_event(hub, pbx, event).status == 200
        assert wait_for(lambda: len(receiver.received) >= 1)
        hub.workers[0].kill()
        receiver.status = 200
        hub.workers[0].start()
        hub.wait_ready()

        def numbers() -> list[int]:
            return [int(str(e["sn"])) for e in _bodies(receiver, "/k")]  # type: ignore[index]

        assert wait_for(lambda: set(numbers()) == {0, 1, 2, 3}, 60), numbers()
        assert wait_for(
            lambda: hub.admin("GET", pbx.path).json()["Sessions"][0]["PendingEvents"] == 0
        )
        assert in_order_with_restarts(numbers()), numbers()
    finally:
        receiver.stop()
        hub.stop()


def test_pbx_health_joins_the_customer_health(hub: HubCluster) -> None:
    failing = Receiver(status=500).start()
    try:
        pbx = make_pbx(hub)
        path = f"/customers/{pbx.client_id}/health"

        def health() -> dict[str, object]:
            (one,) = hub.admin("GET", path).json()["pbxes"]
            assert isinstance(one, dict)
            return one

        assert health()["health"] == "down"
        session_login(hub, pbx, failing.port, "p")
        assert health()["health"] == "up"
        assert post_event(hub, pbx, {"event": "BootUp", "sn": "1"}).status == 200
        assert wait_for(lambda: health()["health"] == "error", 30)
        assert health()["pending_events"] == 1
    finally:
        failing.stop()
