"""Wake times: the due index's view of each table's value never misses what the sweep would do."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from processors import wake
from processors.pbx.upstream_connector import due
from schemas.commands import CommandRecord, CustomerCommands, StateChange
from schemas.enums import ProfileType
from schemas.events import CommandState
from schemas.health import CustomerHealth
from schemas.pbx import Lockout, PbxConfig, PbxRecord, Session
from schemas.pbx_requests import Callback
from schemas.pbx_upstream import ConnectionState, ReplacedSession, Upstream, UpstreamConfig

T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def command(cid: str, state: CommandState, expires: datetime, changed: datetime) -> CommandRecord:
    return CommandRecord(
        id=cid, command="restart", profile_type=ProfileType.Inbound, profile_id=1, ttl_s=60,
        max_deliveries=3, created_at=T0, expires_at=expires, state=state,
        history=[StateChange(state=state, at=changed, deliveries=0)],
    )  # fmt: skip


def test_commands_wake_at_the_first_expiry_or_end_of_retention() -> None:
    cc = CustomerCommands(
        commands={
            "a": command("a", CommandState.queued, at(90), T0),
            "b": command("b", CommandState.acknowledged, at(10), at(20)),
        }
    )
    assert wake.commands(cc, timedelta(seconds=60)) == at(80)
    assert wake.commands(cc, HOUR) == at(90)
    assert wake.commands(CustomerCommands(), HOUR) is None


def test_health_wakes_at_its_next_check_or_now_with_an_outbox() -> None:
    assert wake.health(CustomerHealth(next_check=at(30))) == at(30)
    assert wake.health(CustomerHealth()) is None


def session(sid: str, **fields: object) -> Session:
    base: dict[str, object] = {
        "session_id": sid, "user": "u", "token_hash": f"h-{sid}", "created": T0,
        "last_seen": T0, "expires_at": at(1800),
        "callback": Callback(ipaddr="192.168.6.24", port=8260, urltag=0, version="2.0.0"),
    }  # fmt: skip
    return Session.model_validate({**base, **fields})


def pbx(*sessions: Session) -> PbxRecord:
    return PbxRecord(
        config=PbxConfig(Name="Office"),
        nonce="n",
        created=T0,
        sessions={s.session_id: s for s in sessions},
    )


def test_pbx_wakes_at_expiry_delivery_or_end_of_retention() -> None:
    assert wake.pbx(pbx(session("idle")), HOUR) == at(1800)
    retry = session("retry", queue=[1], next_attempt_at=at(5))
    assert wake.pbx(pbx(session("idle"), retry), HOUR) == at(5)
    assert wake.pbx(pbx(session("new", queue=[1])), HOUR) == wake.NOW
    ended = session("ended", ended_at=at(100), end_reason="expired")
    assert wake.pbx(pbx(ended), HOUR) == at(100) + HOUR
    assert wake.pbx(pbx(), HOUR) is None


def test_lockout_wakes_when_the_lock_or_the_failures_lapse() -> None:
    lock_for = timedelta(minutes=10)
    assert wake.lockout(Lockout(failures=5, locked_until=at(600)), lock_for) == at(600)
    assert wake.lockout(Lockout(failures=2, last_failure=at(10)), lock_for) == at(610)


SEALED = "sealed"  # opaque here: `due` only asks whether there is one


def upstream(fields: tuple[object, ...]) -> Upstream:
    """A connection with the fields `due` reads set from `fields`."""
    names = ["removed", "state", "sealed_token", "token_expires_at", "locked_until"]
    names += ["next_attempt_at", "last_heartbeat_at", "replaced"]
    cfg = UpstreamConfig(
        base_url="http://127.0.0.1:1", username="api", sealed_password=SEALED,
        version="2.0.0", interval_s=60, verify_tls=True, generation="g",
    )  # fmt: skip
    values = {"config": cfg, "since": T0, **dict(zip(names, fields, strict=True))}
    return Upstream.model_validate(values)


def upstreams() -> list[Upstream]:
    """Connections in every combination of the fields `due` reads."""
    times = [None, at(-30), at(30)]
    replaced = [
        ReplacedSession(sealed_token=SEALED, base_url="http://127.0.0.1:1", verify_tls=True)
    ]
    combos = itertools.product(
        [False, True], list(ConnectionState), [None, SEALED], times, times, times, times,
        [[], replaced],
    )  # fmt: skip
    return [upstream(c) for c in combos]


@pytest.mark.parametrize("now_s", [0, 29, 31, 59, 61, 200])
def test_an_upstream_call_due_at_now_is_never_woken_later_than_now(now_s: int) -> None:
    now = at(now_s)
    for up in upstreams():
        if due(up, now) is not None:
            when = wake.upstream(up)
            assert when is not None, up
            assert when <= now, up
