"""RESP server of one event loop: listening, limits, statistics and a clean stop.

``RespServer(config)`` serves a listening socket with ``await server.start(sock)`` and
stops with ``await server.stop()``. Stopping ends accepting, lets each client's queued
replies go out, and closes every connection. Connections that have not drained after
``config.shutdown_timeout`` seconds are aborted. The server reads no settings, so the
caller resolves a ``ServerConfig`` (``respserver.conf.get_config()``) and passes it in.
"""

import asyncio
import itertools
import logging
import os
import platform
import sys
import time

from respserver.commands import REDIS_VERSION
from respserver.conf import ServerConfig
from respserver.connection import RespConnection
from respserver.fastpaths import HiredisFrames

logger = logging.getLogger("respserver")

VERSION = "0.1.0"
# During a stop, a connection whose replies are sent is closed after SHUTDOWN_QUIET
# seconds without input from the client. SHUTDOWN_POLL is the check interval in seconds.
SHUTDOWN_QUIET = 0.3
SHUTDOWN_POLL = 0.1


class RateLimitedLog:
    """Logger of at most ``burst`` messages per ``interval`` seconds.

    The first message of the next interval is preceded by a count of the dropped ones.
    """

    def __init__(self, level, burst=10, interval=60.0, clock=time.monotonic):
        self.level = level
        self.burst = burst
        self.interval = interval
        self.clock = clock
        self.window = None
        self.count = 0
        self.suppressed = 0

    def __call__(self, message, *args):
        if not logger.isEnabledFor(self.level):
            return
        now = self.clock()
        if self.window is None or now - self.window >= self.interval:
            if self.suppressed:
                logger.log(
                    self.level,
                    "%d more such messages in the last %d s were not logged",
                    self.suppressed,
                    self.interval,
                )
            self.window = now
            self.count = self.suppressed = 0
        if self.count < self.burst:
            self.count += 1
            logger.log(self.level, message, *args)
        else:
            self.suppressed += 1


