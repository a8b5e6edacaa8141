"""One client connection: an asyncio protocol that parses, runs and replies.

The connection replies to each read with at most one write, which contains the replies
of all the requests the read completed, in order. A protocol error adds its error line
to that write and closes the connection, so the requests after it are not run. QUIT does
the same after ``+OK``.

Flow control: the transport's high-water mark is the server's output limit. Above it,
the transport calls ``pause_writing`` and the connection stops reading until
``resume_writing``. When the replies of one read pass the limit, the connection sends
the replies of the requests it has run and keeps the rest of the requests until the
replies have drained. So one read never queues more than the limit plus one batch of
replies.
"""

import asyncio
import logging
import time

from respserver import table
from respserver.commands import CloseAfterReply, echo, ping
from respserver.constants import CRLF, STAR
from respserver.encoder import BULK_HEADERS, PONG, error
from respserver.protocol import RequestParser

logger = logging.getLogger("respserver")

PING_INLINE = b"PING\r\n"
PING_MULTIBULK = b"*1\r\n$4\r\nPING\r\n"
MAX_CLIENTS_REPLY = b"-ERR max number of clients reached\r\n"

# Requests run between two checks of the size of a read's replies.
BATCH = 64

# Replies and request counts of reads made only of PINGs as clients send them, up to 64
# in a pipeline. The read itself is the key, so these reads need no parsing. Other runs
# of PINGs are counted by ``_pings``.
_PING_READS = {}
for _count in range(1, 65):
    _PING_READS[PING_INLINE * _count] = (PONG * _count, _count)
    _PING_READS[PING_MULTIBULK * _count] = (PONG * _count, _count)
del _count


