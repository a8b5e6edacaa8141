"""Serve the RESP protocol until Ctrl-C or SIGTERM."""

import ipaddress
import re
import signal
import sys

from django.core.management.base import BaseCommand, CommandError

from respserver.conf import get_config
from respserver.runner import AddressError, run

# As runserver's: an IPv4 address, a bracketed IPv6 address or a host name, then a port.
ADDRPORT_RE = re.compile(
    r"""^(?:
    (?P<addr>
        (?P<ipv4>\d{1,3}(?:\.\d{1,3}){3}) |
        (?P<ipv6>\[[a-fA-F0-9:.]+\]) |
        (?P<fqdn>[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*)
    ):)?(?P<port>\d+)$""",
    re.X,
)


def parse_addrport(value, default_addr="127.0.0.1"):
    """Return ``(host, port)`` from ``8888``, ``0.0.0.0:8888`` or ``[::1]:8888``."""
    match = ADDRPORT_RE.match(value)
    if match is None:
        raise CommandError(
            f'"{value}" is not a valid port number or address:port pair. Use for example 8888, 0.0.0.0:8888 or [::1]:8888.'
        )
    port = int(match["port"])
    if port > 65535:
        raise CommandError(
            f'"{match["port"]}" is not a valid port number: use a port from 1 to 65535.'
        )
    host = match["addr"] or default_addr
    if match["ipv4"]:
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise CommandError(f'"{host}" is not a valid IPv4 address.') from None
    elif match["ipv6"]:
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise CommandError(f'"{host}" is not a valid IPv6 address.') from None
    return host, port


class Command(BaseCommand):
    help = (
        "Serve the Redis protocol (RESP) on an asyncio event loop: PING, ECHO, HELLO, "
        "COMMAND, CONFIG GET, CLIENT and INFO. Ctrl-C or SIGTERM stops it after the "
        "queued replies are sent."
    )

    default_addr = "127.0.0.1"
    default_port = 8888

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport",
            nargs="?",
            help=f"Port number or address:port (default: {self.default_addr}:{self.default_port}). "
            "Port 0 picks a free port, which the start line shows.",
        )
        parser.add_argument(
            "--workers",
            default="1",
            help="Number of processes that share the port through SO_REUSEPORT (default: 1).",
        )
        parser.add_argument(
            "--no-uvloop",
            action="store_false",
            dest="use_uvloop",
            help="Use the standard asyncio event loop instead of uvloop.",
        )

    def handle(self, *args, **options):
        if options["addrport"]:
            host, port = parse_addrport(options["addrport"], self.default_addr)
        else:
            host, port = self.default_addr, self.default_port

        workers = options["workers"]
        if not str(workers).isdigit() or int(workers) < 1:
            raise CommandError(
                f'"{workers}" is not a valid number of workers: use a whole number of at least 1.'
            )
        if options["use_uvloop"] and sys.platform == "win32":
            raise CommandError("uvloop does not run on Windows: pass --no-uvloop.")

        try:
            status = run(
                host,
                port,
                workers=int(workers),
                use_uvloop=options["use_uvloop"],
                config=get_config(),
            )
        except AddressError as exc:
            raise CommandError(str(exc)) from None

        # The stop is complete, so a late second Ctrl-C or SIGTERM must not turn it into a
        # kill. A parent process may send SIGTERM after the terminal's Ctrl-C arrived.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        if status:
            raise CommandError("A worker failed. See the log above.", returncode=status)