class RespServer:
    """Serve RESP clients on one event loop."""

    def __init__(self, config=None, *, loop_name="asyncio", max_clients=None):
        self.config = config or ServerConfig()
        self.loop_name = loop_name
        # The open-file limit may lower the configured maximum (see runner).
        self.max_clients = max_clients or self.config.max_clients
        self.connections = set()
        self.frames = HiredisFrames(self.config.bulk_max)
        self.address = None
        self.started = time.time()
        self._ids = itertools.count(1)
        self._server = None
        self._idle_timer = None
        # statistics
        self.connections_received = 0
        self.rejected_connections = 0
        self.protocol_errors = 0
        self.output_pauses = 0
        self.output_peak = 0
        self._finished_commands = 0
        self._log_rejected = RateLimitedLog(logging.WARNING)
        self._log_protocol_error = RateLimitedLog(logging.DEBUG)

    # lifecycle

    async def start(self, sock):
        """Listen on the bound socket ``sock``."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: RespConnection(self), sock=sock, backlog=self.config.backlog
        )
        self.address = sock.getsockname()
        if self.config.idle_timeout:
            self._schedule_idle_check()

    async def stop(self):
        """Stop accepting, send the queued replies and close every connection."""
        if self._server is None:
            return
        self._server.close()
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        # Connections accepted just before the close are set up by asyncio in a task
        # during the next two loop iterations. Wait for them so that they stop too.
        for _ in range(2):
            await asyncio.sleep(0)
        for conn in list(self.connections):
            conn.shutdown()

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.shutdown_timeout
        while self.connections and loop.time() < deadline:
            await asyncio.sleep(SHUTDOWN_POLL)
            now = time.monotonic()
            for conn in list(self.connections):
                conn.close_if_drained(now, SHUTDOWN_QUIET)

        if self.connections:
            logger.warning(
                "Closing %d clients whose replies did not drain in %s s",
                len(self.connections),
                self.config.shutdown_timeout,
            )
            self.abort_all()
        await self._server.wait_closed()
        self._server = None

    def abort_all(self):
        """Close every connection at once, dropping queued replies (second Ctrl-C)."""
        for conn in list(self.connections):
            conn.transport.abort()

    # connections

    def admit(self, conn):
        """Register ``conn`` and return True, or return False at the client limit."""
        self.connections_received += 1
        if len(self.connections) >= self.max_clients:
            self.rejected_connections += 1
            self._log_rejected(
                "Rejected a client: the maximum of %d clients is reached",
                self.max_clients,
            )
            return False
        self.connections.add(conn)
        return True

    def release(self, conn):
        if conn in self.connections:
            self.connections.remove(conn)
            self._finished_commands += conn.commands

    def next_client_id(self):
        return next(self._ids)

    def protocol_error(self, conn, failure):
        self.protocol_errors += 1
        self._log_protocol_error(
            "Protocol error from client %s: %s", conn.client_id, failure.reason
        )

    def output_paused(self, conn):
        self.output_pauses += 1
        size = conn.transport.get_write_buffer_size()
        if size > self.output_peak:
            self.output_peak = size

    # idle timeout

    def _schedule_idle_check(self):
        interval = min(1.0, self.config.idle_timeout / 2)
        self._idle_timer = asyncio.get_running_loop().call_later(
            interval, self._check_idle, interval
        )

    def _check_idle(self, interval):
        # A client is idle after idle_timeout seconds of checks that found no traffic.
        rounds = self.config.idle_timeout / interval
        for conn in list(self.connections):
            if conn.active:
                conn.active = False
                conn.idle_rounds = 0
            else:
                conn.idle_rounds += 1
                if conn.idle_rounds >= rounds:
                    logger.debug(
                        "Closing client %s after %s s idle",
                        conn.client_id,
                        self.config.idle_timeout,
                    )
                    conn.shutdown()
        self._schedule_idle_check()

    # introspection

    @property
    def total_commands(self):
        return self._finished_commands + sum(conn.commands for conn in self.connections)

    def config_values(self):
        """Return the parameters for CONFIG GET, named and formatted as in Redis."""
        host, port = (self.address or ("", 0))[:2]
        timeout = self.config.idle_timeout or 0
        return {
            "appendonly": "no",
            "save": "",
            "bind": host,
            "port": str(port),
            "maxclients": str(self.max_clients),
            "timeout": str(int(timeout)) if float(timeout).is_integer() else str(timeout),
            "proto-max-bulk-len": str(self.config.bulk_max),
            "client-query-buffer-limit": str(self.config.query_buffer_max),
            "tcp-backlog": str(self.config.backlog),
        }

    def info_sections(self, running=0):
        """Return the fields of INFO's server, clients and stats sections.

        ``running`` is the count of requests run in the current read but not yet
        counted.
        """
        now = time.time()
        uptime = int(now - self.started)
        return {
            "server": {
                "redis_version": REDIS_VERSION,
                "redis_mode": "standalone",
                "respserver_version": VERSION,
                "os": f"{platform.system()} {platform.release()} {platform.machine()}",
                "arch_bits": 64 if sys.maxsize > 2**32 else 32,
                "event_loop": self.loop_name,
                "python_version": platform.python_version(),
                "process_id": os.getpid(),
                "tcp_port": (self.address or ("", 0))[1],
                "server_time_usec": int(now * 1_000_000),
                "uptime_in_seconds": uptime,
                "uptime_in_days": uptime // 86400,
            },
            "clients": {
                "connected_clients": len(self.connections),
                "maxclients": self.max_clients,
                "client_recent_max_output_buffer": self.output_peak,
                "blocked_clients": 0,
                "paused_reading_clients": sum(1 for conn in self.connections if conn._read_paused),
            },
            "stats": {
                "total_connections_received": self.connections_received,
                "total_commands_processed": self.total_commands + running,
                "rejected_connections": self.rejected_connections,
                "total_protocol_errors": self.protocol_errors,
                "output_buffer_pauses": self.output_pauses,
            },
        }