class RespConnection(asyncio.Protocol):
    """Serve one client of a ``RespServer``."""

    __slots__ = (
        "server",
        "transport",
        "parser",
        "client_id",
        "proto",
        "name",
        "lib_name",
        "lib_ver",
        "commands",
        "active",
        "idle_rounds",
        "_write",
        "_clean",
        "_closing",
        "_write_paused",
        "_read_paused",
        "_backlog",
        "_backlog_error",
        "batch",
        "_quiet_since",
        "_frames",
    )

    def __init__(self, server):
        self.server = server
        self.transport = None
        self.parser = None
        self.client_id = 0
        self.proto = 2
        self.name = None
        self.lib_name = None
        self.lib_ver = None
        # Count of requests run, and whether anything arrived since the last idle check.
        self.commands = 0
        self.active = True
        self.idle_rounds = 0
        self._write = None
        # True while no request is partly read and none is held back, so reads that are
        # whole PINGs may take the shortcut.
        self._clean = False
        self._closing = False
        self._write_paused = False
        self._read_paused = False
        self._backlog = None
        self._backlog_error = None
        # The requests of the read being run, for INFO's count of commands run before it.
        self.batch = ()
        self._quiet_since = 0.0
        self._frames = None

    # transport events

    def connection_made(self, transport):
        self.transport = transport
        server = self.server
        if not server.admit(self):
            self._closing = True
            transport.write(MAX_CLIENTS_REPLY)
            transport.close()
            return
        config = server.config
        self.client_id = server.next_client_id()
        self.parser = RequestParser(config.inline_max, config.bulk_max, config.query_buffer_max)
        self._frames = server.frames.parse
        transport.set_write_buffer_limits(high=config.output_buffer_max)
        self._write = transport.write
        self._clean = True

    def data_received(self, data, ping_reads=_PING_READS):
        self.active = True
        if self._clean:
            fast = ping_reads.get(data)
            if fast is not None:
                self._write(fast[0])
                self.commands += fast[1]
                return
        self._received(data)

    def connection_lost(self, exc):
        self._closing = True
        self._clean = False
        self._backlog = None
        self.server.release(self)
        if exc is not None:
            logger.debug("Client %s disconnected: %s", self.client_id, exc)

    def pause_writing(self):
        self._write_paused = True
        self.server.output_paused(self)
        self._pause_reading()

    def resume_writing(self):
        self._write_paused = False
        self.active = True
        if self._backlog is not None:
            self._run_backlog()
        elif not self._closing:
            self._resume_reading()

    # requests

    def _received(self, data):
        if self._closing:
            # The connection is stopping: input is read and dropped (see shutdown).
            self._quiet_since = time.monotonic()
            return
        try:
            if self._clean:
                if data[0] == STAR:
                    if data.startswith(PING_MULTIBULK) and self._pings(data, PING_MULTIBULK):
                        return
                    # hiredis frames whole reads of canonical multibulk requests.
                    requests = self._frames(data)
                    if requests is not None:
                        self._run(requests, None)
                        return
                elif data.startswith(PING_INLINE) and self._pings(data, PING_INLINE):
                    return
            parser = self.parser
            requests, failure = parser.feed(data)
            self._clean = parser.idle
            self._run(requests, failure)
        except Exception:
            logger.exception("Closing client %s after an unexpected error", self.client_id)
            self._close(abort=True)

    def _pings(self, data, ping):
        """Reply to ``data`` if it contains only repeats of ``ping``, as in a pipeline.

        Return whether it did.
        """
        count = data.count(ping)
        if count * len(ping) != len(data):
            return False
        self._write(PONG * count)
        self.commands += count
        return True

    def _run(self, requests, failure):
        """Run ``requests`` and reply to ``failure``, all in one write."""
        self.batch = requests
        try:
            self._run_batch(requests, failure)
        finally:
            # Release the read's arguments so that an idle client does not keep them.
            self.batch = ()

    def _run_batch(self, requests, failure):
        replies = []
        count = len(requests)
        try:
            if count <= BATCH:
                _execute(self, requests, replies)
            else:
                # Long reads run in batches, so that their replies stop at about the
                # output limit. They overshoot it by one batch of replies at most.
                limit = self.server.config.output_buffer_max
                for start in range(0, count, BATCH):
                    _execute(self, requests[start : start + BATCH], replies)
                    if start + BATCH < count and sum(map(len, replies)) > limit:
                        self.commands += start + BATCH
                        self._hold(requests[start + BATCH :], failure)
                        self._write(b"".join(replies))
                        return

        except CloseAfterReply as stop:
            replies.append(stop.reply)
            self.commands += (
                next(index for index, argv in enumerate(requests) if argv is stop.argv) + 1
            )
            self._write(b"".join(replies))
            self._close()
            return

        self.commands += count
        if failure is not None:
            self.server.protocol_error(self, failure)
            if failure.reply is not None:
                replies.append(error(failure.reply))
            if replies:
                self._write(b"".join(replies))
            self._close(abort=failure.reply is None)
        elif replies:
            self._write(b"".join(replies))

    def _hold(self, requests, failure):
        self._backlog = requests
        self._backlog_error = failure
        self._clean = False
        self._pause_reading()
        if not self._write_paused:
            # The transport accepted the replies without pausing, so continue at the
            # next loop iteration.
            asyncio.get_running_loop().call_soon(self._run_backlog)

    def _run_backlog(self):
        requests, failure = self._backlog, self._backlog_error
        if requests is None or self._closing or self._write_paused:
            return
        self._backlog = self._backlog_error = None
        self._run(requests, failure)
        if self._backlog is None and not self._closing:
            self._clean = self.parser.idle
            if not self._write_paused:
                self._resume_reading()

    # helpers

    def _pause_reading(self):
        if not self._read_paused and not self._closing:
            self._read_paused = True
            self.transport.pause_reading()

    def _resume_reading(self):
        if self._read_paused and not self._closing:
            self._read_paused = False
            self.transport.resume_reading()

    def _close(self, abort=False):
        """Close after the queued replies are sent, or at once with ``abort``."""
        self._closing = True
        self._clean = False
        if abort:
            self.transport.abort()
        else:
            self.transport.close()

    def shutdown(self):
        """Stop running requests, send the queued replies, then end the connection.

        The server's side ends at once, because write_eof sends FIN after the queued
        replies. The connection stays open, reading and dropping input, until the
        client closes or ``close_if_drained`` finds it quiet. Closing a socket with
        unread input makes the kernel reset it, which loses the replies still in flight.
        """
        if self._closing:
            return
        self._closing = True
        self._clean = False
        self._backlog = None
        self._quiet_since = time.monotonic()
        transport = self.transport
        if transport.can_write_eof():
            transport.write_eof()
            self._read_paused = False
            transport.resume_reading()
        else:
            transport.close()

    def close_if_drained(self, now, quiet):
        """Close the connection after ``shutdown`` once every reply is sent.

        The connection must also have received no input for ``quiet`` seconds.
        """
        transport = self.transport
        if (
            not transport.is_closing()
            and not transport.get_write_buffer_size()
            and now - self._quiet_since >= quiet
        ):
            transport.close()


def _execute(
    conn,
    requests,
    replies,
    handlers=table.HANDLERS,
    resolve=table.resolve,
    ping=ping,
    echo=echo,
    headers=BULK_HEADERS,
    crlf=CRLF,
    pong=PONG,
):
    """Add the reply of each request to ``replies``, as bytes to join."""
    append = replies.append
    extend = replies.extend
    get = handlers.get
    for argv in requests:
        handler = get(argv[0])
        # Reply to the common pipeline shapes of ECHO and PING inline, with the same
        # bytes as their handlers but without the call.
        if handler is echo:
            if len(argv) == 2:
                arg = argv[1]
                if len(arg) < 1024:
                    extend((headers[len(arg)], arg, crlf))
                    continue
        elif handler is ping:
            if len(argv) == 1:
                append(pong)
                continue
        elif handler is None:
            handler = resolve(argv[0])
        append(handler(conn, argv))
