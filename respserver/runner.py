"""Run RESP servers as processes: sockets, the open-file limit, signals and workers.

``run(host, port, workers=..., use_uvloop=..., config=...)`` serves until SIGINT or
SIGTERM, then stops accepting, lets queued replies go out and returns the exit status.
With ``workers`` above 1 it forks that many processes. Each binds its own socket with
SO_REUSEPORT, so the kernel spreads connections over them, and each builds its event
loop after the fork.
"""

import asyncio
import errno
import logging
import os
import resource
import select
import signal
import socket
import time

from respserver.server import RespServer

logger = logging.getLogger("respserver")

# File descriptors kept for everything but clients, as Redis's CONFIG_MIN_RESERVED_FDS.
RESERVED_FDS = 32
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class AddressError(Exception):
    """Error for an address the server cannot listen on.

    The message names the address and how to fix the problem.
    """


def format_address(host, port):
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def bind_socket(host, port, *, reuse_port=False):
    """Return a non-blocking TCP socket bound to ``host:port``, not yet listening."""
    address = format_address(host, port)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise AddressError(
            f"Cannot listen on {address}: the host name does not resolve ({exc.strerror})."
        ) from None
    family, kind, proto, _, sockaddr = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(sockaddr)
    except OSError as exc:
        sock.close()
        raise AddressError(describe_bind_error(address, exc)) from None
    sock.setblocking(False)
    return sock


def describe_bind_error(address, exc):
    if exc.errno == errno.EADDRINUSE:
        return f"Cannot listen on {address}: the address is already in use. Stop the program that uses it, or choose another port."
    if exc.errno == errno.EACCES:
        return f"Cannot listen on {address}: permission denied. Ports below 1024 need privileges, so choose a port of 1024 or above."
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"Cannot listen on {address}: the address is not one of this machine's. Choose a local address, such as 127.0.0.1."
    return f"Cannot listen on {address}: {exc.strerror or exc}."


def raise_open_file_limit(max_clients):
    """Raise RLIMIT_NOFILE to fit ``max_clients`` and return how many clients fit."""
    needed = max_clients + RESERVED_FDS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return max_clients
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    except (ValueError, OSError) as exc:
        logger.debug("Could not raise the open-file limit to %d: %s", target, exc)

    if soft >= needed:
        logger.debug("Raised the open-file limit to %d for %d clients", soft, max_clients)
        return max_clients
    fitting = max(1, soft - RESERVED_FDS)
    logger.warning(
        "The open-file limit could be raised only to %d of the %d that %d clients need: "
        "serving at most %d clients. Raise the hard limit (ulimit -Hn) to serve more.",
        soft,
        needed,
        max_clients,
        fitting,
    )
    return fitting


def loop_factory(use_uvloop):
    """Return the event loop factory and its name: uvloop unless ``use_uvloop`` is false."""
    if use_uvloop:
        import uvloop

        return uvloop.new_event_loop, "uvloop"
    return asyncio.new_event_loop, "asyncio"


def run(host, port, *, workers=1, use_uvloop=True, config):
    """Serve until SIGINT or SIGTERM and return the exit status (0 after a clean stop)."""
    factory, loop_name = loop_factory(use_uvloop)
    max_clients = raise_open_file_limit(config.max_clients)
    if workers == 1:
        sock = bind_socket(host, port)
        serve(
            sock, config, factory=factory, loop_name=loop_name, max_clients=max_clients, workers=1
        )
        return 0
    # Bind once in the parent, so that the address is checked before any fork and port 0
    # becomes one port that every worker shares.
    probe = bind_socket(host, port, reuse_port=True)
    port = probe.getsockname()[1]
    return _supervise(probe, host, port, workers, config, factory, loop_name, max_clients)


def serve(sock, config, *, factory, loop_name, max_clients, workers, worker=None):
    """Serve ``sock`` on a new event loop in this process until a stop signal.

    For a forked worker, ``worker`` is ``(ready_fd, parent_pid)``. The worker writes one
    byte to ``ready_fd`` once it accepts clients, and stops if its parent exits.
    """
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(_serve(sock, config, loop_name, max_clients, workers, worker))


