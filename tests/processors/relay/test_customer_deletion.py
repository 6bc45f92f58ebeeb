"""Deleting a customer, folded: its commands, PBXes, config records and tokens' scopes."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import cast

from processors.app import Hub
from processors.pbx import fold as pbx_fold
from processors.pbx.work import Work
from processors.relay.commands import apply_order, record_deliveries
from processors.relay.customer_deletion import (
    cancel_all,
    config_keys,
    forget_pbx,
    without_customer,
)
from schemas.admin_tokens import AdminToken
from schemas.commands import CommandQueued, CustomerCommands
from schemas.enums import ProfileType
from schemas.events import CommandState
from schemas.pbx import EndReason, PbxConfig, PbxRecord, SessionState
from schemas.pbx_events import V2
from schemas.pbx_requests import Callback
from schemas.pbx_topics import (
    ChangeKind,
    EventReceived,
    PbxUpserted,
    PbxUserSet,
    SessionLoggedOut,
    SessionOpened,
)
from schemas.pbx_upstream import ConnectionState, Upstream, UpstreamConfig
from schemas.profiles import CustomerProfiles
from schemas.relay import InboundProfileBase, OutboundProfileBase

T0 = datetime(2026, 1, 1, tzinfo=UTC)
C, P = "acme", "hq"
KEY = f"{C}/{P}"
CB = Callback(ipaddr="192.168.6.24", port=8260, urltag=0, version=V2)
SEALED = "sealed"  # a stand-in: the fold never unseals
EXT = '{"event":"ExtensionStatus","extension":"1006","status":"Registered","sn":"s"}'


def at(seconds: float) -> datetime:
    """T0 plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def queued(command_id: str, pid: int = 7) -> CommandQueued:
    """An order queueing a restart on an inbound profile."""
    return CommandQueued(
        client_id=C, profile_type=ProfileType.Inbound, profile_id=pid, at=T0,
        command_id=command_id, command="restart", ttl_s=600, max_deliveries=1,
    )  # fmt: skip


def test_unfinished_commands_are_cancelled_and_finished_ones_kept() -> None:
    cc = apply_order(apply_order(CustomerCommands(), C, queued("a")), C, queued("b", pid=8))
    cc = record_deliveries(cc, C, ["b"], at(1))
    cc.commands["b"].state = CommandState.acknowledged  # finished before the deletion
    cc.outbox = []
    cancelled = cancel_all(cc, C, at(5))
    assert cancelled.commands["a"].state is CommandState.cancelled
    assert cancelled.commands["a"].history[-1].at == at(5)
    assert cancelled.commands["b"].state is CommandState.acknowledged
    assert [(e.command_id, e.state) for e in cancelled.outbox] == [("a", "cancelled")]
    assert cancelled.queues == {}
    assert cc.commands["a"].state is CommandState.queued  # the table's value is not touched


def test_nothing_to_cancel_is_the_same_value() -> None:
    cc = CustomerCommands()
    assert cancel_all(cc, C, at(5)) is cc


def test_the_config_records_to_forget_are_every_profile_s_the_access_and_the_channels() -> None:
    profiles = CustomerProfiles(
        inbound={7: InboundProfileBase(RelayInboundProfileID=7)},
        outbound={2: OutboundProfileBase(RelayOutboundProfileID=2)},
    )
    assert config_keys(C, profiles, ["pager", "ops"]) == [
        b"access/acme",
        b"profile/acme/inbound/7",
        b"maintenance/acme/inbound/7",
        b"profile/acme/outbound/2",
        b"maintenance/acme/outbound/2",
        b"channel/acme/ops",
        b"channel/acme/pager",
    ]  # and not customer/acme, which keeps the deletion


def test_only_the_customer_s_own_pbxes_are_found() -> None:
    keys = ["acme/hq", "acme/lab", "acme2/hq", "other/acme", "acm/e"]
    assert pbx_fold.customer_pbx_ids(keys, C) == ["hq", "lab"]


def token(client_ids: list[str], created: datetime = T0) -> AdminToken:
    """A scoped write token."""
    return AdminToken(
        id="0123456789abcdef", name="t", client_ids=client_ids, access="write",
        created=created, token_hash="h",  # noqa: S106 - a stand-in: never compared here
    )  # fmt: skip


