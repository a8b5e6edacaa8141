"""RESP server benchmark: redis-benchmark against redis-server and runrespserver, in turns.

    python -m bench.resp [--rounds 5] [--no-docs | --report-only]

Each round starts redis-server, then ``manage.py runrespserver``, then
``manage.py runrespserver --workers 2``, one after the other on the same loopback port,
and runs the same redis-benchmark commands against each:

- ``-t ping_inline`` and ``-t ping_mbulk`` (together, ``-t ping``) with ``-n 100000 -c 50``
  and ``-P 1``, then ``-P 16``.
- ``-P 16 -n 1000000 echo 0123456789``, which takes the general request path.

For each run it reads requests per second and latency percentiles from redis-benchmark's
report, and the CPU time of the server's processes (user plus system, workers
included) from /proc before and after the run. Then it opens 10,000 idle connections to
each server and reads its resident memory. The medians over the rounds go to
bench/results/resp.json, to the respserver section of docs/benchmarks.md and to
docs/resp-benchmark.png. The whole run takes a few minutes.
"""

import argparse
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.resp_report import write_docs

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "resp.json"

# Columns: test name, redis-benchmark arguments after -p PORT, requests sent, and runs per
# round. The -P 16 pings last about 0.1 s, so they run more often for steadier medians.
TESTS = [
    ("PING_INLINE -P 1", ["-t", "ping_inline", "-n", "100000", "-c", "50", "-P", "1"], 100_000, 1),
    ("PING_MBULK -P 1", ["-t", "ping_mbulk", "-n", "100000", "-c", "50", "-P", "1"], 100_000, 1),
    (
        "PING_INLINE -P 16",
        ["-t", "ping_inline", "-n", "100000", "-c", "50", "-P", "16"],
        100_000,
        4,
    ),
    ("PING_MBULK -P 16", ["-t", "ping_mbulk", "-n", "100000", "-c", "50", "-P", "16"], 100_000, 4),
    ("ECHO -P 16", ["-P", "16", "-n", "1000000", "echo", "0123456789"], 1_000_000, 1),
]
IDLE_CONNECTIONS = 10_000


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def contenders(port):
    """Return the name and command of each server, all on ``port``."""
    manage = [sys.executable, str(ROOT / "manage.py"), "runrespserver", f"127.0.0.1:{port}"]
    return [
        (
            "redis-server",
            [
                shutil.which("redis-server"),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        ),
        ("respserver", manage),
        ("respserver --workers 2", [*manage, "--workers", "2"]),
    ]


class Server:
    """Server process, with its workers, listening on ``port``."""

    def __init__(self, command, port):
        self.port = port
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings"},
        )
        deadline = time.monotonic() + 30
        while not self._replies_to_ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not start on port {port}")
            time.sleep(0.05)

    def _replies_to_ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16) == b"+PONG\r\n"
        except OSError:
            return False

    def pids(self):
        """Return the PIDs of the server's process and of its children (the workers)."""
        pids = [self.process.pid]
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            children = (task / "children").read_text().split()
            pids += [int(pid) for pid in children]
        return pids

    def cpu_seconds(self):
        """Return the user plus system CPU seconds of every thread of the server."""
        total = 0
        for pid in self.pids():
            for task in Path(f"/proc/{pid}/task").iterdir():
                try:
                    # schedstat's first field is the time spent on a CPU in ns, user and
                    # system together.
                    total += int((task / "schedstat").read_text().split()[0])
                except (OSError, IndexError, ValueError):
                    pass
        return total / 1e9

    def rss_bytes(self):
        total = 0
        for pid in self.pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        return total

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def percentile_points(output):
    """Return (percentile, milliseconds) pairs from redis-benchmark's two latency tables."""
    points = []
    for match in re.finditer(r"^\s*([\d.]+)% <= ([\d.]+) milliseconds", output, re.M):
        points.append((float(match[1]), float(match[2])))
    return sorted(set(points))


