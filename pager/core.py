"""The Pager: numbered pages served by keyset queries from cached page boundaries."""

import hashlib

from django.core.exceptions import EmptyResultSet
from django.db import connections

from pager.cache import BoundaryCache
from pager.conf import get_config
from pager.ordering import normalise
from pager.pages import parse_page
from pager.seek import seek_filter
from pager.tokens import make_token, read_token

# Pages right before the requested one whose cached starts a cold jump also reads,
# so a visitor who skips a few pages ahead starts close by.
NEARBY_PAGES = 8
# Maximum checkpoint entries that one cold jump reads. Deeper pages start from the
# deepest of these and walk on.
MAX_CHECKPOINTS = 1000
# Times a page is located again when its cached start turns out to be past the end,
# after rows were deleted. The last attempt walks from the first page.
MAX_RELOCATIONS = 3


class Pager:
    """Serve one page of a queryset, by number or after a cursor.

    ``Pager(query=qs, page=request.GET.get("page")).paginate(page_size=20)`` returns
    ``(items, cursor, more)``: the rows of the page, a token for the position after it
    (None when the page is empty) and whether a next page exists. Afterwards ``page``
    is the page served, which is the last page when the requested one is past the end.
    """

    def __init__(self, query, page=None, cursor=None):
        if page is not None and cursor is not None:
            raise TypeError(
                f"Pass page or cursor to Pager, not both (page={page!r}, cursor={cursor!r})."
            )
        self.query = query
        self.page = parse_page(page)
        self._token = cursor
        self.has_next = False
        self.cache_round_trips = 0

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def prev_page(self):
        return max(self.page - 1, 1)

    @property
    def next_page(self):
        return self.page + 1 if self.has_next else self.page

    def __bool__(self):
        """Return whether there is more than one page, so a pager bar is worth showing."""
        return self.has_prev or self.has_next

    def __repr__(self):
        return f"<Pager page={self.page} has_next={self.has_next}>"

    def paginate(self, page_size=20):
        """Return ``(items, cursor, more)`` for the requested page."""
        max_skip = get_config()["MAX_SKIP"]
        if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size < max_skip:
            raise ValueError(
                f"page_size must be an integer from 1 to {max_skip - 1} (below "
                f"PAGER['MAX_SKIP']), not {page_size!r}."
            )

        queryset, columns = normalise(self.query)
        digest, empty = _query_digest(queryset, page_size)
        if self._token is not None:
            # Checked before anything else, so a bad token fails even on an empty query.
            page, start = read_token(self._token, digest, columns)
        if empty:
            self.page, self.has_next = 1, False
            return [], None, False

        walk = _Walk(queryset, columns, page_size, max_skip, BoundaryCache(digest, columns))
        try:
            if self._token is not None:
                items, next_start = walk.serve_after(page, start)
            else:
                page, items, next_start = walk.serve_page(self.page)
        finally:
            self.cache_round_trips = walk.cache.round_trips

        self.page = page
        self.has_next = next_start is not None and walk.more
        cursor = make_token(digest, page + 1, next_start) if next_start is not None else None
        return items, cursor, self.has_next


def _query_digest(queryset, page_size):
    """Return ``(digest, empty)`` for the query's SQL, parameters, alias and page size."""
    alias = queryset.db
    try:
        sql, params = queryset.query.clone().get_compiler(using=alias).as_sql()
        empty = False
    except EmptyResultSet:
        # .none() and filters that can never match have no SQL; key them apart from
        # every real query.
        sql, params, empty = f"EMPTY {queryset.model._meta.label}", (), True
    text = f"{alias}\x00{sql}\x00{params!r}\x00{page_size}"
    return hashlib.sha256(text.encode()).hexdigest()[:32], empty


