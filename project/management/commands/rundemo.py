"""Serve the demo site and the RESP server together until Ctrl-C."""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from respserver.management.commands.runrespserver import parse_addrport
from respserver.runner import AddressError, bind_socket, format_address

# Seconds the RESP server gets to accept connections before the demo gives up.
RESP_START_TIMEOUT = 30
# Seconds the demo waits, after the RESP server exits, for its own Ctrl-C to arrive.
CHILD_EXIT_GRACE = 2
# Linux prctl() option that signals a child when its parent dies.
PR_SET_PDEATHSIG = 1


def stop_with_parent():
    """Ask Linux to send SIGTERM to this process when its parent dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Migrate the database, fill it with demo articles if it is empty, then serve the "
        "demo site and the RESP server together. One Ctrl-C (or SIGTERM) stops both."
    )

    default_web_addrport = "127.0.0.1:8000"
    default_resp_addrport = "127.0.0.1:8888"

    def add_arguments(self, parser):
        parser.add_argument(
            "--web",
            default=self.default_web_addrport,
            help=f"Address and port of the demo site (default: {self.default_web_addrport}).",
        )
        parser.add_argument(
            "--resp",
            default=self.default_resp_addrport,
            help=f"Address and port of the RESP server (default: {self.default_resp_addrport}).",
        )
        parser.add_argument(
            "--articles",
            type=int,
            default=None,
            help="Number of demo articles to write into an empty database (default: 100000).",
        )

    def handle(self, *args, **options):
        web_host, web_port = parse_addrport(options["web"])
        # runserver ends the process at once when it cannot bind, which would leave the
        # RESP server running alone, so check both addresses before starting either.
        for host, port in [(web_host, web_port), parse_addrport(options["resp"])]:
            try:
                bind_socket(host, port).close()
            except AddressError as exc:
                raise CommandError(str(exc)) from None

        call_command("migrate", interactive=False, verbosity=0)
        seed_options = {} if options["articles"] is None else {"count": options["articles"]}
        call_command("seedarticles", **seed_options)

        # The RESP server runs as a child process with its own event loop. Ctrl-C in a
        # terminal reaches the whole process group, so both stop on one keypress, and
        # the child also stops if this process dies without cleaning up.
        manage_py = str(settings.BASE_DIR / "manage.py")
        resp = subprocess.Popen(
            [sys.executable, manage_py, "runrespserver", options["resp"]],
            preexec_fn=stop_with_parent,
        )
        # Both signals stop the site through KeyboardInterrupt, as Ctrl-C does. SIGINT
        # needs its handler too, because a shell that starts a background job ignores
        # SIGINT in it, and Python then installs none.
        previous_handlers = {
            signum: signal.signal(signum, raise_keyboard_interrupt)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        stopping = threading.Event()
        resp_died = threading.Event()
        try:
            self.wait_until_accepting(resp, options["resp"])
            watcher = threading.Thread(
                target=self.watch_child, args=(resp, stopping, resp_died), daemon=True
            )
            watcher.start()
            try:
                call_command("runserver", format_address(web_host, web_port), use_reloader=False)
            # runserver turns Ctrl-C into sys.exit(0).
            except (KeyboardInterrupt, SystemExit):
                pass
        finally:
            stopping.set()
            for signum, handler in previous_handlers.items():
                signal.signal(signum, handler)
            if resp.poll() is None:
                resp.terminate()
            resp.wait(timeout=15)
        if resp_died.is_set() and resp.returncode != 0:
            raise CommandError(
                f"The RESP server stopped with exit code {resp.returncode}, so the demo "
                "stopped too. Its output above says why."
            )
        if resp_died.is_set():
            self.stdout.write("The RESP server was stopped, so the demo stopped too.")

    def wait_until_accepting(self, resp, addrport):
        """Return once the RESP server accepts connections; raise if it exits first."""
        host, port = parse_addrport(addrport)
        deadline = time.monotonic() + RESP_START_TIMEOUT
        while time.monotonic() < deadline:
            if resp.poll() is not None:
                raise CommandError(
                    f"The RESP server did not start on {format_address(host, port)} "
                    f"(exit code {resp.returncode}). Its output above says why."
                )
            try:
                socket.create_connection((host, port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise CommandError(
            f"The RESP server did not accept connections on {format_address(host, port)} "
            f"within {RESP_START_TIMEOUT} seconds."
        )

    def watch_child(self, resp, stopping, resp_died):
        """Stop the demo site when the RESP server exits on its own."""
        resp.wait()
        # On Ctrl-C both processes get SIGINT at once: give this one time to stop too.
        if stopping.wait(CHILD_EXIT_GRACE):
            return
        resp_died.set()
        os.kill(os.getpid(), signal.SIGINT)
