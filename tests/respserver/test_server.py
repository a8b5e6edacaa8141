"""Tests of the server on real sockets, on uvloop and on plain asyncio.

They cover framing, limits and hostile clients.
"""

import asyncio
import logging
import select
import socket
import time

import pytest

from respserver.conf import ServerConfig
from tests.respserver.conftest import exchange, receive, wait_closed

PONG = b"+PONG\r\n"

# Columns: the bytes of one write on a new connection, the replies, and whether the
# server then closes the connection.
EXAMPLES = [
    (b"ping\r\n*1\r\n$4\r\npInG\r\n", PONG * 2, False),
    (b"*2\r\n$4\r\nPING\r\n$5\r\nhello\r\n", b"$5\r\nhello\r\n", False),
    (b"PING\r\n*1\r\n$4\r\nPING\r\nPING\r\n", PONG * 3, False),
    (b"\r\n*1\r\n$4\r\nping\r\n", PONG, False),
    (b"*-10\r\n*1\r\n$4\r\nping\r\n", PONG, False),
    (b"*3000000000\r\n", b"-ERR Protocol error: invalid multibulk length\r\n", True),
    (b"*1\r\nfoo\r\n", b"-ERR Protocol error: expected '$', got 'f'\r\n", True),
    (
        b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
        True,
    ),
    (b"PING\r\n*x\r\nPING\r\n", PONG + b"-ERR Protocol error: invalid multibulk length\r\n", True),
    (b"FOO bar\r\n", b"-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n", False),
    (b"QUIT\r\nPING\r\n", b"+OK\r\n", True),
    (b"*1\r\n$4\r\nPING\r\n" * 10_000, PONG * 10_000, False),
    (b'ECHO "a b\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n", True),
    (b"x" * (64 * 1024 + 1), b"-ERR Protocol error: too big inline request\r\n", True),
    (
        b"*1\r\n$" + b"1" * (64 * 1024 + 1),
        b"-ERR Protocol error: too big bulk count string\r\n",
        True,
    ),
    (b"*" + b"1" * (64 * 1024 + 1), b"-ERR Protocol error: too big mbulk count string\r\n", True),
]


@pytest.mark.parametrize(("sent", "reply", "closes"), EXAMPLES, ids=range(len(EXAMPLES)))
def test_example(resp_server, sent, reply, closes):
    with resp_server.connect() as sock:
        received, closed = exchange(sock, sent, until=len(reply))
        assert received == reply
        if closes:
            assert wait_closed(sock)
        else:
            assert exchange(sock, b"PING\r\n", until=len(PONG)) == (PONG, False)


def test_split_request_waits_for_the_rest(resp_server):
    with resp_server.connect() as sock:
        sock.sendall(b"*1\r\n$4\r\nPI")
        assert receive(sock, timeout=0.3) == (b"", False)
        assert exchange(sock, b"NG\r\n", until=len(PONG)) == (PONG, False)


def queued_output(server):
    """Return the reply bytes queued for all clients, read on the server's loop."""
    return server.call(
        lambda: sum(conn.transport.get_write_buffer_size() for conn in server.server.connections)
    )


def test_pipelined_pings_without_reading(start_resp_server):
    """100,000 PINGs sent before any read get exactly 100,000 PONGs, with bounded buffers."""
    limit = 64 * 1024
    server = start_resp_server(ServerConfig(output_buffer_max=limit))
    count = 100_000
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        sock.connect((server.host, server.port))
        # Mixed shapes make some reads take the general path.
        sock.sendall((b"PING\r\n" * 99 + b"*1\r\n$4\r\nPING\r\n") * (count // 100))
        time.sleep(0.3)
        # The queue is at most the limit plus the replies of one 256 KiB read.
        assert queued_output(server) <= limit + 256 * 1024 * 7 // 6
        received, _ = receive(sock, until=len(PONG) * count, timeout=60)
        assert received == PONG * count
        assert receive(sock, timeout=0.2) == (b"", False)


def test_reading_pauses_while_replies_do_not_drain(start_resp_server):
    limit = 64 * 1024
    server = start_resp_server(ServerConfig(output_buffer_max=limit))
    payload = b"x" * 32 * 1024
    request = b"*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n" % (len(payload), payload)
    reply = b"$%d\r\n%s\r\n" % (len(payload), payload)
    count = 400  # 13 MB of replies, more than the kernel's socket buffers can contain
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        sock.connect((server.host, server.port))
        sock.setblocking(False)
        sent = 0
        data = request * count
        stalled = time.monotonic()
        while sent < len(data) and time.monotonic() - stalled < 0.5:
            try:
                sent += sock.send(data[sent:])
                stalled = time.monotonic()
            except BlockingIOError:
                time.sleep(0.01)
        assert sent < len(data), "the server kept reading"
        stats = server.info()
        assert stats["clients"]["paused_reading_clients"] == 1
        assert stats["stats"]["output_buffer_pauses"] >= 1
        assert queued_output(server) <= limit + 256 * 1024 + len(reply)
        received = bytearray()
        deadline = time.monotonic() + 60
        while len(received) < len(reply) * count and time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock] if sent < len(data) else [], [], 1)
            if writable:
                sent += sock.send(data[sent : sent + 65536])
            if readable:
                received += sock.recv(1 << 20)
        assert received == reply * count
    peak = server.info()["clients"]["client_recent_max_output_buffer"]
    assert limit < peak <= limit + 256 * 1024 + len(reply)


def test_amplifying_requests_are_held_back(start_resp_server):
    """Requests whose replies outgrow the limit wait in the input until replies drain."""
    server = start_resp_server(ServerConfig(output_buffer_max=4096))
    count = 3000
    request = b"COMMAND DOCS\r\n"
    with server.connect() as single:
        reply, _ = exchange(single, request, until=1)
        reply += receive(single, timeout=0.3)[0]
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        sock.connect((server.host, server.port))
        sock.sendall(request * count)
        time.sleep(0.3)
        assert server.info()["clients"]["paused_reading_clients"] == 1
        received, _ = receive(sock, until=len(reply) * count, timeout=60)
    assert received == reply * count
    peak = server.info()["clients"]["client_recent_max_output_buffer"]
    assert peak <= 4096 + 64 * len(reply) + 256 * 1024


def test_idle_connections_stay_served(resp_server, open_files):
    count = 5000
    sockets = []
    try:
        for _ in range(count):
            sockets.append(resp_server.connect(timeout=30))
        time.sleep(0.5)
        assert resp_server.info()["clients"]["connected_clients"] == count
        for sock in sockets:
            sock.sendall(b"PING\r\n")
        for sock in sockets:
            assert receive(sock, until=len(PONG), timeout=30) == (PONG, False)
    finally:
        for sock in sockets:
            sock.close()


def test_client_disconnects_are_harmless(resp_server, resp_log):
    # mid-frame
    with resp_server.connect() as sock:
        sock.sendall(b"*2\r\n$4\r\nECHO\r\n$100\r\nabc")
    # With replies pending and requests unread, the close resets the connection.
    with resp_server.connect() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"PING\r\n" * 200_000)
        time.sleep(0.2)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    # in the middle of an inline line
    with resp_server.connect() as sock:
        sock.sendall(b"PIN")
    time.sleep(0.3)
    with resp_server.connect() as sock:
        assert exchange(sock, b"PING\r\n", until=len(PONG)) == (PONG, False)
    loud = [record for record in resp_log if record.levelno > logging.DEBUG]
    assert loud == []
    deadline = time.monotonic() + 5
    while (
        resp_server.call(lambda: len(resp_server.server.connections))
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert resp_server.call(lambda: len(resp_server.server.connections)) == 0


def test_protocol_error_logs_rate_limited(resp_server, resp_log):
    for _ in range(15):
        with resp_server.connect() as sock:
            exchange(sock, b"*x\r\n", until=1)
            wait_closed(sock)
    errors = [record for record in resp_log if "Protocol error" in record.getMessage()]
    assert len(errors) == 10
    assert all(record.levelno == logging.DEBUG for record in errors)
    assert resp_server.info()["stats"]["total_protocol_errors"] == 15


def test_max_clients(start_resp_server, resp_log):
    server = start_resp_server(ServerConfig(max_clients=3))
    admitted = [server.connect() for _ in range(3)]
    try:
        for sock in admitted:
            assert exchange(sock, b"PING\r\n", until=len(PONG)) == (PONG, False)
        with server.connect() as refused:
            received, closed = receive(refused, until=1 << 20, timeout=5)
            assert received == b"-ERR max number of clients reached\r\n"
            assert closed
        stats = server.info()
        assert stats["stats"]["rejected_connections"] == 1
        assert stats["clients"]["connected_clients"] == 3
        warnings = [record for record in resp_log if record.levelno == logging.WARNING]
        assert [record.getMessage() for record in warnings] == [
            "Rejected a client: the maximum of 3 clients is reached"
        ]
    finally:
        for sock in admitted:
            sock.close()
    time.sleep(0.2)
    with server.connect() as sock:
        assert exchange(sock, b"PING\r\n", until=len(PONG)) == (PONG, False)


def test_idle_timeout_closes_idle_clients_only(start_resp_server):
    server = start_resp_server(ServerConfig(idle_timeout=0.4))
    with server.connect() as idle, server.connect() as busy:
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            assert exchange(busy, b"PING\r\n", until=len(PONG)) == (PONG, False)
            time.sleep(0.1)
        assert wait_closed(idle, timeout=1)
        assert exchange(busy, b"PING\r\n", until=len(PONG)) == (PONG, False)


def test_idle_timeout_is_off_by_default(resp_server):
    with resp_server.connect() as sock:
        time.sleep(1.2)
        assert exchange(sock, b"PING\r\n", until=len(PONG)) == (PONG, False)


def test_stop_flushes_queued_replies_then_closes(resp_server):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        sock.connect((resp_server.host, resp_server.port))
        sock.sendall(b"PING\r\n" * 50_000)
        time.sleep(0.3)
        future = asyncio.run_coroutine_threadsafe(resp_server.server.stop(), resp_server.loop)
        received, closed = receive(sock, until=1 << 30, timeout=30)
        future.result(30)
    assert closed
    assert received
    assert received == PONG * (len(received) // len(PONG))
    with pytest.raises(OSError):
        resp_server.connect(timeout=2).close()
