"""Which PBX records written by a batch publish an event gate, and which a tombstone."""

from datetime import UTC, datetime

from processors.pbx.event_gates import changed
from schemas.pbx import PbxConfig, PbxRecord
from schemas.pbx_event_gate import EventGate

AT = datetime(2026, 12, 7, tzinfo=UTC)


def record(nonce: str) -> PbxRecord:
    return PbxRecord(config=PbxConfig(Name="front desk"), nonce=nonce, created=AT)


def test_a_pbx_created_publishes_its_gate() -> None:
    gates = changed({}, {"acme/pbx1": record("n1")})
    assert gates == {"acme/pbx1": EventGate(client_id="acme", pbx_id="pbx1", nonce="n1")}


def test_a_pbx_changed_or_written_again_publishes_nothing() -> None:
    assert changed({"acme/pbx1": record("n1")}, {"acme/pbx1": record("n1")}) == {}


def test_a_pbx_created_again_publishes_its_new_nonce() -> None:
    gates = changed({"acme/pbx1": record("n1")}, {"acme/pbx1": record("n2")})
    assert gates["acme/pbx1"] == EventGate(client_id="acme", pbx_id="pbx1", nonce="n2")


def test_a_pbx_removed_publishes_a_tombstone_and_one_never_held_nothing() -> None:
    assert changed({"acme/pbx1": record("n1")}, {"acme/pbx1": None}) == {"acme/pbx1": None}
    assert changed({}, {"acme/pbx1": None}) == {}
