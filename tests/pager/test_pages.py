"""Page numbers from the query string, and the pager's page attributes."""

import pytest

from pager import Pager
from pager.pages import parse_page
from tests.testapp.models import PagerItem

# Columns: the page parameter as a query string or a caller gives it, and the page.
PAGE_VALUES = [
    (None, 1),
    ("", 1),
    (" ", 1),
    ("abc", 1),
    ("2.5", 1),
    ("1e3", 1),
    ("0x10", 1),
    ("0", 1),
    ("-1", 1),
    ("-0", 1),
    ("+3", 1),
    ("３", 1),
    ("٣", 1),
    ("3", 3),
    (" 3 ", 3),
    ("007", 7),
    ("99999999999999999999", 99999999999999999999),
    (4, 4),
    (0, 1),
    (-5, 1),
    (True, 1),
    (2.0, 1),
    (["2"], 1),
]


@pytest.mark.parametrize(("value", "page"), PAGE_VALUES)
def test_parse_page(value, page):
    assert parse_page(value) == page


@pytest.fixture
def items(db):
    PagerItem.objects.bulk_create(
        PagerItem(rank=index, label="x", created="2024-01-01T00:00:00Z", amount=1, token=f"{index:032x}")
        for index in range(10)
    )
    return list(PagerItem.objects.order_by("rank", "pk"))


@pytest.mark.parametrize("value", ["", "abc", "2.5", "0", "-1", None])
def test_malformed_page_serves_first(items, value):
    pager = Pager(query=PagerItem.objects.order_by("rank"), page=value)

    page_items, cursor, more = pager.paginate(page_size=4)

    assert page_items == items[:4]
    assert pager.page == 1


# Columns: requested page, then page, has_prev, has_next, prev_page, next_page, bool.
ATTRIBUTES = [
    (1, 1, False, True, 1, 2, True),
    (2, 2, True, True, 1, 3, True),
    (3, 3, True, False, 2, 3, True),
    (4, 3, True, False, 2, 3, True),
    (99999999999999999999, 3, True, False, 2, 3, True),
]


@pytest.mark.parametrize(("requested", "page", "has_prev", "has_next", "prev_page", "next_page", "truth"), ATTRIBUTES)
def test_pager_attributes(items, requested, page, has_prev, has_next, prev_page, next_page, truth):
    pager = Pager(query=PagerItem.objects.order_by("rank"), page=requested)

    page_items, cursor, more = pager.paginate(page_size=4)

    assert pager.page == page
    assert pager.has_prev is has_prev
    assert pager.has_next is has_next
    assert more is has_next
    assert pager.prev_page == prev_page
    assert pager.next_page == next_page
    assert bool(pager) is truth
    assert page_items == items[(page - 1) * 4 : page * 4]


def test_single_page_is_false(items):
    pager = Pager(query=PagerItem.objects.order_by("rank"), page=1)

    page_items, cursor, more = pager.paginate(page_size=10)

    assert page_items == items
    assert not pager
    assert cursor is not None


def test_empty_query_is_false(db):
    for query in [PagerItem.objects.order_by("rank"), PagerItem.objects.none().order_by("rank")]:
        pager = Pager(query=query, page=3)
        page_items, cursor, more = pager.paginate(page_size=4)
        assert (page_items, cursor, more) == ([], None, False)
        assert pager.page == 1
        assert not pager


# Columns: a page size that paginate() rejects.
BAD_PAGE_SIZES = [0, -1, 2.0, "20", None, True, 10_000]


@pytest.mark.parametrize("page_size", BAD_PAGE_SIZES)
def test_bad_page_size_rejected(db, page_size):
    pager = Pager(query=PagerItem.objects.order_by("rank"))

    with pytest.raises(ValueError, match=r"page_size must be an integer from 1 to 9999"):
        pager.paginate(page_size=page_size)
