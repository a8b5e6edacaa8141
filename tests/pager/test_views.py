"""The ListView mixin."""

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.views.generic import ListView

from pager.views import PagerMixin
from tests.testapp.models import PagerItem


class ItemList(PagerMixin, ListView):
    paginate_by = 4
    template_name = "pager/pager_django.html"
    template_engine = "django"

    def get_queryset(self):
        return PagerItem.objects.order_by("rank")


@pytest.fixture
def items(db):
    PagerItem.objects.bulk_create(
        PagerItem(rank=index, label="x", created="2024-01-01T00:00:00Z", amount=1, token=f"{index:032x}")
        for index in range(10)
    )
    return list(PagerItem.objects.order_by("rank", "pk"))


def get(path, **kwargs):
    response = ItemList.as_view()(RequestFactory().get(path), **kwargs)
    response.render()
    return response


def test_mixin_context(items):
    response = get("/items/?page=2")
    context = response.context_data

    assert context["object_list"] == items[4:8]
    assert context["pager"].page == 2
    assert context["page_obj"] is context["pager"]
    assert context["is_paginated"] is True
    assert context["cursor"]
    assert 'rel="next" href="/items/?page=3"' in response.content.decode()


def test_mixin_page_from_url_kwargs(items):
    response = get("/items/", page="3")

    assert response.context_data["object_list"] == items[8:]


def test_mixin_cursor_wins(items):
    cursor = get("/items/?page=1").context_data["cursor"]

    response = get(f"/items/?page=3&cursor={cursor}")

    assert response.context_data["object_list"] == items[4:8]
    assert response.context_data["pager"].page == 2


def test_mixin_invalid_cursor_is_404(items):
    with pytest.raises(Http404, match="invalid signature"):
        get("/items/?cursor=abc:def")


def test_mixin_single_page_not_paginated(items):
    ItemList.paginate_by = 20
    try:
        response = get("/items/")
    finally:
        ItemList.paginate_by = 4

    assert response.context_data["is_paginated"] is False
    assert response.content.decode().strip() == ""
