"""Page boundaries of one paged query in the Django cache, degrading on cache faults."""

import logging
import threading
import time

from django.core.cache import caches

from pager.conf import get_config
from pager.values import decode_boundary, encode_boundary

logger = logging.getLogger("pager")

# Seconds between two warnings about the same cache while it keeps failing.
FAULT_LOG_INTERVAL = 60.0


class FaultLog:
    """Warn once when a cache starts failing, then at most once a minute while it fails.

    A fault of a cache that is down repeats on every page view, so one warning per
    outage (with a count of the faults since the last one) keeps the log readable. The
    first successful call on that cache ends the outage.
    """

    def __init__(self, interval=FAULT_LOG_INTERVAL):
        self.interval = interval
        self._lock = threading.Lock()
        # Cache alias -> [monotonic time of the last warning, faults not logged since].
        self._outages = {}

    def fault(self, alias, operation, exc):
        now = time.monotonic()
        with self._lock:
            outage = self._outages.get(alias)
            if outage is not None and now - outage[0] < self.interval:
                outage[1] += 1
                return
            suppressed = outage[1] if outage is not None else 0
            self._outages[alias] = [now, 0]
        logger.warning(
            "Pager cache %r failed to %s page boundaries, so pages are served without "
            "them until it recovers: %s: %s (%d more faults since the last warning)",
            alias,
            operation,
            type(exc).__name__,
            exc,
            suppressed,
        )

    def success(self, alias):
        if alias in self._outages:
            with self._lock:
                self._outages.pop(alias, None)

    def clear(self):
        with self._lock:
            self._outages.clear()


fault_log = FaultLog()


class BoundaryCache:
    """Read and write the start boundaries of pages of one query and page size.

    The entry of page n contains the ordering values of the last row of page n - 1. A
    fault of the cache backend turns into misses, so a page is then served from
    uncached queries, and it is logged as a warning once per outage (see FaultLog). An
    entry that cannot be read or does not fit the query counts as a miss and is
    rewritten.
    """

    def __init__(self, query_digest, columns):
        config = get_config()
        self.alias = config["CACHE"]
        self.cache = caches[self.alias]
        self.timeout = config["TIMEOUT"]
        self.query_digest = query_digest
        self.columns = columns
        self.round_trips = 0
        self._unreadable_pages = set()

    def key(self, page):
        return f"pager:{self.query_digest}:{page}"

    def get_many(self, pages):
        """Return ``{page: boundary}`` for the pages whose entries are present and valid."""
        keys = {self.key(page): page for page in pages}
        self.round_trips += 1
        try:
            entries = self.cache.get_many(list(keys))
        # Cache backends raise exceptions of their own client library (redis-py,
        # pymemcache, pickle for a corrupted entry) with no common base class, and any
        # of them must degrade to a miss rather than fail the page.
        except Exception as exc:  # noqa: BLE001
            self._log_fault("read", exc)
            self._unreadable_pages.update(pages)
            return {}
        fault_log.success(self.alias)

        boundaries = {}
        for key, entry in entries.items():
            try:
                boundaries[keys[key]] = decode_boundary(entry, self.columns)
            except ValueError:
                # A wrongly shaped entry is a miss, and the caller rewrites it when it
                # finds that boundary again.
                continue
        return boundaries

    def set_many(self, boundaries):
        """Store ``{page: boundary}``, refreshing each entry's expiry."""
        if not boundaries:
            return
        data = {self.key(page): encode_boundary(boundary) for page, boundary in boundaries.items()}
        self.round_trips += 1
        try:
            self.cache.set_many(data, timeout=self.timeout)
        except Exception as exc:  # noqa: BLE001 (see get_many)
            self._log_fault("write", exc)
            return
        fault_log.success(self.alias)

        # After a failed read one of the entries may be corrupt, and it would fail every
        # later read too, so delete the entries that were not rewritten, along with
        # entries found stale.
        stale = self._unreadable_pages - set(boundaries)
        if stale:
            self._unreadable_pages = set()
            self.round_trips += 1
            try:
                self.cache.delete_many([self.key(page) for page in stale])
            except Exception as exc:  # noqa: BLE001 (see get_many)
                self._log_fault("delete", exc)

    def forget(self, pages):
        """Delete the entries of ``pages`` with the next set_many(), as found stale."""
        self._unreadable_pages.update(pages)

    def _log_fault(self, operation, exc):
        fault_log.fault(self.alias, operation, exc)
