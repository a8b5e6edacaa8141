"""Queries and cache round trips per page, counted on the real database and cache."""

import pytest

from pager import Pager
from tests.pager.caches import clear
from tests.pager.helpers import capture_sql, count_cache_calls, rows_read
from tests.testapp.models import PagerItem

MAX_SKIP = 30
PAGE_SIZE = 4


@pytest.fixture
def items(db, settings):
    settings.PAGER = {**settings.PAGER, "MAX_SKIP": MAX_SKIP}
    PagerItem.objects.bulk_create(
        PagerItem(rank=index % 5, label="x", created="2024-01-01T00:00:00Z", amount=1, token=f"{index:032x}")
        for index in range(150)
    )
    return list(PagerItem.objects.order_by("-rank", "-pk"))


def query():
    return PagerItem.objects.order_by("-rank")


def serve(page):
    pager = Pager(query=query(), page=page)
    return pager, *pager.paginate(page_size=PAGE_SIZE)


def test_first_page_one_query_one_cache_write(items, monkeypatch, pager_cache):
    with capture_sql() as sql, count_cache_calls(monkeypatch, pager_cache) as cache_calls:
        pager, page_items, cursor, more = serve(1)

    assert page_items == items[:PAGE_SIZE]
    assert len(sql.captured_queries) == 1
    assert cache_calls.calls == ["set_many"]
    assert pager.cache_round_trips == 1


def test_warm_page_one_query_two_round_trips(items, monkeypatch, pager_cache):
    for page in range(1, 8):
        serve(page)

    for page in range(2, 8):
        with capture_sql() as sql, count_cache_calls(monkeypatch, pager_cache) as cache_calls:
            pager, page_items, cursor, more = serve(page)
        assert page_items == items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        assert len(sql.captured_queries) == 1
        assert rows_read(sql.captured_queries[0]["sql"]) == PAGE_SIZE + 1
        assert cache_calls.calls == ["get_many", "set_many"]
        assert cache_calls.redis_sends <= 2
        assert pager.cache_round_trips == 2


def test_cold_jump_reads_at_most_max_skip(items, monkeypatch, pager_cache):
    last_page = len(items) // PAGE_SIZE + 1
    for page in [2, 9, 17, 30, last_page]:
        clear(pager_cache)
        with capture_sql() as sql, count_cache_calls(monkeypatch, pager_cache) as cache_calls:
            pager, page_items, cursor, more = serve(page)
        assert page_items == items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        # A miss of the page's own entry reads the entries a jump can start from.
        expected_calls = ["get_many", "set_many"] if page == 2 else ["get_many", "get_many", "set_many"]
        assert cache_calls.calls == expected_calls
        for captured in sql.captured_queries:
            assert "COUNT(" not in captured["sql"].upper()
            assert rows_read(captured["sql"]) <= MAX_SKIP


def test_cold_jump_caches_landings(items, pager_cache):
    serve(35)

    with capture_sql() as sql:
        pager, page_items, cursor, more = serve(34)

    # Page 34 starts from the checkpoint the first jump landed on at page 29, in one
    # skipping query, then the page query.
    assert page_items == items[33 * PAGE_SIZE : 34 * PAGE_SIZE]
    assert len(sql.captured_queries) == 2


def test_past_end_walks_no_count(items, monkeypatch, pager_cache):
    with capture_sql() as sql:
        pager, page_items, cursor, more = serve(10_000)

    assert pager.page == 38
    assert page_items == items[37 * PAGE_SIZE :]
    assert more is False
    for captured in sql.captured_queries:
        assert "COUNT(" not in captured["sql"].upper()
        assert rows_read(captured["sql"]) <= MAX_SKIP


def test_cursor_page_one_query_one_round_trip(items, monkeypatch, pager_cache):
    pager, page_items, cursor, more = serve(1)

    with capture_sql() as sql, count_cache_calls(monkeypatch, pager_cache) as cache_calls:
        after = Pager(query=query(), cursor=cursor)
        next_items, next_cursor, next_more = after.paginate(page_size=PAGE_SIZE)

    assert next_items == items[PAGE_SIZE : 2 * PAGE_SIZE]
    assert after.page == 2
    assert len(sql.captured_queries) == 1
    assert cache_calls.calls == ["set_many"]


def test_cursor_page_warms_numbered_page(items, pager_cache):
    pager, page_items, cursor, more = serve(1)
    Pager(query=query(), cursor=cursor).paginate(page_size=PAGE_SIZE)

    with capture_sql() as sql:
        pager, page_items, cursor, more = serve(3)

    assert page_items == items[2 * PAGE_SIZE : 3 * PAGE_SIZE]
    assert len(sql.captured_queries) == 1


# Columns: a queryset that loads only some fields, whose ordering field may be deferred.
DEFERRED = [
    lambda: PagerItem.objects.only("label").order_by("-rank"),
    lambda: PagerItem.objects.defer("rank").order_by("-rank"),
    lambda: PagerItem.objects.only("rank").order_by("-rank"),
]


@pytest.mark.parametrize("make_query", DEFERRED)
def test_deferred_ordering_field_one_query(items, make_query):
    for page in range(1, 4):
        with capture_sql() as sql:
            pager = Pager(query=make_query(), page=page)
            page_items, cursor, more = pager.paginate(page_size=PAGE_SIZE)
        assert [item.pk for item in page_items] == [item.pk for item in items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
        assert len(sql.captured_queries) == 1
