"""Page boundaries of one paged query in the Django cache, degrading on cache faults."""

import logging

from django.core.cache import caches

from pager.conf import get_config
from pager.values import decode_boundary, encode_boundary

logger = logging.getLogger("pager")


class BoundaryCache:
    """Read and write the start boundaries of pages of one query and page size.

    The entry of page n holds the ordering values of the last row of page n - 1. A
    fault of the cache backend is logged once per instance, as a warning, and turns
    into misses, so a page is then served from uncached queries. An entry that cannot
    be read or does not fit the query counts as a miss and is rewritten.
    """

    def __init__(self, query_digest, columns):
        config = get_config()
        self.cache = caches[config["CACHE"]]
        self.timeout = config["TIMEOUT"]
        self.query_digest = query_digest
        self.columns = columns
        self.round_trips = 0
        self._faulted = False
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
        if self._faulted:
            return
        self._faulted = True
        logger.warning(
            "Pager cache %r failed to %s page boundaries, so the page is served without "
            "them: %s: %s",
            get_config()["CACHE"],
            operation,
            type(exc).__name__,
            exc,
        )
