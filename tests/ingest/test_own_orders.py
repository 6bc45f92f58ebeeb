"""The orders an ingress's own heartbeats left, used until its replica shows them."""

from ingest.own_orders import OwnOrders
from schemas.commands import CustomerCommands


def orders(beat: int, order: int) -> CustomerCommands:
    return CustomerCommands(heartbeat_offset=beat, order_offset=order)


def test_its_own_orders_serve_until_the_replica_folded_that_heartbeat() -> None:
    own = OwnOrders()
    mine = orders(beat=-1, order=4)
    own.note("c1", 10, mine)
    assert own.current("c1", orders(beat=9, order=4)) is mine
    folded = orders(beat=10, order=4)
    assert own.current("c1", folded) is folded
    older = orders(beat=9, order=4)
    assert own.current("c1", older) is older  # forgotten once folded


def test_a_newer_order_in_the_replica_wins() -> None:
    own = OwnOrders()
    own.note("c1", 10, orders(beat=-1, order=4))
    newer = orders(beat=9, order=5)
    assert own.current("c1", newer) is newer


def test_kept_orders_expire() -> None:
    own = OwnOrders(ttl_s=0.0)
    own.note("c1", 10, orders(beat=-1, order=4))
    published = orders(beat=9, order=4)
    assert own.current("c1", published) is published


def test_other_clients_see_the_published_orders() -> None:
    own = OwnOrders()
    own.note("c1", 10, orders(beat=-1, order=4))
    assert own.current("c2", None) is None
