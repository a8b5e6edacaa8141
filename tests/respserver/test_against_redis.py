"""Tests that the server replies with the same bytes as a real redis-server."""

import shutil
import socket
import subprocess
import time

import pytest

from tests.respserver.test_commands import REPLIES
from tests.respserver.test_server import EXAMPLES

# Requests whose replies differ by design: client ids, the command table, the
# configuration, INFO, CONFIG SET, and CLIENT SETINFO (Redis 7.2, not in 7.0).
DIFFERENT = (
    b"HELLO\r\n",
    b"HELLO 2",
    b"HELLO 3\r\n",
    b"hello 3",
    b"CLIENT ID",
    b"SETINFO",
    b"COMMAND",
    b"INFO",
    b"max[",
    b"appendon?y",
    b"CONFIG SET",
)
CASES = [row[0] for row in EXAMPLES + REPLIES if not any(marker in row[0] for marker in DIFFERENT)]
CASES += [
    b"PING\r\n" * 100,
    b"*1\r\n$4\r\nPINGxx" * 3 + b"PING\r\n",
    b"*1\rX$4\r\nPING\r\n",
    b"*1\n$4\r\nPING\r\n",
    b"ECHO \"\\x41\\x4a\\xzz\" 'a \\' b'\r\n",
    b'ECHO "a"b\r\n',
    b"ECHO a\x0bb\x0c\r\n",
    b"\x0b\x0cPING \x0b\r\n",
    b"*2\r\n$4\r\nECHO\r\n:1\r\n",
    b"*1\r\n\r\n",
    b"PING\r\n*1\r\n*1\r\n$1\r\na\r\n",
    b"HELLO 3 WHAT\r\n",
    b"COMMAND DOCS ping echo\r\n",
]
# Sent after each case, so that its reply marks the end of the replies when the
# connection stays open.
SENTINEL = b"*2\r\n$4\r\nECHO\r\n$8\r\nSENTINEL\r\n"
SENTINEL_REPLY = b"$8\r\nSENTINEL\r\n"


@pytest.fixture(scope="module")
def redis_server_port():
    path = shutil.which("redis-server")
    if path is None:
        pytest.skip(
            "redis-server is not installed: apt-get install redis-server (Debian) provides it"
        )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [path, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def replies(port, sent):
    """Return all reply bytes to ``sent`` plus the sentinel, and whether the server closed.

    Requests cut short (the "too big" cases) get no sentinel, because it would complete
    them.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(sent if not sent.endswith(b"\n") else sent + SENTINEL)
        received = bytearray()
        while not received.endswith(SENTINEL_REPLY):
            try:
                chunk = sock.recv(1 << 16)
            except ConnectionResetError:
                return bytes(received), True
            if not chunk:
                return bytes(received), True
            received += chunk
        return bytes(received), False


@pytest.mark.parametrize("sent", CASES, ids=range(len(CASES)))
def test_same_replies_as_redis_server(resp_server, redis_server_port, sent):
    assert replies(resp_server.port, sent) == replies(redis_server_port, sent)
