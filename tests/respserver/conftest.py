"""Fixtures of the RESP server tests: servers on both event loops, clients, logs.

``resp_server`` is a ``RespServer`` listening on a free loopback port, served from a
thread with its own event loop, once with uvloop and once with plain asyncio. Any
exception the loop reports fails the test. ``start_resp_server(config)`` starts more,
with other limits. ``run_manage`` starts ``manage.py runrespserver`` as a subprocess.
"""

import asyncio
import logging
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import uvloop

from respserver.conf import ServerConfig
from respserver.connection import RespConnection
from respserver.runner import bind_socket
from respserver.server import RespServer

PROJECT_DIR = Path(__file__).resolve().parents[2]
LOOPS = {"uvloop": uvloop.new_event_loop, "asyncio": asyncio.new_event_loop}
TOOLS_REASON = "{} is not installed: apt-get install redis-tools (Debian) provides it"


class ServerThread:
    """A ``RespServer`` on its own event loop in a daemon thread."""

    def __init__(self, loop_name, config):
        self.loop_name = loop_name
        self.loop = LOOPS[loop_name]()
        self.errors = []
        self.loop.set_exception_handler(lambda loop, context: self.errors.append(context))
        self.server = RespServer(config, loop_name=loop_name)
        sock = bind_socket("127.0.0.1", 0)
        self.host, self.port = sock.getsockname()[:2]
        started = threading.Event()

        def serve():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.server.start(sock))
            started.set()
            self.loop.run_forever()
            self.loop.run_until_complete(self.server.stop())
            # Cancel and finish the remaining tasks, such as connections being set up,
            # as asyncio.Runner does.
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.run_until_complete(asyncio.sleep(0.01))
            self.loop.close()

        self.thread = threading.Thread(target=serve, name=f"resp-{loop_name}", daemon=True)
        self.thread.start()
        if not started.wait(10):
            raise RuntimeError("the RESP server did not start in 10 s")

    def call(self, function, *args):
        """Run ``function(*args)`` on the server's loop and return its result."""
        done = threading.Event()
        result = []

        def run():
            try:
                result.append(function(*args))
            finally:
                done.set()

        self.loop.call_soon_threadsafe(run)
        if not done.wait(10):
            raise RuntimeError("the RESP server's loop did not run the call within 10 s")
        return result[0]

    def info(self):
        return self.call(self.server.info_sections)

    def connect(self, timeout=10):
        return socket.create_connection((self.host, self.port), timeout=timeout)

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


@pytest.fixture(params=list(LOOPS))
def loop_name(request):
    return request.param


@pytest.fixture
def start_resp_server(loop_name):
    servers = []

    def start(config=None):
        thread = ServerThread(loop_name, config or ServerConfig())
        servers.append(thread)
        return thread

    yield start
    for thread in servers:
        thread.stop()
    for thread in servers:
        assert not thread.errors, f"the event loop reported: {thread.errors}"


@pytest.fixture
def resp_server(start_resp_server):
    return start_resp_server()


@pytest.fixture
def resp_log():
    """Collect the records of the "respserver" logger at every level during the test."""
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    logger = logging.getLogger("respserver")
    handler = Collect(logging.DEBUG)
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(previous)


def _tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip(TOOLS_REASON.format(name))
    return path


@pytest.fixture
def redis_benchmark():
    return _tool("redis-benchmark")


@pytest.fixture
def redis_cli():
    return _tool("redis-cli")


@pytest.fixture
def open_files():
    """Raise this process's open-file limit to its hard limit for the test."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    yield hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class FakeTransport(asyncio.Transport):
    """Collects what a connection writes, for tests without sockets."""

    def __init__(self):
        super().__init__()
        self.writes = []
        self.closed = None  # "close" or "abort" once closed
        self.reading = True

    def write(self, data):
        assert self.closed is None, "write after close"
        self.writes.append(bytes(data))

    def close(self):
        self.closed = self.closed or "close"

    def abort(self):
        self.closed = self.closed or "abort"

    def is_closing(self):
        return self.closed is not None

    def pause_reading(self):
        self.reading = False

    def resume_reading(self):
        self.reading = True

    def set_write_buffer_limits(self, high=None, low=None):
        pass

    def get_write_buffer_size(self):
        return 0

    def get_extra_info(self, name, default=None):
        return default

    @property
    def output(self):
        return b"".join(self.writes)


def fake_connection(server=None):
    """Return ``(connection, transport)`` for a new client of ``server``."""
    connection = RespConnection(server or RespServer(ServerConfig()))
    transport = FakeTransport()
    connection.connection_made(transport)
    return connection, transport


def exchange(sock, data, *, until=None, timeout=10):
    """Send ``data`` in one write and read until ``until`` bytes arrive or a close.

    Return ``(received, closed)``.
    """
    sock.sendall(data)
    return receive(sock, until=until, timeout=timeout)


def receive(sock, *, until=None, timeout=10):
    received = bytearray()
    deadline = time.monotonic() + timeout
    closed = False
    while until is None or len(received) < until:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(1 << 16)
        except TimeoutError:
            if until is None:
                break
            raise
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        received += chunk
    return bytes(received), closed


def wait_closed(sock, timeout=10):
    """Return whether the server closes ``sock`` within ``timeout`` seconds.

    Data received meanwhile is discarded.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not sock.recv(1 << 16):
                return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
    return False


class ManagedServer:
    """Process of ``manage.py runrespserver`` on a free port."""

    START_LINE = re.compile(r"listening on (?:\[(?P<v6>[^\]]+)\]|(?P<v4>[^:\s]+)):(?P<port>\d+)")

    def __init__(self, *args, env=None):
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runrespserver", *args],
            cwd=PROJECT_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings", **(env or {})},
            # A new session has its own process group, so a kill reaches the workers.
            start_new_session=True,
        )
        self.lines = []
        self.port = None
        deadline = time.monotonic() + 30
        while self.port is None and time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            match = self.START_LINE.search(line)
            if match:
                self.port = int(match["port"])
        self._reader = threading.Thread(target=self._read_rest, daemon=True)
        self._reader.start()

    def _read_rest(self):
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self):
        return "".join(self.lines)

    def wait(self, timeout=30):
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def kill(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)
        self._reader.join(10)


@pytest.fixture
def run_manage():
    started = []

    def start(*args, **kwargs):
        server = ManagedServer(*args, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()
        server.process.stdout.close()
