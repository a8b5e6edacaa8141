"""manage.py runrespserver: arguments, address errors, signals, workers."""

import errno
import logging
import os
import signal
import socket
import time
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from respserver import runner
from respserver.management.commands.runrespserver import parse_addrport
from tests.respserver.conftest import exchange, receive

PONG = b"+PONG\r\n"

# Columns: the addrport argument, and the (host, port) it means.
ADDRPORTS = [
    ("8888", ("127.0.0.1", 8888)),
    ("0.0.0.0:8888", ("0.0.0.0", 8888)),
    ("127.0.0.1:1", ("127.0.0.1", 1)),
    ("[::1]:8888", ("::1", 8888)),
    ("[::]:8888", ("::", 8888)),
    ("localhost:8888", ("localhost", 8888)),
    ("0", ("127.0.0.1", 0)),
]

# Columns: a bad addrport argument, and the start of its error message.
BAD_ADDRPORTS = [
    ("abc", '"abc" is not a valid port number or address:port pair.'),
    ("8888x", '"8888x" is not a valid port number or address:port pair.'),
    ("127.0.0.1:", '"127.0.0.1:" is not a valid port number or address:port pair.'),
    ("::1:8888", '"::1:8888" is not a valid port number or address:port pair.'),
    ("-1", '"-1" is not a valid port number or address:port pair.'),
    ("70000", '"70000" is not a valid port number: use a port from 1 to 65535.'),
    ("999.1.1.1:80", '"999.1.1.1" is not a valid IPv4 address.'),
    ("[::g]:80", '"[::g]:80" is not a valid port number or address:port pair.'),
    ("[1:2:3]:80", '"1:2:3" is not a valid IPv6 address.'),
]


@pytest.mark.parametrize(("value", "expected"), ADDRPORTS)
def test_addrport(value, expected):
    assert parse_addrport(value) == expected


@pytest.mark.parametrize(("value", "message"), BAD_ADDRPORTS)
def test_bad_addrport(value, message):
    with pytest.raises(CommandError) as caught:
        parse_addrport(value)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("workers", ["0", "abc", "-2", "1.5"])
def test_bad_workers(workers):
    with pytest.raises(CommandError, match=f'"{workers}" is not a valid number of workers'):
        call_command("runrespserver", "0", workers=workers)


def test_address_in_use_is_one_clear_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError) as caught:
            call_command("runrespserver", f"127.0.0.1:{port}")
    message = str(caught.value)
    assert message == (
        f"Cannot listen on 127.0.0.1:{port}: the address is already in use. "
        "Stop the program that uses it, or choose another port."
    )


def test_address_in_use_fails_before_fork():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with mock.patch("os.fork") as fork, pytest.raises(CommandError, match="already in use"):
            call_command("runrespserver", f"127.0.0.1:{port}", workers="2")
        fork.assert_not_called()


def test_permission_denied_names_the_address():
    class Denied(socket.socket):
        def bind(self, address):
            raise PermissionError(errno.EACCES, "Permission denied")

    with mock.patch.object(runner.socket, "socket", Denied), pytest.raises(CommandError) as caught:
        call_command("runrespserver", "0.0.0.0:80")
    assert str(caught.value) == (
        "Cannot listen on 0.0.0.0:80: permission denied. "
        "Ports below 1024 need privileges, so choose a port of 1024 or above."
    )


def test_address_in_use_from_the_command_line(run_manage):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = run_manage(f"127.0.0.1:{port}")
        assert server.wait() == 1
    assert server.output.strip().splitlines() == [
        f"CommandError: Cannot listen on 127.0.0.1:{port}: the address is already in use. "
        "Stop the program that uses it, or choose another port."
    ]


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=10)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_cleanly_and_flushes(run_manage, signum):
    server = run_manage("127.0.0.1:0")
    assert server.port, server.output
    assert "(uvloop, 1 worker, up to 10000 clients" in server.output
    with connect(server.port) as idle, socket.socket() as busy:
        assert exchange(idle, b"PING\r\n", until=len(PONG)) == (PONG, False)
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        busy.connect(("127.0.0.1", server.port))
        busy.sendall(b"PING\r\n" * 50_000)
        time.sleep(0.3)
        server.process.send_signal(signum)
        received, closed = receive(busy, until=1 << 30, timeout=30)
        assert closed
        assert received and received == PONG * (len(received) // len(PONG))
        assert receive(idle, until=1, timeout=10) == (b"", True)
        assert server.wait() == 0
    assert f"Stopping on {signum.name}" in server.output
    assert "stopped after 2 connections" in server.output


def test_plain_asyncio(run_manage):
    server = run_manage("0", "--no-uvloop")
    assert "(asyncio, 1 worker" in server.output
    with connect(server.port) as sock:
        assert exchange(sock, b"*1\r\n$4\r\nPING\r\n", until=len(PONG)) == (PONG, False)
    server.process.send_signal(signal.SIGTERM)
    assert server.wait() == 0


def test_workers_share_the_port(run_manage):
    server = run_manage("127.0.0.1:0", "--workers", "2")
    assert "(uvloop, 2 workers" in server.output, server.output
    pids = set()
    sockets = [connect(server.port) for _ in range(40)]
    try:
        for sock in sockets:
            reply, _ = exchange(sock, b"INFO server\r\n", until=1)
            reply += receive(sock, timeout=0.05)[0]
            pids.add(reply.split(b"process_id:")[1].split(b"\r\n")[0])
    finally:
        for sock in sockets:
            sock.close()
    assert len(pids) == 2, "connections reached both workers"
    server.process.send_signal(signal.SIGTERM)
    assert server.wait() == 0
    assert "stopped" in server.output


def test_workers_stop_on_ctrl_c_to_the_group(run_manage):
    """Ctrl-C in a terminal signals the parent and every worker, and the exit status is 0."""
    server = run_manage("127.0.0.1:0", "--workers", "2")
    assert "(uvloop, 2 workers" in server.output, server.output
    with connect(server.port) as sock:
        assert exchange(sock, b"PING\r\n", until=len(PONG)) == (PONG, False)
    os.killpg(server.process.pid, signal.SIGINT)
    assert server.wait() == 0, server.output
    assert server.output.count("Stopping on") == 1, server.output
    assert "failed" not in server.output


def test_open_file_limit_raised(resp_log):
    limits = {"current": (1024, 20_000)}

    def setrlimit(kind, value):
        limits["current"] = value

    with (
        mock.patch.object(runner.resource, "getrlimit", lambda kind: limits["current"]),
        mock.patch.object(runner.resource, "setrlimit", setrlimit),
    ):
        assert runner.raise_open_file_limit(10_000) == 10_000
    assert limits["current"] == (10_032, 20_000)
    assert not [record for record in resp_log if record.levelno > logging.DEBUG]


def test_low_hard_limit_lowers_max_clients(resp_log):
    limits = {"current": (1024, 4096)}

    def setrlimit(kind, value):
        limits["current"] = value

    with (
        mock.patch.object(runner.resource, "getrlimit", lambda kind: limits["current"]),
        mock.patch.object(runner.resource, "setrlimit", setrlimit),
    ):
        assert runner.raise_open_file_limit(10_000) == 4096 - 32
    assert limits["current"] == (4096, 4096)
    warnings = [record.getMessage() for record in resp_log if record.levelno == logging.WARNING]
    assert warnings == [
        "The open-file limit could be raised only to 4096 of the 10032 that 10000 clients need: "
        "serving at most 4064 clients. Raise the hard limit (ulimit -Hn) to serve more."
    ]
