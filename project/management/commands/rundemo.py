"""Serve the demo site and the RESP server together until Ctrl-C."""

import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Migrate the database, fill it with demo articles if it is empty, then serve the "
        "demo site and the RESP server together. One Ctrl-C stops both."
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
            help="Number of demo articles to write into an empty database (default: seedarticles' own).",
        )

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        seed_options = {} if options["articles"] is None else {"count": options["articles"]}
        call_command("seedarticles", **seed_options)

        # The RESP server runs as a child process with its own event loop. Ctrl-C in a
        # terminal reaches the whole process group, so both stop on one keypress.
        manage_py = str(settings.BASE_DIR / "manage.py")
        resp = subprocess.Popen([sys.executable, manage_py, "runrespserver", options["resp"]])
        try:
            call_command("runserver", options["web"], use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            if resp.poll() is None:
                resp.terminate()
            resp.wait(timeout=10)
