"""The deliveries' POST client against real servers: statuses, kept connections, the
answers' framings, a server closing an idle connection, timeouts and garbage."""

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from localkafka.receiver import Receiver
from processors.runtime.http_post import HttpPoster, ProtocolError

HEADERS = {"Content-Type": "application/json", "User-Agent": "WebAPI"}
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"
BAD_LENGTH = b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"
Answer = Callable[[int], bytes | None]
"""The bytes a scripted server writes for its n-th request (None: say nothing)."""


class Scripted:
    """A raw HTTP server on loopback answering each request as `answer` says."""

    def __init__(self, answer: Answer, close_after: bool = False) -> None:
        self.answer, self.close_after = answer, close_after
        self.requests: list[bytes] = []
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                self.requests.append(head + await reader.readexactly(length))
                reply = self.answer(len(self.requests))
                if reply is None:
                    await asyncio.sleep(30)
                    return
                writer.write(reply)
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/events/s1?tag=0"


@pytest.fixture
async def poster() -> AsyncIterator[HttpPoster]:
    client = HttpPoster(timeout_s=2.0)
    yield client
    await client.close()


async def serve(answer: Answer, close_after: bool = False) -> Scripted:
    s = Scripted(answer, close_after)
    s.server = await asyncio.start_server(s.handle, "127.0.0.1", 0)
    return s


async def test_posts_to_a_receiver_reuse_one_connection_and_give_its_status(
    poster: HttpPoster,
) -> None:
    receiver = Receiver().start()
    try:
        url = f"http://127.0.0.1:{receiver.port}/s1"
        assert [await poster.post(url, b'{"n": %d}' % n, HEADERS) for n in range(3)] == [200] * 3
        receiver.status = 503
        assert await poster.post(url, b'{"n": 3}', HEADERS) == 503
        assert [r.json()["n"] for r in receiver.received] == [0, 1, 2, 3]
        assert receiver.received[0].headers["user-agent"] == "WebAPI"
        assert len(receiver._open) == 1  # one connection carried all four
    finally:
        receiver.stop()


async def test_the_request_names_the_path_host_and_length(poster: HttpPoster) -> None:
    server = await serve(lambda n: OK)
    await poster.post(server.url, b"{}", HEADERS)
    head = server.requests[0].decode()
    assert head.startswith("POST /events/s1?tag=0 HTTP/1.1\r\n")
    port = server.url.split(":")[2].split("/")[0]
    assert f"\r\nHost: 127.0.0.1:{port}\r\n" in head
    assert "\r\nContent-Length: 2\r\n" in head
    assert head.endswith("\r\n\r\n{}")


@pytest.mark.parametrize(
    ("reply", "kept"),
    [
        (b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello", True),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
            True,
        ),
        (b"HTTP/1.1 204 No Content\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\n\r\nto the end", False),
    ],
)
async def test_every_framing_of_an_answer_is_read_and_the_connection_kept_if_it_may(
    poster: HttpPoster, reply: bytes, kept: bool
) -> None:
    server = await serve(lambda n: reply, close_after=not kept)
    status = int(reply[9:12])
    assert await poster.post(server.url, b"{}", HEADERS) == status
    assert await poster.post(server.url, b"{}", HEADERS) == status
    assert server.connections == (1 if kept else 2)


async def test_a_kept_connection_the_server_closed_is_replaced_and_the_post_sent_once(
    poster: HttpPoster,
) -> None:
    server = await serve(
        lambda n: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", close_after=True
    )
    assert await poster.post(server.url, b"1", HEADERS) == 200
    await asyncio.sleep(0.1)  # the server has closed the connection the client keeps
    assert await poster.post(server.url, b"2", HEADERS) == 200
    assert [r.rsplit(b"\r\n\r\n", 1)[1] for r in server.requests] == [b"1", b"2"]


async def test_a_server_that_does_not_answer_times_out(poster: HttpPoster) -> None:
    server = await serve(lambda n: None)
    slow = HttpPoster(timeout_s=0.3)
    with pytest.raises(TimeoutError):
        await slow.post(server.url, b"{}", HEADERS)
    await slow.close()


@pytest.mark.parametrize(
    "reply",
    [
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 2xx OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
    ],
)
async def test_an_answer_that_is_not_http_is_refused(poster: HttpPoster, reply: bytes) -> None:
    server = await serve(lambda n: reply)
    with pytest.raises(ProtocolError):
        await poster.post(server.url, b"{}", HEADERS)


async def test_a_refused_connection_is_refused(poster: HttpPoster) -> None:
    server = await serve(lambda n: None)
    url = server.url
    assert server.server is not None
    server.server.close()
    await server.server.wait_closed()
    with pytest.raises(ConnectionRefusedError):
        await poster.post(url, b"{}", HEADERS)


async def test_a_url_that_is_not_http_is_refused(poster: HttpPoster) -> None:
    with pytest.raises(ProtocolError):
        await poster.post("ftp://127.0.0.1/x", b"{}", HEADERS)
