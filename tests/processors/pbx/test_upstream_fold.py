"""A PUT of an upstream connection, folded: when it logs in again, and what it logs out."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest

from processors.app import Hub
from processors.pbx import upstream_fold as fold
from processors.pbx.upstream_connector import due
from processors.pbx.work import Work
from schemas.pbx_errno import Errno
from schemas.pbx_secrets import md5_hex
from schemas.pbx_upstream import (
    Action,
    ConnectionState,
    Upstream,
    UpstreamBody,
    UpstreamConfig,
    UpstreamRemoved,
    UpstreamResult,
    UpstreamSet,
    login_digest,
    same_login,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
C, P = "acme", "pbx1"
KEY = f"{C}/{P}"
HUB_KEY = b"k" * 32
PASSWORD = "right"  # noqa: S105 - a test password
OLD, NEW = "sealed-old", "sealed-new"  # stand-ins for sealed tokens: the fold never unseals
BODY = UpstreamBody(BaseUrl="https://pbx.example:8088", Username="api", Password=PASSWORD)


def at(seconds: float) -> datetime:
    """T0 plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def config(body: UpstreamBody, digest: bool = True) -> UpstreamConfig:
    """What the ingress publishes for a PUT of `body`."""
    config = UpstreamConfig.from_body(HUB_KEY, body)
    return config if digest else config.model_copy(update={"login_digest": None})


def work() -> Work:
    """A working copy over a stub hub without the PBX record (no name in events)."""
    return Work(hub=cast(Hub, SimpleNamespace(pbx_upstreams={}, pbxes={})))


def up(w: Work) -> Upstream:
    """The connection as the batch left it."""
    found: Upstream | None = w.get(fold.TABLE, KEY)
    assert found is not None
    return found


def put(w: Work, body: UpstreamBody, when: datetime, digest: bool = True) -> None:
    """Fold a PUT of `body`."""
    fold.on_set(w, UpstreamSet(client_id=C, pbx_id=P, config=config(body, digest), at=when))


def result(w: Work, action: Action, when: datetime, **outcome: Any) -> None:
    """Fold the end of a call made with the connection's current settings."""
    gen = up(w).config.generation
    msg = UpstreamResult(client_id=C, pbx_id=P, generation=gen, action=action, at=when, **outcome)
    fold.on_result(w, msg)


def connected(body: UpstreamBody = BODY) -> Work:
    """A connection logged in at T0 with the token OLD."""
    w = work()
    put(w, body, T0)
    result(w, Action.login, T0, ok=True, sealed_token=OLD)
    assert up(w).state is ConnectionState.connected
    w.events.clear()
    return w


@pytest.mark.parametrize(
    "change",
    [
        {"Password": "other"},
        {"BaseUrl": "https://pbx2.example:8088"},
        {"Username": "api2"},
        {"Version": "1.0.0"},
        {"VerifyTls": False},
    ],
)
def test_a_change_of_any_login_setting_changes_the_digest(change: dict[str, Any]) -> None:
    changed = BODY.model_copy(update=change)
    assert not same_login(config(BODY), config(changed))


def test_the_same_settings_sealed_twice_are_the_same_login() -> None:
    first, again = config(BODY), config(BODY)
    assert first.sealed_password != again.sealed_password  # sealing is randomized
    assert same_login(first, again)
    assert same_login(first, config(BODY.model_copy(update={"HeartbeatIntervalSeconds": 60})))


def test_the_digest_does_not_show_the_password() -> None:
    digest = login_digest(HUB_KEY, BODY)
    assert md5_hex(PASSWORD) not in digest
    assert digest != login_digest(b"another key" * 3, BODY)


def test_an_identical_put_keeps_the_token_and_logs_in_no_more() -> None:
    w = connected()
    put(w, BODY, at(5))
    assert up(w).sealed_token == OLD
    assert up(w).state is ConnectionState.connected
    assert up(w).replaced == []
    assert due(up(w), at(6)) is None
    assert w.events == []


def test_a_new_password_logs_in_at_once_keeping_the_old_session_to_log_out() -> None:
    w = connected()
    put(w, BODY.model_copy(update={"Password": "new"}), at(5))
    assert up(w).sealed_token is None
    assert up(w).state is ConnectionState.connecting
    (old,) = up(w).replaced
    assert (old.base_url, old.sealed_token) == (BODY.BaseUrl, OLD)
    assert due(up(w), at(5)) is Action.login  # before the old session is logged out
    assert [(e.from_state, e.to_state) for e in w.events] == [("connected", "connecting")]


def test_the_new_token_replaces_the_old_one_which_is_then_logged_out() -> None:
    w = connected()
    put(w, BODY.model_copy(update={"Password": "new"}), at(5))
    result(w, Action.login, at(6), ok=True, sealed_token=NEW)
    assert (up(w).sealed_token, up(w).state) == (NEW, ConnectionState.connected)
    assert due(up(w), at(6)) is Action.logout_replaced
    result(w, Action.logout_replaced, at(7), ok=False, error="unreachable", sealed_token=OLD)
    assert up(w).replaced == []  # best effort: not tried again
    assert due(up(w), at(8)) is None


def test_a_rejected_new_password_is_credentials_rejected_without_a_login_loop() -> None:
    w = connected()
    put(w, BODY.model_copy(update={"Password": "wrong"}), at(5))
    result(w, Action.login, at(6), errno=Errno.BAD_CREDENTIALS.value, ok=False)
    assert up(w).state is ConnectionState.credentials_rejected
    assert w.events[-1].to_state == "credentials-rejected"
    assert due(up(w), at(6)) is Action.logout_replaced
    result(w, Action.logout_replaced, at(7), ok=True, sealed_token=OLD)
    assert due(up(w), at(7200)) is None


def test_an_expired_token_is_not_kept_to_log_out() -> None:
    w = connected()
    put(w, BODY.model_copy(update={"Password": "new"}), at(31 * 60))
    assert up(w).replaced == []
    assert due(up(w), at(31 * 60)) is Action.login


def test_a_record_from_before_the_digest_counts_as_changed() -> None:
    w = work()
    put(w, BODY, T0, digest=False)
    result(w, Action.login, T0, ok=True, sealed_token=OLD)
    put(w, BODY, at(5))
    assert due(up(w), at(5)) is Action.login


def test_disconnecting_during_a_change_logs_out_both_sessions_then_forgets() -> None:
    w = connected()
    put(w, BODY.model_copy(update={"Password": "new"}), at(5))
    result(w, Action.login, at(6), ok=True, sealed_token=NEW)
    fold.on_removed(w, UpstreamRemoved(client_id=C, pbx_id=P, at=at(7)))
    assert due(up(w), at(7)) is Action.logout_replaced
    result(w, Action.logout_replaced, at(8), ok=True, sealed_token=OLD)
    assert due(up(w), at(8)) is Action.logout
    result(w, Action.logout, at(9), ok=True)
    assert w.get(fold.TABLE, KEY) is None


def test_disconnecting_with_only_a_replaced_session_logs_it_out_then_forgets() -> None:
    w = connected()
    put(w, BODY.model_copy(update={"Password": "wrong"}), at(5))
    fold.on_removed(w, UpstreamRemoved(client_id=C, pbx_id=P, at=at(6)))
    assert due(up(w), at(6)) is Action.logout_replaced
    result(w, Action.logout_replaced, at(7), ok=True, sealed_token=OLD)
    assert w.get(fold.TABLE, KEY) is None