class _Walk:
    """Locate and fetch pages of one paged query, through its boundary cache."""

    def __init__(self, queryset, columns, page_size, max_skip, cache):
        self.queryset = queryset
        self.columns = columns
        self.page_size = page_size
        self.cache = cache
        self.connection = connections[queryset.db]
        # Checkpoint pages 1 + k * stride are where cold jumps land and cache their
        # boundaries. A step between two of them reads stride * page_size + 1 rows,
        # which stays within max_skip.
        self.stride = (max_skip - 1) // page_size
        self.value_names = [column.lookup for column in columns]
        self.more = False

    def serve_page(self, page):
        """Return ``(page, items, next_start)``, the last page instead of one past the end."""
        known = {}
        if page > 1:
            # A warm page reads one entry. Only a miss reads the entries that a cold
            # jump may start from, in a second round trip.
            known = self.cache.get_many([page])
            candidates = self._candidate_pages(page - 1)
            if page not in known and candidates:
                known = self.cache.get_many(candidates)
        landed = {}
        for attempt in range(MAX_RELOCATIONS):
            page, start, new = self._locate(page, known | landed)
            landed |= new
            items, next_start = self._fetch(start)
            if items or page == 1:
                break
            # The cached start had no rows after it any more: locate the last page again
            # from boundaries this view found, which were checked against the data.
            self.cache.forget(number for number in known if number >= page)
            known = {}
            landed = {number: boundary for number, boundary in landed.items() if number < page}
            if attempt == MAX_RELOCATIONS - 2:
                landed = {}

        writes = dict(landed)
        if page > 1:
            writes[page] = start
        if next_start is not None:
            writes[page + 1] = next_start
        self.cache.set_many(writes)
        return page, items, next_start

    def serve_after(self, page, start):
        """Return ``(items, next_start)`` for the page that starts after ``start``."""
        items, next_start = self._fetch(start)
        writes = {page: start}
        if next_start is not None:
            writes[page + 1] = next_start
        self.cache.set_many(writes)
        return items, next_start

    def _candidate_pages(self, page):
        """Return the pages up to ``page`` whose cached starts a cold jump can use."""
        nearby = range(max(page - NEARBY_PAGES + 1, 2), page + 1)
        checkpoints = range(1 + self.stride, page + 1, self.stride)[:MAX_CHECKPOINTS]
        return sorted(set(nearby) | set(checkpoints))

    def _after(self, start):
        if start is None:
            return self.queryset
        return self.queryset.filter(seek_filter(self.columns, start, self.connection))

    def _fetch(self, start):
        """Return ``(items, next_start)`` for the page after ``start``, in one query."""
        rows = list(self._after(start)[: self.page_size + 1])
        self.more = len(rows) > self.page_size
        items = rows[: self.page_size]
        if not items:
            return items, None
        last = items[-1]
        next_start = tuple(getattr(last, column.attname or column.value_alias) for column in self.columns)
        return items, next_start

    def _locate(self, target, known):
        """Return ``(page, start, landed)`` for the target page or the last page before it.

        The walk starts at the nearest known boundary at or before the target and skips
        ahead by queries that select only the ordering columns, each reading at most
        stride * page_size + 1 rows. ``landed`` contains the boundaries it started from and
        found, for the caller to write back.
        """
        page = max((number for number in known if number <= target), default=1)
        start = known.get(page)
        # The entry the walk starts from counts as used, so its expiry is refreshed too.
        landed = {page: start} if 1 < page < target else {}
        while page < target:
            step_to = min(target, 1 + ((page - 1) // self.stride + 1) * self.stride)
            skip = (step_to - page) * self.page_size
            # The row at skip - 1 ends page step_to - 1. The row after it proves that
            # page step_to is not empty.
            rows = list(self._after(start).values_list(*self.value_names)[skip - 1 : skip + 1])
            if len(rows) == 2:
                page, start = step_to, rows[0]
                landed[page] = start
                continue
            return self._locate_last(page, start, skip, landed)
        return page, start, landed

    def _locate_last(self, page, start, limit, landed):
        """Return the last page, which starts at or after the start of ``page``."""
        rows = list(self._after(start).values_list(*self.value_names)[:limit])
        if not rows:
            # Only a stale cached start can have no rows after it. Its page is then
            # served empty and relocated by serve_page().
            return page, start, landed
        last = page + (len(rows) - 1) // self.page_size
        if last > page:
            start = rows[(last - page) * self.page_size - 1]
            landed[last] = start
        return last, start, landed
