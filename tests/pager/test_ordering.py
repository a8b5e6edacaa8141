"""Orderings the pager normalises, warns about or rejects."""

import pytest
from django.core.paginator import UnorderedObjectListWarning
from django.db.models.functions import Random

from pager import Pager
from pager.exceptions import UnsupportedQuery
from pager.ordering import normalise
from tests.testapp.models import PagerAuthor, PagerItem


@pytest.fixture
def items(db):
    PagerItem.objects.bulk_create(
        PagerItem(rank=index % 3, label="x", created="2024-01-01T00:00:00Z", amount=1, token=f"{index:032x}")
        for index in range(12)
    )
    return list(PagerItem.objects.order_by("pk"))


def test_unordered_warns_and_orders_by_pk(items):
    pager = Pager(query=PagerItem.objects.all(), page=2)

    with pytest.warns(UnorderedObjectListWarning, match="unordered PagerItem queryset"):
        page_items, cursor, more = pager.paginate(page_size=5)

    assert page_items == items[5:10]


def test_appended_pk_follows_last_direction(db):
    queryset, columns = normalise(PagerItem.objects.order_by("rank", "-created"))

    assert [(column.name, column.descending) for column in columns] == [
        ("rank", False),
        ("created", True),
        ("pk", True),
    ]


def test_pk_in_ordering_not_appended(db):
    queryset, columns = normalise(PagerItem.objects.order_by("-id", "rank"))

    assert [column.name for column in columns] == ["id", "rank"]


def test_nullable_path_columns(db):
    queryset, columns = normalise(PagerItem.objects.order_by("rank", "score", "author__name", "author"))

    assert [(column.name, column.nullable) for column in columns] == [
        ("rank", False),
        ("score", True),
        ("author__name", True),
        ("author__name", True),
        ("pk", False),
    ]


def test_related_meta_ordering_direction(db):
    queryset, columns = normalise(PagerItem.objects.order_by("-author"))

    assert [(column.name, column.descending) for column in columns] == [("author__name", True), ("pk", True)]


# Columns: a name, a queryset the pager cannot page, and part of the error message.
UNSUPPORTED = [
    ("random", lambda: PagerItem.objects.order_by("?"), "random order"),
    ("random-expression", lambda: PagerItem.objects.order_by(Random()), "random order"),
    ("union", lambda: PagerItem.objects.filter(rank=1).union(PagerItem.objects.filter(rank=2)), "union()"),
    ("distinct-fields", lambda: PagerItem.objects.order_by("rank").distinct("rank"), "distinct('rank')"),
    ("sliced", lambda: PagerItem.objects.order_by("rank")[:5], "sliced"),
    ("values", lambda: PagerItem.objects.order_by("rank").values("rank"), "values()"),
    ("values-list", lambda: PagerItem.objects.order_by("rank").values_list("rank"), "values()"),
    ("extra", lambda: PagerItem.objects.extra(order_by=["rank"]), "extra(order_by="),
    ("multi-valued", lambda: PagerAuthor.objects.order_by("pageritem__rank"), "multi-valued relation"),
    ("transform", lambda: PagerItem.objects.order_by("created__year"), "transform"),
]


@pytest.mark.parametrize(("name", "make_query", "message"), UNSUPPORTED, ids=[case[0] for case in UNSUPPORTED])
def test_unsupported_query_rejected(db, name, make_query, message):
    pager = Pager(query=make_query())

    with pytest.raises(UnsupportedQuery, match=message.replace("(", r"\(").replace(")", r"\)")):
        pager.paginate(page_size=5)