def test_a_token_loses_the_deleted_customer_and_keeps_the_others() -> None:
    trimmed = without_customer(token(["acme", "beta"]), C, at(5))
    assert trimmed is not None
    assert trimmed.client_ids == ["beta"]
    assert without_customer(token(["acme"]), C, at(5)) == token([])


def test_other_tokens_and_tokens_made_after_the_deletion_are_left_alone() -> None:
    assert without_customer(token(["beta"]), C, at(5)) is None
    assert without_customer(token(["acme"], created=at(6)), C, at(5)) is None


def stub() -> SimpleNamespace:
    """A stub hub: the PBX tables as plain dicts."""
    return SimpleNamespace(
        pbxes={}, pbx_tokens={}, pbx_events={}, pbx_users={}, pbx_lockouts={}, pbx_upstreams={}
    )


def pbx_with_sessions() -> Work:
    """The PBX with users u1 and u2, a live session with an event queued, one logged out."""
    w = Work(hub=cast(Hub, stub()))
    pbx_fold.on_pbx(w, PbxUpserted(client_id=C, pbx_id=P, config=PbxConfig(Name="HQ"),
                                   nonce="n", at=T0), 1)  # fmt: skip
    for user in ("u1", "u2"):
        set_user = PbxUserSet(client_id=C, pbx_id=P, username=user, present=True, at=T0)
        pbx_fold.on_pbx_user(w, set_user)
    for sid, user in (("s1", "u1"), ("s2", "u2")):
        opened = SessionOpened(client_id=C, pbx_id=P, session_id=sid, user=user,
                               token_hash=f"hash-{sid}", callback=CB, at=T0)  # fmt: skip
        pbx_fold.on_session_opened(w, opened)
    pbx_fold.on_logged_out(w, SessionLoggedOut(client_id=C, pbx_id=P, session_id="s2", at=at(1)))
    event = EventReceived(client_id=C, pbx_id=P, version=V2, name="ExtensionStatus", body=EXT,
                          at=at(2))  # fmt: skip
    pbx_fold.on_event(w, event, 100)
    w.changes.clear()
    return w


def test_a_forgotten_pbx_ends_its_sessions_and_leaves_nothing_behind() -> None:
    w = pbx_with_sessions()
    assert w.get("pbx-events", f"{KEY}/1") is not None
    assert forget_pbx(w, C, P, at(10)) == ["u1", "u2"]
    assert w.get("pbxes", KEY) is None
    assert w.get("pbx-events", f"{KEY}/1") is None
    assert [w.get("pbx-tokens", f"hash-{s}") for s in ("s1", "s2")] == [None, None]
    ended = [c for c in w.changes if c.kind is ChangeKind.session_ended]
    assert [c.session.session_id for c in ended if c.session] == ["s1"]  # s2 had ended
    assert ended[0].session is not None
    assert ended[0].session.end_reason is EndReason.pbx_deleted
    assert ended[0].session.state is SessionState.logged_out
    assert w.changes[-1].kind is ChangeKind.pbx_deleted


def test_a_forgotten_pbx_s_upstream_logs_out_first() -> None:
    w = pbx_with_sessions()
    config = UpstreamConfig(
        base_url="http://pbx", username="api", sealed_password=SEALED, version="2.0.0",
        interval_s=600, verify_tls=True, generation="g",
    )  # fmt: skip
    connected = Upstream(
        config=config, since=T0, state=ConnectionState.connected, sealed_token=SEALED,
        token_expires_at=at(1800),
    )  # fmt: skip
    w.put("pbx-upstreams", KEY, connected)
    forget_pbx(w, C, P, at(10))
    up: Upstream | None = w.get("pbx-upstreams", KEY)
    assert up is not None
    assert (up.removed, up.state) == (True, ConnectionState.disconnecting)
    assert w.connect == {KEY}
    assert [e.pbx_name for e in w.events] == ["HQ"]  # named: the PBX was still there


def test_forgetting_a_pbx_twice_does_nothing_more() -> None:
    w = pbx_with_sessions()
    forget_pbx(w, C, P, at(10))
    changes = len(w.changes)
    assert forget_pbx(w, C, P, at(10)) == []
    assert len(w.changes) == changes
    rec: PbxRecord | None = w.get("pbxes", KEY)
    assert rec is None
