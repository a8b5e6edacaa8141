"""Rows inserted and deleted between views: pages after a boundary never repeat rows."""

import pytest

from pager import Pager
from tests.testapp.models import PagerItem

PAGE_SIZE = 5


def add(rank):
    return PagerItem.objects.create(rank=rank, label="x", created="2024-01-01T00:00:00Z", amount=1, token=f"{rank:032x}")


@pytest.fixture
def items(db):
    for rank in range(0, 60, 2):
        add(rank)


def serve(page=None, cursor=None):
    pager = Pager(query=PagerItem.objects.order_by("rank"), page=page, cursor=cursor)
    items, next_cursor, more = pager.paginate(page_size=PAGE_SIZE)
    return pager, [item.rank for item in items], next_cursor


def test_insert_before_boundary_repeats_nothing(items):
    pager, first, cursor = serve(1)
    pager, second, cursor = serve(2)

    # Rows inserted into pages already seen shift positions, but the next page starts
    # after the last row shown.
    add(1)
    add(3)
    add(17)
    pager, third, cursor = serve(3)

    assert second == [10, 12, 14, 16, 18]
    assert third == [20, 22, 24, 26, 28]
    assert set(third).isdisjoint(second)


def test_insert_after_boundary_shows_it(items):
    serve(1)
    serve(2)
    add(21)

    pager, third, cursor = serve(3)

    assert third == [20, 21, 22, 24, 26]


def test_deleted_boundary_row_next_page(items):
    serve(1)
    pager, second, cursor = serve(2)
    PagerItem.objects.filter(rank=18).delete()

    pager, third, next_cursor = serve(3)
    pager, after_cursor, ignored = serve(cursor=cursor)

    assert third == [20, 22, 24, 26, 28]
    assert after_cursor == [20, 22, 24, 26, 28]


def test_deleted_rows_past_end_serves_last(items):
    for page in range(1, 7):
        serve(page)
    PagerItem.objects.filter(rank__gte=24).delete()

    pager, sixth, cursor = serve(6)

    assert pager.page == 3
    assert sixth == [20, 22]
    assert not pager.has_next


def test_deleted_everything_serves_empty_first(items):
    for page in range(1, 4):
        serve(page)
    PagerItem.objects.all().delete()

    pager, third, cursor = serve(3)

    assert pager.page == 1
    assert third == []
    assert cursor is None


def test_cursor_past_deleted_end_is_empty(items):
    for page in range(1, 6):
        pager, ranks, cursor = serve(page)
    PagerItem.objects.filter(rank__gte=40).delete()

    pager, after, next_cursor = serve(cursor=cursor)

    assert after == []
    assert next_cursor is None
    assert pager.page == 6
    assert not pager.has_next


def test_growth_after_last_page_extends(items):
    for page in range(1, 7):
        serve(page)
    for rank in range(60, 70):
        add(rank)

    pager, seventh, cursor = serve(7)
    pager, eighth, cursor = serve(8)

    assert seventh == [60, 61, 62, 63, 64]
    assert eighth == [65, 66, 67, 68, 69]
