"""The event receiver keeps connections open between requests, and closes them on stop."""

import http.client

import pytest

from localkafka.receiver import Receiver


def test_one_connection_carries_several_requests_in_order() -> None:
    receiver = Receiver().start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
        socks = []
        for n in range(3):
            conn.request("POST", "/s1", body=f'{{"n": {n}}}'.encode())
            reply = conn.getresponse()
            reply.read()
            assert reply.status == 200
            assert not reply.will_close  # HTTP/1.1, kept open
            socks.append(conn.sock)
        assert socks[0] is socks[1] is socks[2]  # one connection all along
        assert [r.json()["n"] for r in receiver.accepted("/s1")] == [0, 1, 2]
        conn.close()
    finally:
        receiver.stop()


def test_stop_closes_the_connections_kept_open() -> None:
    receiver = Receiver().start()
    conn = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
    conn.request("POST", "/s1", body=b"{}")
    conn.getresponse().read()
    receiver.stop()

    def again() -> None:  # on the connection the receiver closed
        conn.request("POST", "/s1", body=b"{}")
        conn.getresponse()

    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        again()
    assert len(receiver.accepted()) == 1