async def _serve(sock, config, loop_name, max_clients, workers, worker):
    loop = asyncio.get_running_loop()
    server = RespServer(config, loop_name=loop_name, max_clients=max_clients)
    await server.start(sock)
    address = format_address(*server.address[:2])
    stop = asyncio.Event()

    def on_signal(signum):
        if not stop.is_set():
            # With workers the parent logs the stop once, so each worker logs at DEBUG.
            logger.log(
                logging.DEBUG if worker else logging.INFO,
                "Stopping on %s: no new clients, queued replies go out",
                signal.Signals(signum).name,
            )
            stop.set()
        elif not worker:
            logger.info("Second %s: closing every client now", signal.Signals(signum).name)
            server.abort_all()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)

    # Workers start with the stop signals blocked, so that none is lost before this point.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    if worker:
        ready_fd, parent = worker
        os.write(ready_fd, b".")
        os.close(ready_fd)
        logger.debug("Worker %d serving %s", os.getpid(), address)
        _watch_parent(loop, parent, stop)
    else:
        logger.info(
            "RESP server listening on %s (%s, %d worker, up to %d clients, pid %d)",
            address,
            loop_name,
            workers,
            max_clients,
            os.getpid(),
        )

    try:
        await stop.wait()
        await server.stop()
    finally:
        if worker:
            # A worker gets the terminal's SIGINT and the parent's SIGTERM, in either
            # order. Once the loop's handlers are gone a late one would kill it with a
            # non-zero status, so block both until it exits.
            signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)

    level = logging.DEBUG if worker else logging.INFO
    logger.log(
        level,
        "RESP server on %s stopped after %d connections and %d commands (pid %d)",
        address,
        server.connections_received,
        server.total_commands,
        os.getpid(),
    )


def _watch_parent(loop, parent, stop):
    """Stop this worker if its parent exits, which makes another process adopt it."""

    def check():
        if os.getppid() != parent:
            logger.warning("Worker %d stops: its parent %d is gone", os.getpid(), parent)
            stop.set()
        else:
            loop.call_later(1.0, check)

    loop.call_later(1.0, check)


def _wait_ready(ready, children, count, timeout=30.0):
    """Wait until ``count`` workers accept clients and return True.

    Return False if a worker exits first or ``timeout`` seconds pass.
    """
    got = 0
    deadline = time.monotonic() + timeout
    while got < count and time.monotonic() < deadline:
        if select.select([ready], [], [], 0.1)[0]:
            data = os.read(ready, count)
            if not data:
                return False
            got += len(data)
        for pid in list(children):
            if os.waitpid(pid, os.WNOHANG)[0]:
                children.pop(pid)
                return False
    return got == count


def _supervise(probe, host, port, workers, config, factory, loop_name, max_clients):
    address = format_address(host, port)
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    children = {}
    stopping = False

    def stop_children(signum=None, frame=None):
        nonlocal stopping
        if signum is not None and not stopping:
            logger.info(
                "Stopping on %s: no new clients, queued replies go out",
                signal.Signals(signum).name,
            )
        stopping = True
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    previous_handlers = {}
    ready_read, ready_write = os.pipe()
    parent = os.getpid()
    try:
        for _ in range(workers):
            pid = os.fork()
            if pid == 0:
                os.close(ready_read)
                _worker(
                    probe,
                    host,
                    port,
                    config,
                    factory,
                    loop_name,
                    max_clients,
                    workers,
                    (ready_write, parent),
                )
            children[pid] = True
        probe.close()
        os.close(ready_write)
        previous_handlers = {
            signum: signal.signal(signum, stop_children) for signum in STOP_SIGNALS
        }
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)

    status = 0
    # The start line comes once every worker accepts clients, as with one process.
    if _wait_ready(ready_read, children, workers):
        logger.info(
            "RESP server listening on %s (%s, %d workers, up to %d clients each, pids %s)",
            address,
            loop_name,
            workers,
            max_clients,
            ", ".join(map(str, children)),
        )
    elif not stopping:
        logger.error("A worker did not start: stopping the others")
        status = 1
        stop_children()
    os.close(ready_read)

    try:
        while children:
            try:
                pid, wait_status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            children.pop(pid, None)
            code = os.waitstatus_to_exitcode(wait_status)
            if not stopping:
                logger.error(
                    "Worker %d exited with status %d: stopping the other workers", pid, code
                )
                status = 1
                stop_children()
            elif code != 0:
                status = 1
    finally:
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)

    logger.info("RESP server on %s stopped", address)
    return status


def _worker(probe, host, port, config, factory, loop_name, max_clients, workers, worker):
    """Run one worker in a forked child and exit the child without returning."""
    code = 1
    try:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        sock = bind_socket(host, port, reuse_port=True)
        probe.close()
        serve(
            sock,
            config,
            factory=factory,
            loop_name=loop_name,
            max_clients=max_clients,
            workers=workers,
            worker=worker,
        )
        code = 0
    except AddressError as exc:
        logger.error("Worker %d: %s", os.getpid(), exc)
    except BaseException:
        logger.exception("Worker %d failed", os.getpid())
    finally:
        logging.shutdown()
        os._exit(code)
