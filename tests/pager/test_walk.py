"""Walk every page of many orderings: the joined pages equal the ordered queryset."""

import pytest
from django.db.models import F
from django.db.models.functions import Lower

from pager import Pager
from tests.pager.caches import clear
from tests.pager.fixtures import make_rows
from tests.testapp.models import PagerItem, PagerNote, PagerUUIDItem

# Columns: case id, the queryset to page, and the same query in Django's own order with
# the tie-breaker the pager appends (the primary key, in the last column's direction).
CASES = [
    ("ties", lambda: PagerItem.objects.order_by("rank"), ("rank", "pk")),
    ("ties-desc", lambda: PagerItem.objects.order_by("-rank"), ("-rank", "-pk")),
    ("nulls", lambda: PagerItem.objects.order_by("score"), ("score", "pk")),
    ("nulls-desc", lambda: PagerItem.objects.order_by("-score"), ("-score", "-pk")),
    (
        "nulls-last",
        lambda: PagerItem.objects.order_by(F("score").asc(nulls_last=True)),
        (F("score").asc(nulls_last=True), "pk"),
    ),
    (
        "nulls-first-desc",
        lambda: PagerItem.objects.order_by(F("score").desc(nulls_first=True)),
        (F("score").desc(nulls_first=True), "-pk"),
    ),
    (
        "nulls-first-mixed",
        lambda: PagerItem.objects.order_by(F("score").asc(nulls_first=True), "-rank"),
        (F("score").asc(nulls_first=True), "-rank", "-pk"),
    ),
    (
        "nulls-last-desc-mixed",
        lambda: PagerItem.objects.order_by(F("score").desc(nulls_last=True), "label"),
        (F("score").desc(nulls_last=True), "label", "pk"),
    ),
    ("mixed", lambda: PagerItem.objects.order_by("rank", "-score", "label"), ("rank", "-score", "label", "pk")),
    ("microseconds", lambda: PagerItem.objects.order_by("-created"), ("-created", "-pk")),
    ("decimal-uuid", lambda: PagerItem.objects.order_by("amount", "-token"), ("amount", "-token", "-pk")),
    ("uuid", lambda: PagerItem.objects.order_by("token"), ("token", "pk")),
    (
        "nullable-fk-path",
        lambda: PagerItem.objects.order_by("author__name", "-rank"),
        ("author__name", "-rank", "-pk"),
    ),
    (
        "fk-meta-ordering",
        lambda: PagerItem.objects.order_by("-author", "rank"),
        ("-author", "rank", "pk"),
    ),
    ("fk-column", lambda: PagerItem.objects.order_by("author_id", "rank"), ("author_id", "rank", "pk")),
    (
        "reverse",
        lambda: PagerItem.objects.order_by("rank", "score").reverse(),
        ("-rank", "-score", "-pk"),
    ),
    (
        "distinct",
        lambda: PagerItem.objects.filter(rank__lt=3).distinct().order_by("label"),
        ("label", "pk"),
    ),
    (
        "expression",
        lambda: PagerItem.objects.order_by(Lower("label").desc(), "rank"),
        (Lower("label").desc(), "rank", "pk"),
    ),
    (
        "annotation",
        lambda: PagerItem.objects.annotate(total=F("rank") + F("score")).order_by("total"),
        ("total", "pk"),
    ),
    ("uuid-pk", lambda: PagerUUIDItem.objects.order_by("rank"), ("rank", "pk")),
    ("meta-ordering", lambda: PagerNote.objects.all(), ("-position", "-pk")),
    (
        "related-path",
        lambda: PagerNote.objects.order_by("item__created", "-item__amount"),
        ("item__created", "-item__amount", "-pk"),
    ),
    ("pk", lambda: PagerItem.objects.order_by("pk"), ("pk",)),
    ("pk-desc", lambda: PagerItem.objects.order_by("-id"), ("-id",)),
    ("no-match", lambda: PagerItem.objects.filter(rank=99).order_by("rank"), ("rank", "pk")),
    ("none", lambda: PagerItem.objects.none().order_by("rank"), ("rank", "pk")),
]
PAGE_SIZES = range(1, 12)


@pytest.fixture
def rows(db, settings):
    # A small MAX_SKIP makes cold jumps take several skipping steps.
    settings.PAGER = {**settings.PAGER, "MAX_SKIP": 13}
    return make_rows()



def expected(case_id, make_query, ordering):
    query = make_query()
    if case_id == "reverse":
        return list(query.model.objects.order_by(*ordering))
    return list(query.order_by(*ordering))


# More pages than any fixture has, so a pager that never reaches the end fails fast.
MAX_PAGES = 200


def walk_by_number(make_query, page_size):
    """Follow Next from page 1, as a visitor does; return the pages."""
    pages = []
    number = 1
    while len(pages) < MAX_PAGES:
        pager = Pager(query=make_query(), page=str(number))
        items, cursor, more = pager.paginate(page_size=page_size)
        assert pager.page == number
        pages.append(items)
        if not more:
            return pages
        number = pager.next_page
    return pages


def walk_by_cursor(make_query, page_size):
    pager = Pager(query=make_query(), page=1)
    items, cursor, more = pager.paginate(page_size=page_size)
    pages = [items]
    while more and len(pages) < MAX_PAGES:
        pager = Pager(query=make_query(), cursor=cursor)
        items, cursor, more = pager.paginate(page_size=page_size)
        pages.append(items)
    return pages


def chunk(rows, page_size):
    return [rows[start : start + page_size] for start in range(0, len(rows), page_size)] or [[]]


@pytest.mark.parametrize(("case_id", "make_query", "ordering"), CASES, ids=[case[0] for case in CASES])
def test_walk_warm_equals_ordered_query(rows, case_id, make_query, ordering):
    want = expected(case_id, make_query, ordering)
    for page_size in PAGE_SIZES:
        assert walk_by_number(make_query, page_size) == chunk(want, page_size), page_size
        # The second walk reads the boundaries the first one cached.
        assert walk_by_number(make_query, page_size) == chunk(want, page_size), page_size


@pytest.mark.parametrize(("case_id", "make_query", "ordering"), CASES, ids=[case[0] for case in CASES])
def test_walk_cold_jumps_equal_ordered_query(rows, pager_cache, case_id, make_query, ordering):
    want = expected(case_id, make_query, ordering)
    for page_size in PAGE_SIZES:
        pages = chunk(want, page_size)
        for number, page in enumerate(pages, start=1):
            clear(pager_cache)
            pager = Pager(query=make_query(), page=number)
            items, cursor, more = pager.paginate(page_size=page_size)
            assert (page_size, pager.page, items) == (page_size, number, page)
            assert more == (number < len(pages))


@pytest.mark.parametrize(("case_id", "make_query", "ordering"), CASES, ids=[case[0] for case in CASES])
def test_walk_by_cursor_equals_ordered_query(rows, case_id, make_query, ordering):
    want = expected(case_id, make_query, ordering)
    for page_size in PAGE_SIZES:
        assert walk_by_cursor(make_query, page_size) == chunk(want, page_size), page_size
