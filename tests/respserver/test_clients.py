"""Tests of real clients against the server on both event loops.

The clients are redis-benchmark, redis-cli and redis-py.
"""

import asyncio
import os
import pty
import select
import subprocess
import time

import pytest
import redis
import redis.asyncio


def run_tool(*command, stdin=None, timeout=120):
    return subprocess.run(command, input=stdin, capture_output=True, timeout=timeout)


# redis-benchmark arguments after the port, one row per case: many requests, pipelining,
# one client, and no keep-alive.
BENCHMARKS = [
    ("-t", "ping", "-n", "10000"),
    ("-t", "ping", "-n", "10000", "-P", "16"),
    ("-t", "ping", "-n", "2000", "-c", "1"),
    ("-t", "ping", "-n", "1000", "-k", "0"),
]


@pytest.mark.parametrize("arguments", BENCHMARKS, ids=[" ".join(row) for row in BENCHMARKS])
def test_redis_benchmark(resp_server, redis_benchmark, arguments):
    result = run_tool(redis_benchmark, "-p", str(resp_server.port), "-q", *arguments)
    output = (result.stdout + result.stderr).decode()
    assert result.returncode == 0, output
    assert "Error" not in output
    assert "Could not fetch" not in output
    lines = output.replace("\r", "\n").splitlines()
    finished = [line for line in lines if "requests per second" in line and "rps=" not in line]
    assert [line.split(":")[0].strip() for line in finished] == ["PING_INLINE", "PING_MBULK"], (
        output
    )


def test_redis_cli_one_shot(resp_server, redis_cli):
    port = str(resp_server.port)
    assert run_tool(redis_cli, "-p", port, "ping").stdout == b"PONG\n"
    assert run_tool(redis_cli, "-p", port, "echo", "hello world").stdout == b"hello world\n"
    assert run_tool(redis_cli, "-p", port, "config", "get", "save").stdout == b"save\n\n"
    unknown = run_tool(redis_cli, "-p", port, "nosuch", "a")
    # redis-cli prints errors from redis-server this way when not on a terminal.
    assert unknown.stdout == b"ERR unknown command 'nosuch', with args beginning with: 'a' \n\n"
    hello = run_tool(redis_cli, "-3", "-p", port, "hello", "3")
    assert hello.returncode == 0
    assert b"proto" in hello.stdout
    assert b"7.0.15" in hello.stdout


def test_redis_cli_pipe(resp_server, redis_cli):
    commands = b"".join(
        b"*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n" % (len(b"%d" % i), b"%d" % i) for i in range(1000)
    )
    commands += b"PING\r\n" * 1000
    result = run_tool(redis_cli, "-p", str(resp_server.port), "--pipe", stdin=commands)
    output = result.stdout.decode()
    assert result.returncode == 0, output + result.stderr.decode()
    assert "errors: 0, replies: 2000" in output


def test_redis_py_sync(resp_server):
    for protocol in (3, 2):
        client = redis.Redis(
            port=resp_server.port, protocol=protocol, client_name="tests", decode_responses=True
        )
        try:
            assert client.ping() is True
            assert client.echo("héllo") == "héllo"
            assert client.client_getname() == "tests"
            assert client.client_id() > 0
            assert client.config_get("save") == {"save": ""}
            info = client.info()
            assert info["redis_version"] == "7.0.15"
            assert info["connected_clients"] >= 1
            pipe = client.pipeline(transaction=False)
            for i in range(500):
                pipe.echo(str(i))
            assert pipe.execute() == [str(i) for i in range(500)]
            with pytest.raises(redis.ResponseError, match="unknown command 'NOSUCH'"):
                client.execute_command("NOSUCH", "x")
        finally:
            client.close()


def test_redis_py_hello_reply_by_protocol(resp_server):
    client = redis.Redis(port=resp_server.port, protocol=3)
    try:
        hello = client.execute_command("HELLO", "3")
        assert hello[b"proto"] == 3
        assert hello[b"version"] == b"7.0.15"
    finally:
        client.close()


def test_redis_py_asyncio(resp_server):
    async def main(protocol):
        client = redis.asyncio.Redis(port=resp_server.port, protocol=protocol)
        try:
            assert await client.ping() is True
            assert await client.echo("x" * 100_000) == b"x" * 100_000
            results = await asyncio.gather(*(client.echo(str(i)) for i in range(50)))
            assert results == [str(i).encode() for i in range(50)]
            async with client.pipeline(transaction=False) as pipe:
                for _ in range(300):
                    pipe.ping()
                assert await pipe.execute() == [True] * 300
            return (await client.info("server"))["redis_version"]
        finally:
            await client.aclose()

    for protocol in (3, 2):
        assert asyncio.run(main(protocol)) == "7.0.15"


def test_redis_cli_interactive(resp_server, redis_cli):
    """Interactive redis-cli requests COMMAND DOCS first and must survive the reply."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [redis_cli, "-p", str(resp_server.port)],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        close_fds=True,
        # With TERM=dumb, redis-cli sends no cursor queries that would need a reply from
        # the terminal.
        env={**os.environ, "TERM": "dumb"},
    )
    os.close(terminal)
    output = b""
    try:
        os.write(controller, b"ping\n")
        deadline = time.monotonic() + 20
        while b"PONG" not in output and time.monotonic() < deadline:
            if select.select([controller], [], [], 0.2)[0]:
                try:
                    output += os.read(controller, 4096)
                except OSError:
                    break
        os.write(controller, b"quit\n")
        assert process.wait(20) == 0, output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        os.close(controller)
    assert b"PONG" in output
