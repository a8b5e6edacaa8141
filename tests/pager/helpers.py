"""Helpers of the pager tests: counting cache round trips and reading captured SQL."""

import contextlib
import re

import redis.connection
from django.db import connection
from django.test.utils import CaptureQueriesContext

CACHE_METHODS = ("get", "get_many", "set", "set_many", "add", "delete", "delete_many", "touch")


class CacheCalls:
    """Counts of the calls a pager made to its cache, and of Redis commands sent."""

    def __init__(self):
        self.calls = []
        self.redis_sends = 0


@contextlib.contextmanager
def count_cache_calls(monkeypatch, cache):
    """Count calls of the cache API on ``cache`` and packets sent to any Redis."""
    counts = CacheCalls()
    depth = [0]
    for name in CACHE_METHODS:
        method = getattr(cache, name)

        def counted(*args, _name=name, _method=method, **kwargs):
            # BaseCache.set_many() calls set() for each key: count only the outer call.
            if depth[0] == 0:
                counts.calls.append(_name)
            depth[0] += 1
            try:
                return _method(*args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(cache, name, counted)

    send = redis.connection.AbstractConnection.send_packed_command

    def counted_send(self, *args, **kwargs):
        counts.redis_sends += 1
        return send(self, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted_send)
    try:
        yield counts
    finally:
        monkeypatch.undo()


@contextlib.contextmanager
def capture_sql():
    """Capture the SQL run on the default database."""
    with CaptureQueriesContext(connection) as context:
        yield context


def rows_read(sql):
    """Return LIMIT + OFFSET of a query, the rows it reads at most, or None without LIMIT."""
    limit = re.search(r"\bLIMIT (\d+)", sql)
    offset = re.search(r"\bOFFSET (\d+)", sql)
    if limit is None:
        return None
    return int(limit.group(1)) + (int(offset.group(1)) if offset else 0)
