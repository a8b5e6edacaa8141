"""Cache entries of the pager: keys, expiry, garbage and an unreachable Redis."""

import logging
import pickle
import socket
import time

import pytest
from django.core.cache import caches

from pager import Pager
from pager.cache import BoundaryCache, FaultLog, fault_log
from tests.pager.caches import clear
from tests.pager.helpers import capture_sql
from tests.testapp.models import PagerItem

PAGE_SIZE = 3


@pytest.fixture
def items(db):
    PagerItem.objects.bulk_create(
        PagerItem(rank=index % 4, label=f"l{index}", created="2024-01-01T00:00:00Z", amount=1, token=f"{index:032x}")
        for index in range(40)
    )
    return list(PagerItem.objects.order_by("rank", "pk"))


@pytest.fixture
def pager_log():
    """Collect the records of the "pager" logger, which does not propagate to the root."""
    records = []
    handler = logging.Handler(level=logging.DEBUG)
    handler.emit = records.append
    logger = logging.getLogger("pager")
    logger.addHandler(handler)
    fault_log.clear()
    yield records
    logger.removeHandler(handler)
    fault_log.clear()


def serve(page, query=None, page_size=PAGE_SIZE):
    pager = Pager(query=query if query is not None else PagerItem.objects.order_by("rank"), page=page)
    items, cursor, more = pager.paginate(page_size=page_size)
    return pager, items


def cache_keys(cache):
    """Return the pager keys in ``cache``, without its key prefix and version."""
    if hasattr(cache, "keys"):
        return set(cache.keys("pager:*"))
    return {key.split(":", 2)[2] for key in cache._cache}


def write_raw(cache, key, data):
    """Store bytes that the cache cannot unpickle under ``key``."""
    if hasattr(cache, "client"):
        cache.client.get_client(write=True).set(cache.make_and_validate_key(key), data)
    else:
        cache._cache[cache.make_and_validate_key(key)] = data
        cache._expire_info[cache.make_and_validate_key(key)] = time.time() + 60


def entry_key(query, page, page_size=PAGE_SIZE):
    """Return the cache key of a page's start, as the pager builds it."""
    pager = Pager(query=query, page=page)
    pager.paginate(page_size=page_size)
    keys = [key for key in cache_keys(caches["pager"]) if key.endswith(f":{page}")]
    assert len(keys) == 1, keys
    return keys[0]


def test_page_size_change_uses_other_entries(items, pager_cache):
    serve(1)
    before = cache_keys(pager_cache)

    serve(1, page_size=PAGE_SIZE + 1)

    added = cache_keys(pager_cache) - before
    assert len(added) == 1
    assert {key.rsplit(":", 1)[0] for key in added}.isdisjoint({key.rsplit(":", 1)[0] for key in before})


def test_query_change_uses_other_entries(items, pager_cache):
    serve(1)
    serve(1, query=PagerItem.objects.filter(rank__gte=0).order_by("rank"))
    serve(1, query=PagerItem.objects.filter(rank__gte=1).order_by("rank"))
    serve(1, query=PagerItem.objects.order_by("-rank"))

    queries = {key.rsplit(":", 1)[0] for key in cache_keys(pager_cache)}
    assert len(queries) == 4


def test_page_sizes_never_mix(items):
    # Pages of 3 cached first must not shift the pages of 4.
    for page in range(1, 6):
        serve(page)

    for page in range(1, 6):
        pager, page_items = serve(page, page_size=4)
        assert page_items == items[(page - 1) * 4 : page * 4]


def test_entries_expire_after_timeout(items, settings, pager_cache):
    settings.PAGER = {**settings.PAGER, "TIMEOUT": 120}
    serve(1)

    (key,) = cache_keys(pager_cache)
    if hasattr(pager_cache, "ttl"):
        remaining = pager_cache.ttl(key)
    else:
        remaining = pager_cache._expire_info[pager_cache.make_and_validate_key(key)] - time.time()
    assert 100 < remaining <= 120


# Columns: a name, and an entry that is not a boundary of the (rank, pk) ordering.
WRONG_ENTRIES = [
    ("text", "garbage"),
    ("empty", []),
    ("short", [1]),
    ("long", [1, 2, 3]),
    ("wrong-type", ["one", 2]),
    ("null-pk", [1, None]),
    ("bad-tag", [1, ["decimal", "x"]]),
    ("dict", {"rank": 1}),
    ("bool", [True, 5]),
]


@pytest.mark.parametrize(("name", "entry"), WRONG_ENTRIES, ids=[case[0] for case in WRONG_ENTRIES])
def test_wrong_entry_is_miss_and_rewritten(items, pager_cache, pager_log, name, entry):
    query = PagerItem.objects.order_by("rank")
    key = entry_key(query, 5)
    good = pager_cache.get(key)
    pager_cache.set(key, entry)

    pager, page_items = serve(5)

    assert page_items == items[12:15]
    assert pager_cache.get(key) == good
    assert pager_log == []


