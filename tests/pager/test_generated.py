"""Generated data and orderings: the joined pages equal the ordered queryset."""

import datetime

from django.core.cache import caches
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pager import Pager
from tests.pager.caches import clear
from tests.testapp.models import PagerItem

BASE_TIME = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)

rows = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.one_of(st.none(), st.integers(0, 3)),
        st.sampled_from(["a", "b", "B"]),
        st.integers(0, 3),
    ),
    max_size=30,
)
# Each ordering column is a field with a direction and a NULL placement: None leaves it
# to the database.
columns = st.lists(
    st.tuples(st.sampled_from(["rank", "score", "label", "created"]), st.booleans(), st.sampled_from([None, True, False])),
    min_size=1,
    max_size=3,
    unique_by=lambda column: column[0],
)


def order_expression(name, descending, nulls_first):
    expression = F(name)
    if nulls_first is None:
        return expression.desc() if descending else expression.asc()
    placement = {"nulls_first": True} if nulls_first else {"nulls_last": True}
    return expression.desc(**placement) if descending else expression.asc(**placement)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rows, ordering=columns, page_size=st.integers(1, 7), cold=st.booleans())
def test_generated_walk_equals_ordered_query(db, pager_cache, data, ordering, page_size, cold):
    PagerItem.objects.all().delete()
    clear(caches["pager"])
    PagerItem.objects.bulk_create(
        PagerItem(
            rank=rank,
            score=score,
            label=label,
            created=BASE_TIME + datetime.timedelta(microseconds=micros),
            amount=0,
            token=f"{index:032x}",
        )
        for index, (rank, score, label, micros) in enumerate(data)
    )
    expressions = [order_expression(*column) for column in ordering]
    last_descending = ordering[-1][1]
    expected = list(PagerItem.objects.order_by(*expressions, "-pk" if last_descending else "pk"))

    pages = []
    page = 1
    while len(pages) <= len(data):
        if cold:
            clear(caches["pager"])
        pager = Pager(query=PagerItem.objects.order_by(*expressions), page=page)
        items, cursor, more = pager.paginate(page_size=page_size)
        assert pager.page == page
        pages.append(items)
        if not more:
            break
        page += 1

    assert [item for items in pages for item in items] == expected
    assert all(len(items) == page_size for items in pages[:-1])
