"""The demo command serves the site and the RESP server together and stops them together."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import redis
from django.conf import settings

STARTUP_SECONDS = 60


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_closed(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def wait_for_http(url, process):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"rundemo exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read().decode()
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {STARTUP_SECONDS} seconds")


def ignore_sigint_in_child():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Demo:
    """``manage.py rundemo`` in a subprocess, on its embedded defaults."""

    def __init__(self, tmp_path, web_port, resp_port, ignore_sigint=False):
        self.web_port = web_port
        self.resp_port = resp_port
        env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
        command = [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "rundemo",
            "--web", f"127.0.0.1:{web_port}",
            "--resp", f"127.0.0.1:{resp_port}",
            "--articles", "45",
        ]
        # The process gets a session of its own, because Ctrl-C in a terminal signals the whole group.
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # A shell that starts a background job makes it ignore SIGINT.
            preexec_fn=ignore_sigint_in_child if ignore_sigint else None,
        )

    def wait_until_serving(self):
        status, page = wait_for_http(f"http://127.0.0.1:{self.web_port}/articles/", self.process)
        assert status == 200
        assert "Articles" in page

    def finish(self, timeout=30):
        """Wait for the exit; return the exit code and the output."""
        output = self.process.communicate(timeout=timeout)[0].decode(errors="replace")
        return self.process.returncode, output

    def kill(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process.stdout.close()


@pytest.fixture
def start_demo(tmp_path):
    demos = []

    def start(web_port=None, resp_port=None, ignore_sigint=False):
        demo = Demo(tmp_path, web_port or free_port(), resp_port or free_port(), ignore_sigint)
        demos.append(demo)
        return demo

    yield start
    for demo in demos:
        demo.kill()


def ping(port):
    with redis.Redis(host="127.0.0.1", port=port, protocol=2, socket_timeout=5) as client:
        return client.ping()


def resp_server_pid(port):
    with redis.Redis(host="127.0.0.1", port=port, protocol=2, socket_timeout=5) as client:
        return int(client.info("server")["process_id"])


@pytest.mark.parametrize("ignore_sigint", [False, True], ids=["terminal", "background-job"])
def test_ctrl_c_stops_site_and_resp(start_demo, ignore_sigint):
    demo = start_demo(ignore_sigint=ignore_sigint)
    demo.wait_until_serving()
    assert ping(demo.resp_port) is True

    os.killpg(demo.process.pid, signal.SIGINT)
    code, output = demo.finish()

    assert code == 0, output
    assert port_is_closed(demo.web_port)
    assert port_is_closed(demo.resp_port)
    assert "Traceback" not in output


def test_sigterm_stops_site_and_resp(start_demo):
    demo = start_demo()
    demo.wait_until_serving()

    demo.process.send_signal(signal.SIGTERM)
    code, output = demo.finish()

    assert code == 0, output
    assert port_is_closed(demo.web_port)
    assert port_is_closed(demo.resp_port)


def test_busy_web_port_starts_nothing(start_demo):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        demo = start_demo(web_port=busy.getsockname()[1])
        code, output = demo.finish()

    assert code == 1
    assert "the address is already in use" in output
    assert port_is_closed(demo.resp_port)


def test_busy_resp_port_stops_the_demo(start_demo):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        demo = start_demo(resp_port=busy.getsockname()[1])
        code, output = demo.finish(timeout=STARTUP_SECONDS)

    assert code == 1
    assert "the address is already in use" in output
    assert port_is_closed(demo.web_port)


# Columns: the signal sent to the RESP server alone, and rundemo's exit code and message.
RESP_SERVER_ENDINGS = [
    (signal.SIGTERM, 0, "The RESP server was stopped, so the demo stopped too."),
    (signal.SIGKILL, 1, "The RESP server stopped with exit code -9"),
]


@pytest.mark.parametrize(("signum", "code", "message"), RESP_SERVER_ENDINGS)
def test_resp_server_end_stops_the_site(start_demo, signum, code, message):
    demo = start_demo()
    demo.wait_until_serving()
    resp_pid = resp_server_pid(demo.resp_port)

    os.kill(resp_pid, signum)
    exit_code, output = demo.finish()

    assert exit_code == code, output
    assert message in output
    assert port_is_closed(demo.web_port)