def test_corrupt_entry_is_miss_and_deleted(items, pager_cache, pager_log):
    query = PagerItem.objects.order_by("rank")
    key = entry_key(query, 5)
    write_raw(pager_cache, key, b"\x80\x05not a pickle")

    pager, page_items = serve(5)

    assert page_items == items[12:15]
    assert len(pager_log) == 1
    # The entry was rewritten, so the next view reads the cache again without a fault.
    assert isinstance(pager_cache.get(key), list)
    with capture_sql() as sql:
        pager, page_items = serve(5)
    assert page_items == items[12:15]
    assert len(sql.captured_queries) == 1
    assert len(pager_log) == 1


def test_corrupt_nearby_entry_is_deleted(items, pager_cache, pager_log):
    for page in range(1, 6):
        serve(page)
    query = PagerItem.objects.order_by("rank")
    key = entry_key(query, 4)
    write_raw(pager_cache, key, pickle.dumps(object)[:5])

    # Page 8 is not cached, so the jump reads the entries before it, page 4's included.
    pager, page_items = serve(8)

    assert page_items == items[21:24]
    assert len(pager_log) == 1
    assert pager_cache.get(key) is None
    serve(8)
    serve(4)
    assert len(pager_log) == 1


def closed_port():
    """Return a loopback port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_redis_down_serves_page_and_logs_once(items, settings, pager_log):
    settings.CACHES = {
        **settings.CACHES,
        "down": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        },
    }
    settings.PAGER = {**settings.PAGER, "CACHE": "down", "MAX_SKIP": 10}

    for page in [1, 2, 7, 13, 14, 99]:
        pager, page_items = serve(page)
        expected_page = min(page, 14)
        assert pager.page == expected_page
        assert page_items == items[(expected_page - 1) * PAGE_SIZE : expected_page * PAGE_SIZE]

    # One warning for the whole outage, not one per view.
    assert len(pager_log) == 1
    assert pager_log[0].levelno == logging.WARNING
    assert "'down'" in pager_log[0].getMessage()


def test_fault_log_repeats_after_interval(pager_log):
    log = FaultLog(interval=0.05)
    error = OSError("connection refused")

    log.fault("down", "read", error)
    log.fault("down", "read", error)
    log.fault("down", "write", error)
    assert len(pager_log) == 1

    time.sleep(0.06)
    log.fault("down", "read", error)
    assert len(pager_log) == 2
    assert "2 more faults" in pager_log[1].getMessage()


def test_fault_log_warns_again_after_recovery(pager_log):
    log = FaultLog()
    error = OSError("connection refused")

    log.fault("down", "read", error)
    log.success("down")
    log.fault("down", "read", error)

    assert len(pager_log) == 2


def test_cache_cleared_between_views(items, pager_cache):
    for page in range(1, 4):
        serve(page)
    clear(pager_cache)

    pager, page_items = serve(4)

    assert page_items == items[9:12]


def test_boundary_cache_key_has_digest_and_page():
    cache = BoundaryCache("abc", columns=())

    assert cache.key(7) == "pager:abc:7"


def test_cold_jump_refreshes_start_entry(items, settings, pager_cache):
    settings.PAGER = {**settings.PAGER, "TIMEOUT": 100}
    serve(3)
    (key,) = [key for key in cache_keys(pager_cache) if key.endswith(":4")]
    settings.PAGER = {**settings.PAGER, "TIMEOUT": 1000}

    # Page 6 starts from the cached start of page 4, which the view uses and refreshes.
    serve(6)

    if hasattr(pager_cache, "ttl"):
        remaining = pager_cache.ttl(key)
    else:
        remaining = pager_cache._expire_info[pager_cache.make_and_validate_key(key)] - time.time()
    assert remaining > 900


@pytest.mark.django_db(databases=["default", "other"])
def test_database_alias_uses_other_entries(items, pager_cache):
    PagerItem.objects.using("other").bulk_create(
        PagerItem(rank=9 - index % 4, label="o", created="2024-01-01T00:00:00Z", amount=1, token=f"{index:032x}")
        for index in range(10)
    )
    other = list(PagerItem.objects.using("other").order_by("rank", "pk"))
    for page in range(1, 4):
        serve(page)

    before = cache_keys(pager_cache)
    for page in range(1, 4):
        pager, page_items = serve(page, query=PagerItem.objects.using("other").order_by("rank"))
        assert page_items == other[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        assert all(item._state.db == "other" for item in page_items)

    added = cache_keys(pager_cache) - before
    assert {key.rsplit(":", 1)[0] for key in added}.isdisjoint({key.rsplit(":", 1)[0] for key in before})