def interpolate(points, percentile):
    """Return the latency at ``percentile``, linear between the nearest reported points.

    Return None if no reported point lies on one side of ``percentile``.
    """
    below = max((point for point in points if point[0] <= percentile), default=None)
    above = min((point for point in points if point[0] >= percentile), default=None)
    if below is None or above is None:
        return None
    if above[0] == below[0]:
        return above[1]
    share = (percentile - below[0]) / (above[0] - below[0])
    return below[1] + share * (above[1] - below[1])


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_benchmark(server, arguments, requests):
    before = server.cpu_seconds()
    client_before = children_cpu_seconds()
    started = time.monotonic()

    result = subprocess.run(
        ["redis-benchmark", "-p", str(server.port), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.monotonic() - started
    cpu = server.cpu_seconds() - before
    # redis-benchmark's own CPU time, recorded because it shares the cores with the server.
    client_cpu = children_cpu_seconds() - client_before

    output = result.stdout.replace("\r", "\n")
    if result.returncode != 0 or "Error" in output:
        raise RuntimeError(
            f"redis-benchmark {' '.join(arguments)} failed:\n{output}\n{result.stderr}"
        )

    rps = float(re.search(r"throughput summary: ([\d.]+) requests per second", output)[1])
    summary = re.search(
        r"avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)",
        output,
    )
    points = percentile_points(output)
    return {
        "rps": rps,
        "p50_ms": float(summary[3]),
        "p90_ms": interpolate(points, 90.0),
        "cpu_us_per_request": cpu / requests * 1e6,
        "client_cpu_us_per_request": client_cpu / requests * 1e6,
        "elapsed_s": elapsed,
    }


def idle_rss(command, port, count):
    """Start a server and measure its resident memory in MB.

    Return the memory before and with ``count`` idle connections.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    server = Server(command, port)
    sockets = []
    try:
        time.sleep(0.5)
        before = server.rss_bytes()
        for _ in range(count):
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=30))
        # A PING on each connection makes sure the server has accepted all of them.
        for sock in sockets:
            sock.sendall(b"PING\r\n")
        for sock in sockets:
            if sock.recv(16) != b"+PONG\r\n":
                raise RuntimeError("an idle connection got no PONG reply to PING")
        time.sleep(0.5)
        return {"before_mb": before / 2**20, "with_idle_mb": server.rss_bytes() / 2**20}
    finally:
        for sock in sockets:
            sock.close()
        server.stop()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def machine():
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    redis_version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True
    ).stdout.split()[2]
    import uvloop

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "uvloop": uvloop.__version__,
        "redis": redis_version.removeprefix("v="),
        "load_before": os.getloadavg()[0],
    }


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="number of rounds, each over every server (default: 5)",
    )
    parser.add_argument(
        "--no-docs", action="store_true", help="print and save the figures, leave the docs alone"
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help=f"rewrite the docs from the figures of the last run ({RESULTS.relative_to(ROOT)})",
    )
    options = parser.parse_args(argv)
    if options.report_only:
        write_docs(json.loads(RESULTS.read_text()))
        return
    for tool in ("redis-server", "redis-benchmark"):
        if shutil.which(tool) is None:
            parser.exit(
                1, f"{tool} is not installed: apt-get install redis-server redis-tools (Debian)\n"
            )

    port = free_port()
    servers = contenders(port)
    runs = {name: {test: [] for test, *_ in TESTS} for name, _ in servers}
    info = machine()
    started = time.monotonic()
    for round_number in range(1, options.rounds + 1):
        for name, command in servers:
            server = Server(command, port)
            try:
                for test, arguments, requests, repeat in TESTS:
                    for _ in range(repeat):
                        figures = run_benchmark(server, arguments, requests)
                        runs[name][test].append(figures)
                    print(
                        f"round {round_number} {name:24} {test:18} {figures['rps']:>11,.0f} req/s  "
                        f"p50 {figures['p50_ms']:.3f}  p90 {figures['p90_ms']:.3f} ms  "
                        f"{figures['cpu_us_per_request']:.2f} us CPU/req",
                        flush=True,
                    )
            finally:
                server.stop()

    memory = {}
    for name, command in servers[:2]:
        memory[name] = idle_rss(command, port, IDLE_CONNECTIONS)
        print(
            f"{name}: RSS {memory[name]['before_mb']:.1f} MB, {memory[name]['with_idle_mb']:.1f} MB with {IDLE_CONNECTIONS:,} idle connections"
        )

    summary = {
        name: {
            test: {
                key: median([run[key] for run in figures])
                for key in (
                    "rps",
                    "p50_ms",
                    "p90_ms",
                    "cpu_us_per_request",
                    "client_cpu_us_per_request",
                )
            }
            for test, figures in tests.items()
        }
        for name, tests in runs.items()
    }
    results = {
        "machine": info,
        "rounds": options.rounds,
        "duration_s": time.monotonic() - started,
        "tests": [
            {"name": test, "arguments": arguments, "requests": requests, "runs_per_round": repeat}
            for test, arguments, requests, repeat in TESTS
        ],
        "runs": runs,
        "summary": summary,
        "idle_connections": IDLE_CONNECTIONS,
        "memory": memory,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"figures saved to {RESULTS.relative_to(ROOT)}")
    if not options.no_docs:
        write_docs(results)
        print("docs/benchmarks.md and docs/resp-benchmark.png updated")


if __name__ == "__main__":
    main()
