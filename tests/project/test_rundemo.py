"""The demo command serves the site and the RESP server together, and one SIGINT stops both."""

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


def port_is_closed(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def demo(tmp_path):
    web_port, resp_port = free_port(), free_port()
    # The demo runs on its embedded defaults: an SQLite file and the local-memory cache.
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
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process, web_port, resp_port
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()


def test_rundemo_serves_site_and_resp(demo):
    process, web_port, resp_port = demo

    status, page = wait_for_http(f"http://127.0.0.1:{web_port}/articles/", process)
    assert status == 200
    assert "Articles" in page

    client = redis.Redis(host="127.0.0.1", port=resp_port, protocol=2, socket_timeout=5)
    try:
        assert client.ping() is True
    finally:
        client.close()

    os.killpg(process.pid, signal.SIGINT)
    output = process.communicate(timeout=30)[0].decode(errors="replace")
    assert process.returncode == 0, output
    assert port_is_closed(web_port)
    assert port_is_closed(resp_port)
    assert "Traceback" not in output
