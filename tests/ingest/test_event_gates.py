"""An ingress checks an event URL's secret by its replica of the PBXes' gates, or defers."""

from ingest.event_gates import EventGates
from schemas.pbx_event_gate import EventGate, gate_key
from schemas.pbx_secrets import event_secret

KEY = b"k" * 32
NONCE = "0f" * 16


def gates(key: bytes | None = KEY) -> EventGates:
    found = EventGates("127.0.0.1:9", "t-pbx-event-gates", key)
    gate = EventGate(client_id="acme", pbx_id="pbx1", nonce=NONCE)
    found.replica._values[gate_key("acme", "pbx1")] = gate
    return found


def test_the_pbx_s_own_secret_is_taken_here() -> None:
    assert gates().takes("acme", "pbx1", event_secret(KEY, "acme", "pbx1", NONCE)) is True


def test_another_secret_is_left_to_the_worker() -> None:
    other = event_secret(KEY, "acme", "pbx1", "1e" * 16)  # the PBX created again, say
    assert gates().takes("acme", "pbx1", other) is False
    assert gates().takes("acme", "pbx1", "a" * 40) is False


def test_a_pbx_without_a_gate_is_left_to_the_worker() -> None:
    secret = event_secret(KEY, "acme", "pbx2", NONCE)
    assert gates().takes("acme", "pbx2", secret) is False


def test_an_ingress_without_the_key_leaves_every_report_to_the_worker() -> None:
    secret = event_secret(KEY, "acme", "pbx1", NONCE)
    assert gates(key=None).takes("acme", "pbx1", secret) is False
